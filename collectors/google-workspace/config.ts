// Google Workspace source config: a service account with domain-wide delegation impersonating a read-only admin.
import { z } from 'zod';

/** OAuth scopes to authorise for the service account's client id under domain-wide delegation. All read-only. */
export const GOOGLE_WORKSPACE_SCOPES = {
  users: 'https://www.googleapis.com/auth/admin.directory.user.readonly',
  roles: 'https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly',
  reports: 'https://www.googleapis.com/auth/admin.reports.audit.readonly',
} as const;

export const googleWorkspaceConfigSchema = z.strictObject({
  /** `my_customer` (the impersonated admin's account) or the customer id `C0…`. @defaultValue my_customer */
  customerId: z.string().min(1).default('my_customer'),
  /** Admin user the service account impersonates; give it a custom read-only admin role. */
  subject: z.email(),
  serviceAccount: z.strictObject({
    clientEmail: z.email(),
    /** PEM private key from the service-account JSON key (`private_key`). One of privateKey / keyFile. */
    privateKey: z.string().min(1).optional(),
    /** Path to the service-account JSON key file, relative to the config file. */
    keyFile: z.string().min(1).optional(),
    privateKeyId: z.string().min(1).optional(),
  }).refine((v) => (v.privateKey === undefined) !== (v.keyFile === undefined), { message: 'give exactly one of privateKey or keyFile' }),
  /** OAuth token endpoint. @defaultValue https://oauth2.googleapis.com/token */
  tokenUrl: z.url().default('https://oauth2.googleapis.com/token'),
  /** Admin SDK root. @defaultValue https://admin.googleapis.com */
  rootUrl: z.url().default('https://admin.googleapis.com'),
  /** users.list maxResults (Google maximum 500). @defaultValue 500 */
  pageSize: z.number().int().min(1).max(500).default(500),
  /** Reports: first run without a cursor reads this many days back (Google keeps 180 days). @defaultValue 30 */
  reportsLookbackDays: z.number().int().min(1).max(180).default(30),
  /**
   * Login-audit events to keep, one Reports stream each. Successful sign-ins are left out on purpose: they are the bulk
   * of the login log and `lastLoginTime` already says who is active. @defaultValue login_failure, suspicious_login, account_disabled_password_leak
   */
  loginEvents: z.array(z.string().regex(/^[a-z_]+$/)).default(['login_failure', 'suspicious_login', 'account_disabled_password_leak']),
  /** Retries per request on 429, rate-limit 403s and 5xx (exponential backoff). @defaultValue 6 */
  maxRetries: z.number().int().min(0).max(20).default(6),
  /** First backoff in ms, doubled each retry. @defaultValue 1000 */
  backoffMs: z.number().int().min(1).default(1000),
});

export type GoogleWorkspaceConfig = z.infer<typeof googleWorkspaceConfigSchema>;
