// Degradation property for GitHub: any one REST or GraphQL reply degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { degradationProperty } from './property.js';
import { degradationSetups } from './sources.js';

describe('github degradation property', () => {
  degradationProperty(degradationSetups['github'], { seed: 12, perRequest: 4, hangs: 3, maxReplays: 70 }, 150_000);
});
