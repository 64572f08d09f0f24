// Okta source config: org URL and one of two credentials (SSWS API token, or an OAuth service app with scoped reads).
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';

/** Read scopes an OAuth service app needs; grant exactly these. */
export const OKTA_READ_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.roles.read',
  'okta.policies.read',
  'okta.logs.read',
  'okta.logStreams.read',
  'okta.apiTokens.read',
] as const;

/** Longest single wait for a rate-limit window to reset: Okta's windows are one minute, so more means a wrong header. */
export const RATE_LIMIT_WAIT_BOUNDS_MS = { min: 100, max: 300_000 } as const;

const ssws = z.strictObject({
  type: z.literal('ssws'),
  /** API token of a Read-Only Administrator. Tokens inherit their creator's rights; prefer `oauth`. */
  token: z.string().min(1),
});

const oauth = z.strictObject({
  type: z.literal('oauth'),
  clientId: z.string().min(1),
  /** PEM private key (PKCS#8 or PKCS#1) registered on the service app for private_key_jwt. */
  privateKey: z.string().min(1).optional(),
  /** Path to that key, relative to the config file. One of privateKey / privateKeyFile. */
  privateKeyFile: z.string().min(1).optional(),
  keyId: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).default([...OKTA_READ_SCOPES]),
}).refine((v) => (v.privateKey === undefined) !== (v.privateKeyFile === undefined), {
  message: 'give exactly one of privateKey or privateKeyFile',
});

const timeoutMessage = `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`;
const waitMessage = `maxRateLimitWaitMs must be between ${RATE_LIMIT_WAIT_BOUNDS_MS.min} and ${RATE_LIMIT_WAIT_BOUNDS_MS.max} ms`;

export const oktaConfigSchema = z.strictObject({
  /** https://<your-org>.okta.com (or a custom domain, or the emulator). */
  orgUrl: z.url(),
  auth: z.discriminatedUnion('type', [ssws, oauth]),
  /** Parallel per-user factor reads. Okta allows 75 concurrent transactions per org. @defaultValue 8 */
  concurrency: z.number().int().min(1).max(50).default(8),
  /** Users per page (Okta maximum 200). @defaultValue 200 */
  pageSize: z.number().int().min(1).max(200).default(200),
  /** System Log events per page (Okta maximum 1000). @defaultValue 1000 */
  logPageSize: z.number().int().min(1).max(1000).default(1000),
  /** On the first run (no saved cursor), how far back to read the System Log. Okta keeps 90 days. @defaultValue 90 */
  logLookbackDays: z.number().int().min(1).max(90).default(90),
  /**
   * Each run re-reads the System Log from this long before the newest event already read, because Okta indexes events
   * asynchronously and one can appear after a later one was served; re-read events are dropped by `uuid`. @defaultValue 15
   */
  logOverlapMinutes: z.number().int().min(0).max(1440).default(15),
  /** Retries per request on 429, 5xx and dropped connections. @defaultValue 4 */
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** Rate-limit headroom: stop issuing when a bucket's X-Rate-Limit-Remaining falls to this. @defaultValue 1 */
  rateLimitReserve: z.number().int().min(0).max(100).default(1),
  /** Timeout of every HTTP request (token endpoint included), body included. @defaultValue 30000 */
  requestTimeoutMs: z.number().int()
    .min(REQUEST_TIMEOUT_BOUNDS_MS.min, timeoutMessage)
    .max(REQUEST_TIMEOUT_BOUNDS_MS.max, timeoutMessage)
    .default(DEFAULT_REQUEST_TIMEOUT_MS),
  /** Longest wait for one rate-limit window (X-Rate-Limit-Reset); a longer reset fails the read as throttled. @defaultValue 90000 */
  maxRateLimitWaitMs: z.number().int()
    .min(RATE_LIMIT_WAIT_BOUNDS_MS.min, waitMessage)
    .max(RATE_LIMIT_WAIT_BOUNDS_MS.max, waitMessage)
    .default(90_000),
});

export type OktaConfig = z.infer<typeof oktaConfigSchema>;

/** This source's section of the config `vigil init` writes (see AWS_CONFIG_TEMPLATE in collectors/aws/config.ts). */
export const OKTA_CONFIG_TEMPLATE = `# Okta: an OAuth service app (private_key_jwt) with read-only scopes and the Read-Only Administrator role
# (docs/identity.md), or an SSWS token created by a Read-Only Administrator.
okta:
  orgUrl: https://acme.okta.com
  auth:
    type: oauth
    clientId: 0oa1abcd
    privateKeyFile: ./okta-vigil.pem   # relative to this file
  # auth: { type: ssws, token: "\${OKTA_API_TOKEN}" }
  # logLookbackDays: 90                # first run only; later runs resume from the saved System Log cursor
`;
