// Dashboard sign-in: an API token exchanged for a session cookie (HttpOnly, SameSite=Strict, Secure on https, expiring)
// and a CSRF token; who is signed in, with the routes their role may use; sign-out.
import type { FastifyRequest } from 'fastify';
import { authenticate, roleAllows } from '../auth.js';
import { ApiError } from '../errors.js';
import { ROUTES } from '../routes.js';
import { SESSION_COOKIE, clearedCookie, readCookie, sessionCookie, type Session } from '../session.js';
import type { HandlerDeps, Handlers } from '../options.js';

const secure = (req: FastifyRequest) => req.protocol === 'https';

/** What the dashboard is told about a session: who, until when, its CSRF token, and what the role may call. */
function describe(s: Session) {
  return {
    principal: s.principal,
    expiresAt: s.expiresAt.toISOString(),
    csrf: s.csrf,
    // The dashboard shows or hides actions from this list, so a new role needs no change in the browser code.
    allowed: ROUTES.filter((r) => r.role !== 'public' && roleAllows(s.principal.role, r.role)).map((r) => `${r.method} ${r.url}`),
  };
}

export function sessionHandlers(deps: HandlerDeps): Handlers {
  const { logger } = deps.opts;
  return {
    'POST /v1/session': async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      if (typeof b.token !== 'string' || b.token === '') throw new ApiError('bad_request', 'body.token: the API token to sign in with is required');
      const who = authenticate(`Bearer ${b.token}`, deps.opts.config.tokens);
      if (!who) {
        deps.metrics.authFailures.inc({ reason: 'unknown_token', route: '/v1/session' });
        logger.warn({ route: '/v1/session', ip: req.ip, reason: 'unknown_token' }, 'dashboard sign-in refused');
        throw new ApiError('unauthorized', 'that token is not valid');
      }
      const { id, session } = deps.sessions.create(who);
      logger.info({ principal: who.name, role: who.role }, 'dashboard session started');
      return reply.header('set-cookie', sessionCookie(id, deps.sessions.ttlMs, secure(req))).header('cache-control', 'no-store').code(201).send(describe(session));
    },
    'GET /v1/session': async (req, reply) => {
      const s = deps.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
      if (!s || req.authVia !== 'session') throw new ApiError('bad_request', 'no dashboard session: this request was not made with a session cookie');
      return reply.header('cache-control', 'no-store').send(describe(s));
    },
    'POST /v1/session/end': async (req, reply) => {
      deps.sessions.end(readCookie(req.headers.cookie, SESSION_COOKIE));
      return reply.header('set-cookie', clearedCookie(secure(req))).send({ ended: true });
    },
  };
}
