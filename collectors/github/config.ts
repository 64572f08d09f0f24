// The `sources.github` block of vigil.config.yaml: its own module so config loading needs no GitHub client code.
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';

/** Longest a single rate-limit wait may last: beyond it the read ends as `throttled` and the next slot retries. */
export const RATE_LIMIT_WAIT_BOUNDS_MS = { min: 0, max: 900_000 } as const;

const id = z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected a numeric id').transform(Number)]);

const tokenAuth = z.strictObject({
  /** Classic (`ghp_…`, scopes) or fine-grained (`github_pat_…`, permissions) token. */
  token: z.string().min(1, 'token is empty'),
});

const appAuth = z.strictObject({
  appId: id,
  installationId: id,
  /** PEM text of the App's private key (use ${ENV} interpolation), or… */
  privateKey: z.string().min(1).optional(),
  /** …a path to the PEM file, relative to the config file. */
  privateKeyPath: z.string().min(1).optional(),
}).refine((a) => (a.privateKey === undefined) !== (a.privateKeyPath === undefined), { message: 'give exactly one of privateKey or privateKeyPath' });

export const githubConfigSchema = z.strictObject({
  /** Organization login, e.g. `acme`. */
  org: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub organization login'),
  /** REST base URL. GitHub Enterprise Server: `https://HOST/api/v3`. @defaultValue https://api.github.com */
  baseUrl: z.url().default('https://api.github.com'),
  auth: z.union([tokenAuth, appAuth]),
  /** First run: how far back merged pull requests are read; later runs continue from the saved cursor. @defaultValue 90 */
  prMergeLookbackDays: z.number().int().min(1).max(3650).default(90),
  /**
   * Days of the organization audit log (Enterprise Cloud) read every run for members' last activity
   * (github.org.inactive_members). GitHub keeps 180 days. @defaultValue 90
   */
  auditLogActivityDays: z.number().int().min(1, 'auditLogActivityDays must be between 1 and 180').max(180, 'auditLogActivityDays must be between 1 and 180').default(90),
  /**
   * File keeping REST ETags (and the matching secret-free bodies) between processes, relative to the config file.
   * Without it the cache lives in memory for the life of the collector (a `vigil run` worker), so one-shot
   * `vigil collect` runs start cold.
   */
  etagCacheFile: z.string().min(1).optional(),
  /** Timeout of every HTTP request (REST, GraphQL, App token), body included. @defaultValue 30000 */
  requestTimeoutMs: z.number().int()
    .min(REQUEST_TIMEOUT_BOUNDS_MS.min, `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
    .max(REQUEST_TIMEOUT_BOUNDS_MS.max, `requestTimeoutMs must be between ${REQUEST_TIMEOUT_BOUNDS_MS.min} and ${REQUEST_TIMEOUT_BOUNDS_MS.max} ms`)
    .default(DEFAULT_REQUEST_TIMEOUT_MS),
  /** Retries of one request after a 5xx, a reset connection or a rate limit. @defaultValue 3 */
  maxRetries: z.number().int().min(0, 'maxRetries must be between 0 and 10').max(10, 'maxRetries must be between 0 and 10').default(3),
  /**
   * Longest wait for one rate limit to clear (primary: until `x-ratelimit-reset`; secondary: `retry-after`). A limit
   * that resets later ends the read as `throttled`; the collection deadline cuts any wait short. @defaultValue 60000
   */
  maxRateLimitWaitMs: z.number().int()
    .min(RATE_LIMIT_WAIT_BOUNDS_MS.min, `maxRateLimitWaitMs must be between ${RATE_LIMIT_WAIT_BOUNDS_MS.min} and ${RATE_LIMIT_WAIT_BOUNDS_MS.max} ms`)
    .max(RATE_LIMIT_WAIT_BOUNDS_MS.max, `maxRateLimitWaitMs must be between ${RATE_LIMIT_WAIT_BOUNDS_MS.min} and ${RATE_LIMIT_WAIT_BOUNDS_MS.max} ms`)
    .default(60_000),
});

export type GithubSourceConfig = z.infer<typeof githubConfigSchema>;

/** This source's section of the config `vigil init` writes (see AWS_CONFIG_TEMPLATE in collectors/aws/config.ts). */
export const GITHUB_CONFIG_TEMPLATE = `# GitHub: a GitHub App (recommended; permissions in deploy/github/) or a token of an organization owner.
github:
  org: acme
  auth:
    appId: 123456
    installationId: 7654321
    privateKeyPath: ./vigil-github-app.pem
  # auth:
  #   token: \${GITHUB_TOKEN}
  # baseUrl: https://ghe.example.com/api/v3   # GitHub Enterprise Server
`;
