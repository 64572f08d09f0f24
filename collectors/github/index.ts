// The GitHub source plug-in: config schema, collector factory, bundled emulator and demo config.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import { UsageError } from '../../src/core/errors.js';
import type { CollectorDeps, EmulatorOptions, RunningEmulator, SourcePlugin } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import { EtagCache } from './client.js';
import { GithubRun } from './collect.js';
import { DEMO_TOKEN, startGithubEmulator } from './emulator/server.js';

export { GITHUB_RESOURCE_TYPES } from './types.js';
export { PR_CURSOR } from './collect.js';
export { startGithubEmulator, DEMO_TOKEN, DEMO_APP_ID, DEMO_INSTALLATION_ID } from './emulator/server.js';

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

/** Internal knobs for tests and benchmarks (not part of the config file). */
export interface GithubCollectorInternals {
  retryAfterBaseValue?: number;
  maxRetries?: number;
}

export function createGithubCollector(config: GithubSourceConfig, deps: CollectorDeps, internals: GithubCollectorInternals = {}): Collector {
  const auth = 'token' in config.auth
    ? { token: config.auth.token }
    : {
      appId: config.auth.appId, installationId: config.auth.installationId,
      privateKey: config.auth.privateKey ?? readKey(resolve(deps.configDir, config.auth.privateKeyPath!)),
    };
  const cache = new EtagCache(config.etagCacheFile ? resolve(deps.configDir, config.etagCacheFile) : undefined);
  return {
    source: 'github',
    scopes: async () => [config.org],
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const run = new GithubRun({
        org: config.org, prMergeLookbackDays: config.prMergeLookbackDays,
        client: { baseUrl: config.baseUrl, auth, ...internals },
      }, ctx, cache);
      const snap = await run.run();
      cache.save();
      return snap;
    },
  };
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError('GITHUB_PRIVATE_KEY_UNREADABLE', `sources.github.auth.privateKeyPath: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export const githubSource: SourcePlugin<GithubSourceConfig> = {
  id: 'github',
  configSchema: githubConfigSchema as unknown as z.ZodType<GithubSourceConfig>,
  createCollector: (config, deps) => createGithubCollector(config, deps),
  async startEmulator(opts?: EmulatorOptions): Promise<RunningEmulator> {
    const e = opts?.estate;
    const gen = e && typeof e === 'object' && 'repos' in e ? (e as { repos: number; members: number }) : undefined;
    return startGithubEmulator({ port: opts?.port, estate: gen ? { generate: gen } : 'demo' });
  },
  demoConfig: (emulator) => ({
    config: { org: 'acme-demo', baseUrl: emulator.url, auth: { token: DEMO_TOKEN }, prMergeLookbackDays: 90 },
  }),
};

export default githubSource;
