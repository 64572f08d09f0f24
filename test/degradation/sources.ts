// How each source is set up for degraded replays: short timeouts and retries so a degraded reply costs little time.
import type { SourceId } from '../../src/core/types.js';
import type { SourceSetup } from './harness.js';
import { awsSource } from '../../collectors/aws/index.js';
import { githubSource } from '../../collectors/github/index.js';
import { oktaSource } from '../../collectors/okta/index.js';
import { entraSource } from '../../collectors/entra/index.js';
import { googleWorkspaceSource } from '../../collectors/google-workspace/index.js';

/**
 * The test and the bench use the same setups. `requestTimeoutMs: 300` ends a `hang` quickly; retry settings are cut
 * so a 429/500 costs one short back-off. Keys a source's schema does not accept yet are reported, not fatal.
 */
export const degradationSetups: Record<Exclude<SourceId, 'identity'>, SourceSetup> = {
  aws: {
    plugin: awsSource, lanes: 8, deadlineMs: 15_000,
    // Lanes after the first cannot use AWS_ENDPOINT_URL (one per process): `endpoint` points each at its own proxy.
    pointAt: (url) => ({ endpoint: url }),
    overrides: { requestTimeoutMs: 300, maxAttempts: 2 },
  },
  github: { plugin: githubSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, maxRateLimitWaitMs: 500 } },
  okta: { plugin: oktaSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 2, maxRateLimitWaitMs: 500 } },
  entra: { plugin: entraSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, maxRetryWaitMs: 500 } },
  'google-workspace': { plugin: googleWorkspaceSource, lanes: 3, overrides: { requestTimeoutMs: 300, maxRetries: 1, backoffMs: 50 } },
};
