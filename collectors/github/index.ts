// The GitHub source plug-in: config schema, collector factory, bundled emulator and demo config.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import { UsageError } from '../../src/core/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/core/failure.js';
import type { CollectorDeps, EmulatorOptions, RunningEmulator, SourcePlugin } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import { githubConfigSchema, type GithubSourceConfig } from './config.js';
import { EtagCache } from './client.js';
import { GithubRun } from './collect.js';
import { DEMO_TOKEN, startGithubEmulator } from './emulator/server.js';

export { GITHUB_RESOURCE_TYPES } from '../../src/core/contracts/github.js';
export { PR_CURSOR } from './pull-requests.js';
export { startGithubEmulator, DEMO_TOKEN, DEMO_APP_ID, DEMO_INSTALLATION_ID } from './emulator/server.js';

export { githubConfigSchema, type GithubSourceConfig } from './config.js';

/** Internal knobs for tests and benchmarks (not part of the config file). */
export interface GithubCollectorInternals {
  /** Milliseconds per second of rate-limit and back-off waits (tests shrink it). */
  retryAfterBaseValue?: number;
  maxRetries?: number;
  fetchImpl?: typeof fetch;
}

export function createGithubCollector(config: GithubSourceConfig, deps: CollectorDeps, internals: GithubCollectorInternals = {}): Collector {
  const auth = 'token' in config.auth
    ? { token: config.auth.token }
    : {
      appId: config.auth.appId, installationId: config.auth.installationId,
      privateKey: config.auth.privateKey ?? readKey(resolve(deps.configDir, config.auth.privateKeyPath!)),
    };
  const cache = new EtagCache(config.etagCacheFile ? resolve(deps.configDir, config.etagCacheFile) : undefined, deps.logger);
  return {
    source: 'github',
    scopes: async () => [config.org],
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const run = new GithubRun({
        org: config.org, prMergeLookbackDays: config.prMergeLookbackDays,
        client: {
          baseUrl: config.baseUrl, auth, requestTimeoutMs: config.requestTimeoutMs, maxRetries: config.maxRetries,
          maxRateLimitWaitMs: config.maxRateLimitWaitMs, ...(ctx.signal ? { signal: ctx.signal } : {}), ...internals,
        },
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
    config: { org: 'acme-demo', baseUrl: emulator.url, auth: { token: DEMO_TOKEN }, prMergeLookbackDays: 90, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, maxRetries: 3, maxRateLimitWaitMs: 60_000 },
  }),
};

export default githubSource;
