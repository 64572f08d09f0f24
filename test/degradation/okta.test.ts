// Degradation property for Okta: any one reply of the demo collection degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { degradationProperty } from './property.js';
import { degradationSetups } from './sources.js';

describe('okta degradation property', () => {
  degradationProperty(degradationSetups['okta'], { seed: 11, perRequest: 2, hangs: 3, maxReplays: 60 }, 150_000);
});
