// Authentication and role checks for every non-public route (roles: viewer < auditor < approver < admin): a bearer token, or a
// dashboard session cookie (with a CSRF header on every POST), or on the feed routes a capability token in `?feed=`;
// refusals are counted in full and logged at a bounded rate (never with the token, cookie or capability).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock, Logger } from '../core/collector.js';
import type { ApiConfig } from '../alerts/config.js';
import type { ApiMetrics } from './metrics.js';
import type { ApiRole } from './route-spec.js';
import { ApiError, sendError } from './errors.js';
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, readCookie, type SessionStore } from './session.js';
import type { FeedRefusal, FeedTokens } from './feed-tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: { name: string; role: ApiRole };
    authVia?: AuthVia;
  }
}

const RANK: Record<ApiRole, number> = { viewer: 1, auditor: 2, approver: 3, admin: 4 };

/** Whether a principal of role `has` may use a route that needs `needs` (the one place that orders roles). */
export function roleAllows(has: ApiRole, needs: ApiRole | 'public'): boolean {
  return needs === 'public' || RANK[has] >= RANK[needs];
}

/** How a request proved who it is. */
export type AuthVia = 'token' | 'session' | 'feed';

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

export type RefusalReason = 'missing_token' | 'unknown_token' | 'forbidden' | 'unknown_session' | 'csrf' | FeedRefusal;

export interface RefusalLogOptions {
  /** Refusals logged one by one per window; the rest are summed into one line when the window ends. @defaultValue 10 */
  burst?: number;
  /** @defaultValue 60000 (one minute) */
  windowMs?: number;
}

/**
 * Logs refused requests at a bounded rate: a flood of bad tokens must not fill the disk or drown other lines. The first
 * `burst` refusals of each window are logged in full; the rest are counted and logged as one summary line ("N more
 * refused in the last minute") when the window ends — at the next refusal after it, at the periodic flush, or on close.
 * The metric (`vigil_api_auth_failures_total`) counts every refusal regardless.
 */
export class RefusalLog {
  private readonly burst: number;
  private readonly windowMs: number;
  private windowStart = 0;
  private logged = 0;
  private suppressed: Partial<Record<RefusalReason, number>> = {};
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly logger: Logger, private readonly clock: Clock, opts: RefusalLogOptions = {}) {
    this.burst = opts.burst ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    // The summary must not wait for the next refusal: a flood that stops is still reported within about a window.
    this.timer = setInterval(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  refused(reason: RefusalReason, fields: Record<string, unknown>): void {
    const now = this.clock.now().getTime();
    if (now - this.windowStart >= this.windowMs) {
      this.flush(true);
      this.windowStart = now;
    }
    if (this.logged < this.burst) {
      this.logged++;
      this.logger.warn({ ...fields, reason }, 'api request refused');
      return;
    }
    this.suppressed[reason] = (this.suppressed[reason] ?? 0) + 1;
  }

  /** Logs the summary of the window if it has ended (or `force`), and starts a new one. */
  flush(force = false): void {
    if (!force && this.clock.now().getTime() - this.windowStart < this.windowMs) return;
    const n = Object.values(this.suppressed).reduce((a, b) => a + b, 0);
    if (n > 0) {
      const minutes = this.windowMs === 60_000 ? 'the last minute' : `the last ${Math.round(this.windowMs / 1000)} s`;
      this.logger.warn({ suppressed: n, reasons: this.suppressed, since: new Date(this.windowStart).toISOString() }, `${n} more api requests refused in ${minutes} (not logged one by one; the metric counts each)`);
    }
    this.suppressed = {};
    this.logged = 0;
    this.windowStart = this.clock.now().getTime();
  }

  close(): void {
    clearInterval(this.timer);
    this.flush(true);
  }
}

export interface ApiAuth {
  /** The caller behind a request's token on a public route, or undefined; a token that is sent but unknown is counted and logged as refused. */
  optionalPrincipal(req: FastifyRequest): { name: string; role: ApiRole } | undefined;
  close(): void;
}

/** What the auth hook reads a route's needs from (`config` of each fastify route). */
export interface RouteAuthConfig {
  role?: ApiRole | 'public';
  /** The route also accepts a feed capability token in `?feed=` (viewer scope). */
  feed?: boolean;
}

type Caller = { who: { name: string; role: ApiRole }; via: AuthVia } | { refused: RefusalReason; message: string; status: 401 | 403 };

/** Who is calling: bearer token first, then the session cookie (POSTs need the CSRF header), then a feed capability. */
function identify(req: FastifyRequest, spec: RouteAuthConfig, o: { tokens: ApiConfig['tokens']; sessions?: SessionStore; feeds?: FeedTokens }): Caller {
  if (req.headers.authorization) {
    const who = authenticate(req.headers.authorization, o.tokens);
    return who ? { who, via: 'token' } : { refused: 'unknown_token', message: 'a valid bearer token is required', status: 401 };
  }
  const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (cookie !== undefined && o.sessions) {
    const s = o.sessions.get(cookie);
    if (!s) return { refused: 'unknown_session', message: 'the session has expired or was ended; sign in again', status: 401 };
    if (req.method !== 'GET' && req.method !== 'HEAD' && !csrfMatches(s, req.headers[CSRF_HEADER])) {
      return { refused: 'csrf', message: `a request made with the session cookie must carry the session's ${CSRF_HEADER} header`, status: 403 };
    }
    return { who: s.principal, via: 'session' };
  }
  const feed = (req.query as Record<string, unknown> | undefined)?.feed;
  if (spec.feed && typeof feed === 'string' && feed !== '' && o.feeds) {
    const r = o.feeds.resolve(feed);
    return r.ok ? { who: r.principal, via: 'feed' } : { refused: r.reason, message: 'this feed URL is not valid (unknown, expired or revoked)', status: 401 };
  }
  return { refused: 'missing_token', message: 'a valid bearer token is required', status: 401 };
}

/** Refuses a request without a token (401) or with too low a role for its route (403), counting and logging each. */
export function installAuth(app: FastifyInstance, o: { tokens: ApiConfig['tokens']; metrics: ApiMetrics; logger: Logger; clock: Clock; refusalLog?: RefusalLogOptions; sessions?: SessionStore; feeds?: FeedTokens }): ApiAuth {
  const { tokens, metrics, logger } = o;
  const log = new RefusalLog(logger, o.clock, o.refusalLog);
  app.addHook('onRequest', async (req, reply) => {
    const spec = (req.routeOptions.config ?? {}) as unknown as RouteAuthConfig;
    const role = spec.role;
    if (role === undefined || role === 'public') return;
    const route = req.routeOptions.url ?? 'unknown';
    const caller = identify(req, spec, o);
    if ('refused' in caller) {
      metrics.authFailures.inc({ reason: caller.refused, route });
      log.refused(caller.refused, { route, method: req.method, ip: req.ip, status: caller.status });
      const headers = caller.status === 401 ? { 'www-authenticate': 'Bearer realm="vigil"' } : undefined;
      return sendError(reply, new ApiError(caller.status === 401 ? 'unauthorized' : 'forbidden', caller.message, headers ? { headers } : {}), logger);
    }
    const { who, via } = caller;
    if (!roleAllows(who.role, role)) {
      metrics.authFailures.inc({ reason: 'forbidden', route });
      log.refused('forbidden', { route, method: req.method, ip: req.ip, status: 403, token: who.name, role: who.role, needs: role });
      return sendError(reply, new ApiError('forbidden', `this route needs the ${role} role; token "${who.name}" has ${who.role}`), logger);
    }
    req.principal = who;
    req.authVia = via;
  });
  return {
    optionalPrincipal(req) {
      if (!req.headers.authorization) return undefined;
      const who = authenticate(req.headers.authorization, tokens);
      if (!who) {
        const route = req.routeOptions.url ?? 'unknown';
        metrics.authFailures.inc({ reason: 'unknown_token', route });
        log.refused('unknown_token', { route, method: req.method, ip: req.ip, answered: 'without details' });
      }
      return who;
    },
    close: () => log.close(),
  };
}
