// Bearer-token authentication and role checks for every non-public route (roles: viewer < auditor < admin).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/collector.js';
import type { ApiConfig } from '../alerts/config.js';
import type { ApiMetrics } from './metrics.js';
import type { ApiRole } from './route-spec.js';
import { ApiError, sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: { name: string; role: ApiRole };
  }
}

const RANK: Record<ApiRole, number> = { viewer: 1, auditor: 2, admin: 3 };

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** Resolves a bearer token to its configured name and role by comparing SHA-256 hashes in constant time. */
export function authenticate(header: string | undefined, tokens: ApiConfig['tokens']): { name: string; role: ApiRole } | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return undefined;
  const got = Buffer.from(sha256hex(m[1]!), 'hex');
  let found: { name: string; role: ApiRole } | undefined;
  for (const t of tokens) if (timingSafeEqual(got, Buffer.from(t.sha256, 'hex'))) found = { name: t.name, role: t.role };
  return found;
}

/** Refuses a request without a token (401) or with too low a role for its route (403), counting and logging each. */
export function installAuth(app: FastifyInstance, tokens: ApiConfig['tokens'], metrics: ApiMetrics, logger: Logger): void {
  app.addHook('onRequest', async (req, reply) => {
    const spec = req.routeOptions.config as unknown as { role?: ApiRole | 'public' } | undefined;
    const role = spec?.role;
    if (role === undefined || role === 'public') return;
    const route = req.routeOptions.url ?? 'unknown';
    const who = authenticate(req.headers.authorization, tokens);
    if (!who) {
      const reason = req.headers.authorization ? 'unknown_token' : 'missing_token';
      metrics.authFailures.inc({ reason, route });
      logger.warn({ route, method: req.method, ip: req.ip, status: 401, reason }, 'api request refused');
      return sendError(reply, new ApiError('unauthorized', 'a valid bearer token is required', { headers: { 'www-authenticate': 'Bearer realm="vigil"' } }), logger);
    }
    if (RANK[who.role] < RANK[role]) {
      metrics.authFailures.inc({ reason: 'forbidden', route });
      logger.warn({ route, method: req.method, ip: req.ip, status: 403, token: who.name, role: who.role, needs: role }, 'api request refused');
      return sendError(reply, new ApiError('forbidden', `this route needs the ${role} role; token "${who.name}" has ${who.role}`), logger);
    }
    req.principal = who;
  });
}
