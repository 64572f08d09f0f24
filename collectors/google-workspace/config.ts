// Google Workspace source config: a service account with domain-wide delegation impersonating a read-only admin.
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';

/** OAuth scopes to authorise for the service account's client id under domain-wide delegation. All read-only. */
export const GOOGLE_WORKSPACE_SCOPES = {
  users: 'https://www.googleapis.com/auth/admin.directory.user.readonly',
  roles: 'https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly',
  reports: 'https://www.googleapis.com/auth/admin.reports.audit.readonly',
  /** members.list, to expand admin roles assigned to groups into the people who hold them. */
  groups: 'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
  /** orgunits.list: the OU tree the Policy API's settings are inherited down. */
  orgunits: 'https://www.googleapis.com/auth/admin.directory.orgunit.readonly',
  /** Cloud Identity Policy API policies.list (2SV, password, session and recovery settings). */
  policies: 'https://www.googleapis.com/auth/cloud-identity.policies.readonly',
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
  /** Cloud Identity Policy API root. @defaultValue https://cloudidentity.googleapis.com */
  policyRootUrl: z.url().default('https://cloudidentity.googleapis.com'),
  /** users.list maxResults (Google maximum 500). @defaultValue 500 */
  pageSize: z.number().int().min(1).max(500).default(500),
  /** Reports: first run without a cursor reads this many days back (Google keeps 180 days). @defaultValue 30 */
  reportsLookbackDays: z.number().int().min(1).max(180).default(30),
  /**
   * Login-audit events to keep, one Reports stream each. Successful sign-ins are left out on purpose: they are the bulk
   * of the login log and `lastLoginTime` already says who is active. @defaultValue login_failure, suspicious_login, account_disabled_password_leak
   */
  loginEvents: z.array(z.string().regex(/^[a-z_]+$/)).default(['login_failure', 'suspicious_login', 'account_disabled_password_leak']),
  /**
   * Reports: each run re-reads this many minutes before the newest event already read, because Google delivers some
   * events late (Admin and Login log events lag "a couple of minutes", with "a small chance" of more — support article
   * "Data retention and lag times"). Events already read are skipped by id. @defaultValue 60
   */
  reportsOverlapMinutes: z.number().int().min(0, 'reportsOverlapMinutes must be 0–2880').max(2880, 'reportsOverlapMinutes must be 0–2880 (2 days)').default(60),
  /** Retries per request on 429, rate-limit 403s, 5xx and connection failures (exponential backoff). @defaultValue 6 */
  maxRetries: z.number().int().min(0).max(10).default(6),
  /** First backoff in ms, doubled each retry. @defaultValue 1000 */
  backoffMs: z.number().int().min(1).max(60_000, 'backoffMs must be 1–60000').default(1000),
  /** Longest single wait (also caps Retry-After), so a quota reply cannot park a worker. @defaultValue 32000 */
  maxBackoffMs: z.number().int().min(1).max(300_000, 'maxBackoffMs must be 1–300000').default(32_000),
  /** Timeout of every HTTP request (token and API), headers and body. @defaultValue 30000 */
  requestTimeoutMs: z.number().int()
    .min(REQUEST_TIMEOUT_BOUNDS_MS.min, `requestTimeoutMs must be ${REQUEST_TIMEOUT_BOUNDS_MS.min}–${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
    .max(REQUEST_TIMEOUT_BOUNDS_MS.max, `requestTimeoutMs must be ${REQUEST_TIMEOUT_BOUNDS_MS.min}–${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
    .default(DEFAULT_REQUEST_TIMEOUT_MS),
});

export type GoogleWorkspaceConfig = z.infer<typeof googleWorkspaceConfigSchema>;

/** This source's section of the config `vigil init` writes (see AWS_CONFIG_TEMPLATE in collectors/aws/config.ts). */
export const GOOGLE_WORKSPACE_CONFIG_TEMPLATE = `# Google Workspace: a service account with domain-wide delegation (read-only scopes in docs/identity.md)
# impersonating an admin that holds a custom read-only role.
google-workspace:
  customerId: my_customer                  # or C0xxxxxxx
  subject: vigil-reader@acme.com           # the admin the service account impersonates
  serviceAccount:
    clientEmail: vigil@acme-sec.iam.gserviceaccount.com
    keyFile: ./vigil-sa.json               # the JSON key, relative to this file
    # privateKey: "\${GOOGLE_SA_KEY}"       # or the key's PEM from the environment instead of keyFile
`;
