// Entra ID source config: tenant, app registration with a client secret, and overridable endpoints (for clouds and the emulator).
import { z } from 'zod';

/** Application permissions (admin-consented) the app registration needs; all read-only. */
export const ENTRA_PERMISSIONS = ['User.Read.All', 'AuditLog.Read.All', 'RoleManagement.Read.Directory', 'Policy.Read.All'] as const;

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
  /** Retries per request on 429/5xx. @defaultValue 6 */
  maxRetries: z.number().int().min(0).max(20).default(6),
});

export type EntraConfig = z.infer<typeof entraConfigSchema>;
