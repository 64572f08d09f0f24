// Starts the HTTP API on the configured address for `vigil serve` and the `api` role of `vigil run`.
import type { Redis } from 'ioredis';
import type { AgentContext } from '../agent-context.js';
import type { Ledger } from '../ledger/ledger.js';
import { loadFramework } from '../rules/frameworks.js';
import { apiConfigSchema } from '../alerts/config.js';
import { buildApi, type BuiltApi } from './server.js';
import type { AlertRuleInfo } from '../alerts/engine.js';
import { CROSS_SOURCE_RULES } from '../../rules/index.js';

export interface RunningApi extends BuiltApi {
  /** e.g. http://127.0.0.1:8080 (the real port when the config asks for 0). */
  url: string;
}

export async function startApi(ctx: AgentContext, deps: { ledger: Ledger; rules: AlertRuleInfo[]; redis?: Redis; prefix?: string; listen?: string }): Promise<RunningApi> {
  const config = ctx.loaded.config.api ?? apiConfigSchema.parse({});
  const listen = deps.listen ?? process.env.VIGIL_API_LISTEN ?? config.listen;
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d+)$/.exec(listen);
  const host = (m?.[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = Number(m?.[2] ?? 8080);
  const api = await buildApi({
    ledger: deps.ledger,
    rules: [...deps.rules, ...CROSS_SOURCE_RULES.filter((x) => !deps.rules.some((r) => r.id === x.id))],
    framework: loadFramework(ctx.loaded.config.frameworks[0] ?? 'soc2'),
    config,
    logger: ctx.logger,
    clock: ctx.clock,
    ...(deps.redis ? { redis: deps.redis } : {}),
    ...(deps.prefix ? { prefix: deps.prefix } : {}),
    dataDir: ctx.dataDir,
    sources: Object.entries(ctx.loaded.sources).map(([source, s]) => ({ source, schedule: s!.schedule })),
  });
  await api.app.listen({ host, port });
  const addr = api.app.server.address();
  const realPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${realPort}`;
  if (config.tokens.length === 0) ctx.logger.warn({}, 'api: no tokens configured (api.tokens), so every route but /healthz and /readyz answers 401');
  ctx.logger.info({ url }, 'api listening');
  return { ...api, url };
}
