// Okta source config: org URL and one of two credentials (SSWS API token, or an OAuth service app with scoped reads).
import { z } from 'zod';

/** Read scopes an OAuth service app needs; grant exactly these. */
export const OKTA_READ_SCOPES = [
  'okta.users.read',
  'okta.roles.read',
  'okta.policies.read',
  'okta.logs.read',
  'okta.logStreams.read',
  'okta.apiTokens.read',
] as const;

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
  /** Retries per request on 429 and 5xx. @defaultValue 6 */
  maxRetries: z.number().int().min(0).max(20).default(6),
  /** Rate-limit headroom: stop issuing when a bucket's X-Rate-Limit-Remaining falls to this. @defaultValue 1 */
  rateLimitReserve: z.number().int().min(0).default(1),
});

export type OktaConfig = z.infer<typeof oktaConfigSchema>;
