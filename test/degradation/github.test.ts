// Degradation property for GitHub: any one REST or GraphQL reply degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { githubSource } from '../../collectors/github/index.js';
import { degradationProperty } from './property.js';

describe('github degradation property', () => {
  degradationProperty(
    { plugin: githubSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, maxRateLimitWaitMs: 500 } },
    { seed: 12, perRequest: 2, hangs: 3, maxReplays: 60 },
    150_000,
  );
});
