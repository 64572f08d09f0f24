// Bearer-token authentication and role checks for every non-public route (roles: viewer < auditor < approver < admin), with the
// refusals counted in full and logged at a bounded rate.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock, Logger } from '../core/collector.js';
import type { ApiConfig } from '../alerts/config.js';
import type { ApiMetrics } from './metrics.js';
import type { ApiRole } from './route-spec.js';
import { ApiError, sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: { name: string; role: ApiRole };
  }
}

const RANK: Record<ApiRole, number> = { viewer: 1, auditor: 2, approver: 3, admin: 4 };

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

export type RefusalReason = 'missing_token' | 'unknown_token' | 'forbidden';

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

/** Refuses a request without a token (401) or with too low a role for its route (403), counting and logging each. */
export function installAuth(app: FastifyInstance, o: { tokens: ApiConfig['tokens']; metrics: ApiMetrics; logger: Logger; clock: Clock; refusalLog?: RefusalLogOptions }): ApiAuth {
  const { tokens, metrics, logger } = o;
  const log = new RefusalLog(logger, o.clock, o.refusalLog);
  app.addHook('onRequest', async (req, reply) => {
    const spec = req.routeOptions.config as unknown as { role?: ApiRole | 'public' } | undefined;
    const role = spec?.role;
    if (role === undefined || role === 'public') return;
    const route = req.routeOptions.url ?? 'unknown';
    const who = authenticate(req.headers.authorization, tokens);
    if (!who) {
      const reason = req.headers.authorization ? 'unknown_token' : 'missing_token';
      metrics.authFailures.inc({ reason, route });
      log.refused(reason, { route, method: req.method, ip: req.ip, status: 401 });
      return sendError(reply, new ApiError('unauthorized', 'a valid bearer token is required', { headers: { 'www-authenticate': 'Bearer realm="vigil"' } }), logger);
    }
    if (RANK[who.role] < RANK[role]) {
      metrics.authFailures.inc({ reason: 'forbidden', route });
      log.refused('forbidden', { route, method: req.method, ip: req.ip, status: 403, token: who.name, role: who.role, needs: role });
      return sendError(reply, new ApiError('forbidden', `this route needs the ${role} role; token "${who.name}" has ${who.role}`), logger);
    }
    req.principal = who;
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
