// The `sources.github` block of vigil.config.yaml: its own module so config loading needs no GitHub client code.
import { z } from 'zod';

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
   * File keeping REST ETags (and the matching secret-free bodies) between processes, relative to the config file.
   * Without it the cache lives in memory for the life of the collector (a `vigil run` worker), so one-shot
   * `vigil collect` runs start cold.
   */
  etagCacheFile: z.string().min(1).optional(),
});

export type GithubSourceConfig = z.infer<typeof githubConfigSchema>;
