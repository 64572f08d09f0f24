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
  const auth = installAuth(app, { tokens: opts.config.tokens, metrics, logger, clock, ...(opts.refusalLog ? { refusalLog: opts.refusalLog } : {}) });
  const deps: HandlerDeps = { opts, metrics, auth, startedAt: clock.now(), streams: new Set() };

  app.addHook('onResponse', async (req, reply) => {
    metrics.http.inc({ route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) });
  });
  app.setErrorHandler((err, _req, reply) => sendError(reply, err, logger));

  const handlers: Handlers = { ...healthHandlers(deps), ...feedHandlers(deps), ...stateHandlers(deps), ...exceptionHandlers(deps), ...reviewHandlers(deps), ...exportHandlers(deps), ...evidenceHandlers(deps) };
  for (const r of ROUTES) {
    const h = handlers[`${r.method} ${r.url}`];
    if (!h) throw new Error(`no handler for ${r.method} ${r.url}`);
    app.route({ method: r.method, url: r.url, config: { role: r.role }, handler: h, ...(r.bodyLimit !== undefined ? { bodyLimit: r.bodyLimit } : {}) });
  }

  return {
    app,
    metrics,
    async close() {
      for (const end of [...deps.streams]) end();
      await app.close();
      auth.close();
      await metrics.close();
    },
  };
}
