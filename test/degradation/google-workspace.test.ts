// Degradation property for Google Workspace: any one token, Directory or Reports reply degraded may lose passes, never gain them.
import { describe } from 'vitest';
import { googleWorkspaceSource } from '../../collectors/google-workspace/index.js';
import { degradationProperty } from './property.js';

describe('google-workspace degradation property', () => {
  degradationProperty(
    { plugin: googleWorkspaceSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, backoffMs: 50 } },
    { seed: 14, perRequest: 3, hangs: 3, maxReplays: 60 },
    150_000,
  );
});
