// Degradation property for Entra ID: any one token or Graph reply degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { degradationProperty } from './property.js';
import { degradationSetups } from './sources.js';

describe('entra degradation property', () => {
  degradationProperty(degradationSetups['entra'], { seed: 13, perRequest: 5, hangs: 3, maxReplays: 60 }, 150_000);
});
