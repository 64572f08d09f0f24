// The GitHub source plug-in: config schema and collector factory. The emulator and demo config are in demo.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import { UsageError } from '../../src/core/errors.js';
import type { CollectorDeps, SourcePlugin } from '../../src/core/source-plugin.js';
import type { Snapshot } from '../../src/core/types.js';
import { githubConfigSchema, type GithubSourceConfig } from './config.js';
import { EtagCache } from './client.js';
import { GithubRun } from './collect.js';

export { GITHUB_RESOURCE_TYPES } from '../../src/core/contracts/github.js';
export { PR_CURSOR } from './pull-requests.js';

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
    configScopes: () => [config.org],
    async collect(ctx: CollectContext): Promise<Snapshot> {
      const run = new GithubRun({
        org: config.org, prMergeLookbackDays: config.prMergeLookbackDays, auditLogActivityDays: config.auditLogActivityDays,
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
};

export default githubSource;
