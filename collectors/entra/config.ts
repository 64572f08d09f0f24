// Entra ID source config: tenant, app registration with a client secret, and overridable endpoints (for clouds and the emulator).
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';

/** Longest one 429/503 back-off may last (Retry-After included): beyond it the read ends as `throttled`. */
export const RETRY_WAIT_BOUNDS_MS = { min: 0, max: 300_000 } as const;

/** Application permissions (admin-consented) the app registration needs; all read-only. */
export const ENTRA_PERMISSIONS = ['User.Read.All', 'AuditLog.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All', 'Policy.Read.All', 'AccessReview.Read.All'] as const;

export const entraConfigSchema = z.strictObject({
  /** Directory (tenant) id or a verified domain. */
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Token authority. Sovereign clouds differ (login.microsoftonline.us). @defaultValue https://login.microsoftonline.com */
  authorityHost: z.url().default('https://login.microsoftonline.com'),
  /** Graph root. @defaultValue https://graph.microsoft.com */
  graphUrl: z.url().default('https://graph.microsoft.com'),
  /** `$top` for /users (Graph maximum 999). @defaultValue 999 */
  pageSize: z.number().int().min(1).max(999).default(999),
  /** First run without a cursor: how far back to read directory audits (retention: 7 days free, 30 days P1/P2). @defaultValue 30 */
  auditLookbackDays: z.number().int().min(1).max(30).default(30),
  /** Retries per request on 429/5xx or a dropped connection. @defaultValue 6 */
  maxRetries: z.number().int().min(0, 'maxRetries must be between 0 and 10').max(10, 'maxRetries must be between 0 and 10').default(6),
  /** Timeout of every HTTP request (token and Graph), body included. @defaultValue 30000 */
  requestTimeoutMs: z.number().int()
    .min(REQUEST_TIMEOUT_BOUNDS_MS.min, `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
    .max(REQUEST_TIMEOUT_BOUNDS_MS.max, `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
    .default(DEFAULT_REQUEST_TIMEOUT_MS),
  /**
   * Longest single back-off (a 429's Retry-After, or exponential back-off on 5xx). A Retry-After beyond it ends the read
   * as `throttled` at once rather than holding a worker; the collection deadline cuts any wait short. @defaultValue 60000
   */
  maxRetryWaitMs: z.number().int()
    .min(RETRY_WAIT_BOUNDS_MS.min, `maxRetryWaitMs must be between ${RETRY_WAIT_BOUNDS_MS.min} and ${RETRY_WAIT_BOUNDS_MS.max} ms`)
    .max(RETRY_WAIT_BOUNDS_MS.max, `maxRetryWaitMs must be between ${RETRY_WAIT_BOUNDS_MS.min} and ${RETRY_WAIT_BOUNDS_MS.max} ms`)
    .default(60_000),
});

export type EntraConfig = z.infer<typeof entraConfigSchema>;

/** This source's section of the config `vigil init` writes (see AWS_CONFIG_TEMPLATE in collectors/aws/config.ts). */
export const ENTRA_CONFIG_TEMPLATE = `# Microsoft Entra ID: an app registration with a client secret and admin-consented read-only application
# permissions (User.Read.All, GroupMember.Read.All, AuditLog.Read.All, RoleManagement.Read.Directory, Policy.Read.All,
# AccessReview.Read.All).
entra:
  tenantId: contoso.onmicrosoft.com
  clientId: 9d1c0000-0000-0000-0000-000000000000
  clientSecret: \${ENTRA_CLIENT_SECRET}
  # authorityHost: https://login.microsoftonline.us   # sovereign clouds
  # graphUrl: https://graph.microsoft.us
`;
