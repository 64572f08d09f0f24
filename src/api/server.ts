// The HTTP API (fastify): builds the app from the route table, bearer-token auth, one error mapping and each area's handlers.
import Fastify, { type FastifyInstance } from 'fastify';
import { ApiMetrics } from './metrics.js';
import { ROUTES } from './routes.js';
import { installAuth } from './auth.js';
import { sendError } from './errors.js';
import type { ApiOptions, HandlerDeps, Handlers } from './options.js';
import { feedHandlers } from './handlers/feeds.js';
import { stateHandlers } from './handlers/state.js';
import { exceptionHandlers } from './handlers/exceptions.js';
import { exportHandlers } from './handlers/exports.js';
import { healthHandlers } from './handlers/health.js';
import { evidenceHandlers } from './handlers/evidence.js';
import { reviewHandlers } from './handlers/reviews.js';
import { sessionHandlers } from './handlers/session.js';
import { dashboardAssetHandlers, dashboardHandlers } from './handlers/dashboard.js';
import { feedTokenHandlers } from './handlers/feeds.js';
import { SessionStore } from './session.js';
import { FeedTokens } from './feed-tokens.js';
import { join } from 'node:path';
import { LedgerView } from '../report/ledger-view.js';

export { ROUTES } from './routes.js';
export { authenticate } from './auth.js';
export { readiness, type ReadinessCheck } from './handlers/health.js';
export type { ApiOptions } from './options.js';

export interface BuiltApi {
  app: FastifyInstance;
  metrics: ApiMetrics;
  close(): Promise<void>;
}

export async function buildApi(opts: ApiOptions): Promise<BuiltApi> {
  const { ledger, logger, clock } = opts;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const metrics = new ApiMetrics(ledger, opts.redis, opts.prefix);
  const sessions = new SessionStore(clock, opts.sessions);
  const feeds = new FeedTokens(clock, opts.dataDir);
  const auth = installAuth(app, { tokens: opts.config.tokens, metrics, logger, clock, sessions, feeds, ...(opts.refusalLog ? { refusalLog: opts.refusalLog } : {}) });
  const view = opts.view ?? new LedgerView(ledger, { logger, clock, ...(opts.dataDir ? { dir: join(opts.dataDir, 'views') } : {}) });
  // Folds what the writer appended in the background, so the first read after a run finds it folded already.
  const refresher = setInterval(() => view.refresh().catch((e: Error) => logger.warn({ err: e.message }, 'ledger view: refresh failed')), opts.viewRefreshMs ?? 2000);
  refresher.unref();
  const deps: HandlerDeps = { opts, metrics, auth, startedAt: clock.now(), streams: new Set(), sessions, feeds, view };

  app.addHook('onResponse', async (req, reply) => {
    metrics.http.inc({ route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) });
  });
  app.setErrorHandler((err, _req, reply) => sendError(reply, err, logger));

  const handlers: Handlers = {
    ...healthHandlers(deps),
    ...feedHandlers(deps),
    ...feedTokenHandlers(deps),
    ...stateHandlers(deps),
    ...exceptionHandlers(deps),
    ...reviewHandlers(deps),
    ...evidenceHandlers(deps),
    ...exportHandlers(deps),
    ...sessionHandlers(deps),
    ...dashboardHandlers(deps),
  };
  for (const r of ROUTES) {
    const h = handlers[`${r.method} ${r.url}`];
    if (!h) throw new Error(`no handler for ${r.method} ${r.url}`);
    app.route({ method: r.method, url: r.url, config: { role: r.role, ...(r.feed ? { feed: true } : {}) }, handler: h, ...(r.bodyLimit !== undefined ? { bodyLimit: r.bodyLimit } : {}) });
  }
  // The dashboard's page and bundle: public (they hold no data; every view signs in through POST /v1/session).
  for (const [key, h] of Object.entries(dashboardAssetHandlers(opts.dashboardDir))) {
    app.route({ method: 'GET', url: key.slice('GET '.length), config: { role: 'public' }, handler: h });
  }

  return {
    app,
    metrics,
    async close() {
      for (const end of [...deps.streams]) end();
      clearInterval(refresher);
      await app.close();
      if (!opts.view) await view.close();
      auth.close();
      await metrics.close();
    },
  };
}
