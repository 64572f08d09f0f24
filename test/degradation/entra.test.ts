// Degradation property for Entra ID: any one token or Graph reply degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { entraSource } from '../../collectors/entra/index.js';
import { degradationProperty } from './property.js';

describe('entra degradation property', () => {
  degradationProperty(
    { plugin: entraSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, maxRetryWaitMs: 500 } },
    { seed: 13, perRequest: 3, hangs: 3, maxReplays: 60 },
    150_000,
  );
});
