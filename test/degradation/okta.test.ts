// Degradation property for Okta: any one reply of the demo collection degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { oktaSource } from '../../collectors/okta/index.js';
import { degradationProperty } from './property.js';

describe('okta degradation property', () => {
  degradationProperty(
    { plugin: oktaSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 2, maxRateLimitWaitMs: 500 } },
    { seed: 11, perRequest: 2, hangs: 2, maxReplays: 60 },
    150_000,
  );
});
