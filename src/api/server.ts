// The HTTP API (fastify): alert feeds, SSE, posture, findings, runs, exceptions, exports, health, metrics; bearer tokens with roles.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Clock, Logger } from '../core/collector.js';
import { isAppError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { frameworkData, type Framework } from '../rules/frameworks.js';
import { computePosture } from '../report/posture.js';
import { latestScopeHealth, runHealth, unhealthyFirst } from '../report/health.js';
import { slotsBetween } from '../pipeline/slots.js';
import { readAlerts, latestAlerts, renderAtom, renderJsonFeed, toAlertRecord } from '../alerts/feed.js';
import type { ApiConfig } from '../alerts/config.js';
import type { AlertRuleInfo } from '../alerts/engine.js';
import { grantException, loadExceptions, revokeException, validateGrant } from '../exceptions/exceptions.js';
import { listFindings } from './findings.js';
import { ApiMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import type { ApiRole, RouteSpec } from './route-spec.js';
import { exportBundle } from '../export/bundle.js';

const RANK: Record<ApiRole, number> = { viewer: 1, auditor: 2, admin: 3 };

/** The route table: the OpenAPI document and the auth test are both generated from it. */
export const ROUTES: RouteSpec[] = [
  { method: 'GET', url: '/healthz', role: 'public', summary: 'Liveness: the process answers' },
  { method: 'GET', url: '/readyz', role: 'public', summary: 'Readiness: Redis and the evidence store reachable, last run per source not stale (503 otherwise); `degraded` (200) names each source/scope whose latest run could not read anything, with its cause' },
  { method: 'GET', url: '/metrics', role: 'viewer', summary: 'Prometheus metrics', produces: 'text/plain' },
  { method: 'GET', url: '/v1/openapi.json', role: 'viewer', summary: 'This API description (OpenAPI 3.1)' },
  {
    method: 'GET',
    url: '/v1/alerts',
    role: 'viewer',
    summary: 'Alerts after a cursor (ledger seq), oldest first; stable paging',
    query: { after: { type: 'integer', description: 'return alerts with seq > after (default -1)' }, limit: { type: 'integer', description: '1-1000, default 100' } },
  },
  { method: 'GET', url: '/v1/alerts.atom', role: 'viewer', summary: 'The newest 50 alerts as an Atom feed', produces: 'application/atom+xml' },
  { method: 'GET', url: '/v1/alerts.json', role: 'viewer', summary: 'The newest 50 alerts as a JSON Feed 1.1', produces: 'application/feed+json' },
  {
    method: 'GET',
    url: '/v1/alerts/stream',
    role: 'viewer',
    summary: 'Server-Sent Events: one `alert` event per alert leaf; resumes from Last-Event-ID',
    query: { after: { type: 'integer', description: 'replay alerts with seq > after (default: only new ones)' } },
    produces: 'text/event-stream',
  },
  { method: 'GET', url: '/v1/posture', role: 'viewer', summary: 'Posture per criterion from the latest runs' },
  {
    method: 'GET',
    url: '/v1/findings',
    role: 'viewer',
    summary: 'Latest result per rule and resource; accepted failures show as `fail (accepted)`',
    query: {
      status: { type: 'string', description: 'pass | fail | error | not_applicable | accepted' },
      rule: { type: 'string', description: 'rule id' },
      source: { type: 'string', description: 'source id' },
      scope: { type: 'string', description: 'account, org or tenant' },
      limit: { type: 'integer', description: 'default 1000' },
    },
  },
  {
    method: 'GET',
    url: '/v1/runs',
    role: 'viewer',
    summary: 'Run leaves after a cursor (ledger seq), each with `health` (failing when the run read nothing)',
    query: { after: { type: 'integer', description: 'seq cursor (default -1)' }, limit: { type: 'integer', description: '1-1000, default 100' } },
  },
  { method: 'GET', url: '/v1/exceptions', role: 'viewer', summary: 'Every exception with its state (active, revoked, expired)' },
  {
    method: 'POST',
    url: '/v1/exceptions',
    role: 'admin',
    summary: 'Grant an exception (risk acceptance); approver must differ from requester; expiry required',
    body: { ruleId: 'string', resourceId: 'string', reason: 'string', requester: 'string', approver: 'string', expires: 'YYYY-MM-DD or ISO 8601' },
  },
  { method: 'POST', url: '/v1/exceptions/:id/revoke', role: 'admin', summary: 'Revoke an active exception', body: { by: 'string', reason: 'string' } },
  {
    method: 'POST',
    url: '/v1/exports',
    role: 'auditor',
    summary: 'Auditor evidence export: streams the signed bundle (zip) that `vigil export` writes',
    body: { type: '1 or 2', from: 'YYYY-MM-DD (type 2)', to: 'YYYY-MM-DD (type 2)', asOf: 'YYYY-MM-DD (type 1)', tz: 'IANA zone, default UTC', criteria: 'comma-separated criterion ids', sampleSeed: 'string' },
    produces: 'application/zip',
  },
];

export interface ApiOptions {
  ledger: Ledger;
  /** Rules whose ids exceptions may name (source and cross-source rules). */
  rules: AlertRuleInfo[];
  framework: Framework;
  config: ApiConfig;
  logger: Logger;
  clock: Clock;
  /** For /readyz and queue-depth metrics. */
  redis?: Redis;
  prefix?: string;
  /** Sources expected to run, for staleness in /readyz. */
  sources: Array<{ source: string; schedule: string }>;
  /** The ledger's data directory: exports read it (without it, POST /v1/exports answers 501). */
  dataDir?: string;
  /** Open SSE streams allowed at once; more get 503 (each one polls the store). @defaultValue 100 */
  maxStreams?: number;
  /** SSE poll interval. @defaultValue 500 */
  streamPollMs?: number;
}

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

const intParam = (v: unknown, dflt: number, min: number, max: number, name: string): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw Object.assign(new Error(`query parameter ${name} must be an integer from ${min} to ${max}`), { statusCode: 400 });
  return n;
};

declare module 'fastify' {
  interface FastifyRequest {
    principal?: { name: string; role: ApiRole };
  }
}

export interface BuiltApi {
  app: FastifyInstance;
  metrics: ApiMetrics;
  close(): Promise<void>;
}

export async function buildApi(opts: ApiOptions): Promise<BuiltApi> {
  const { ledger, logger, clock } = opts;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const metrics = new ApiMetrics(ledger, opts.redis, opts.prefix);
  const startedAt = clock.now();
  const streams = new Set<() => void>();

  app.addHook('onRequest', async (req, reply) => {
    const spec = req.routeOptions.config as unknown as { role?: ApiRole | 'public' } | undefined;
    const role = spec?.role;
    if (role === undefined || role === 'public') return;
    const route = req.routeOptions.url ?? 'unknown';
    const who = authenticate(req.headers.authorization, opts.config.tokens);
    if (!who) {
      const reason = req.headers.authorization ? 'unknown_token' : 'missing_token';
      metrics.authFailures.inc({ reason, route });
      logger.warn({ route, method: req.method, ip: req.ip, status: 401, reason }, 'api request refused');
      return reply.code(401).header('www-authenticate', 'Bearer realm="vigil"').send({ error: 'unauthorized', message: 'a valid bearer token is required' });
    }
    if (RANK[who.role] < RANK[role]) {
      metrics.authFailures.inc({ reason: 'forbidden', route });
      logger.warn({ route, method: req.method, ip: req.ip, status: 403, token: who.name, role: who.role, needs: role }, 'api request refused');
      return reply.code(403).send({ error: 'forbidden', message: `this route needs the ${role} role; token "${who.name}" has ${who.role}` });
    }
    req.principal = who;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.http.inc({ route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) });
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (isAppError(err)) return reply.code(err.exitCode === 2 ? 400 : 500).send({ error: err.code, message: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error({ err: err.message }, 'api error');
    return reply.code(status).send({ error: status === 500 ? 'internal' : 'bad_request', message: status === 500 ? 'internal error' : err.message });
  });

  const handlers: Record<string, (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>> = {
    'GET /healthz': async () => ({ status: 'ok' }),
    'GET /readyz': async (_req, reply) => {
      const checks = await readiness(opts, startedAt);
      return reply.code(checks.ready ? 200 : 503).send(checks);
    },
    'GET /metrics': async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    'GET /v1/openapi.json': async () => openApiDocument(ROUTES),
    'GET /v1/alerts': async (req) => {
      const q = req.query as Record<string, string>;
      return readAlerts(ledger, intParam(q.after, -1, -1, Number.MAX_SAFE_INTEGER, 'after'), intParam(q.limit, 100, 1, 1000, 'limit'));
    },
    'GET /v1/alerts.atom': async (req, reply) => reply.type('application/atom+xml; charset=utf-8').send(renderAtom(await latestAlerts(ledger), ledger.origin, selfUrl(req))),
    'GET /v1/alerts.json': async (req, reply) => reply.type('application/feed+json; charset=utf-8').send(renderJsonFeed(await latestAlerts(ledger), ledger.origin, selfUrl(req))),
    'GET /v1/alerts/stream': async (req, reply) => {
      const q = req.query as Record<string, string>;
      const lastId = req.headers['last-event-id'];
      let cursor =
        typeof lastId === 'string' && /^\d+$/.test(lastId)
          ? Number(lastId)
          : q.after !== undefined
            ? intParam(q.after, -1, -1, Number.MAX_SAFE_INTEGER, 'after')
            : ((await ledger.lastLeaf({ type: 'alert' }))?.seq ?? -1);
      if (streams.size >= (opts.maxStreams ?? 100)) return reply.code(503).header('retry-after', '30').send({ error: 'busy', message: 'too many open alert streams; retry later' });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 2000\n: vigil alert stream from seq ${cursor + 1}\n\n`);
      let busy = false;
      let lastBeat = Date.now();
      const pump = async () => {
        if (busy) return;
        busy = true;
        try {
          for await (const l of ledger.leaves({ fromSeq: cursor + 1, types: ['alert'] })) {
            const a = toAlertRecord(l.seq, JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
            res.write(`id: ${l.seq}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`);
            cursor = l.seq;
          }
          if (Date.now() - lastBeat > 15_000) {
            res.write(': keep-alive\n\n');
            lastBeat = Date.now();
          }
        } catch (e) {
          logger.warn({ err: (e as Error).message }, 'alert stream read failed');
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void pump(), opts.streamPollMs ?? 500);
      const end = () => {
        clearInterval(timer);
        streams.delete(end);
        res.end();
      };
      streams.add(end);
      req.raw.on('close', end);
      await pump();
    },
    'GET /v1/posture': async () => computePosture(ledger, opts.framework, clock.now(), { sources: opts.sources.map((s) => s.source) }),
    'GET /v1/findings': async (req) => {
      const q = req.query as Record<string, string>;
      return listFindings(ledger, { ...(q.status ? { status: q.status } : {}), ...(q.rule ? { rule: q.rule } : {}), ...(q.source ? { source: q.source } : {}), ...(q.scope ? { scope: q.scope } : {}), limit: intParam(q.limit, 1000, 1, 100_000, 'limit') }, clock.now());
    },
    'GET /v1/runs': async (req) => {
      const q = req.query as Record<string, string>;
      const after = intParam(q.after, -1, -1, Number.MAX_SAFE_INTEGER, 'after');
      const limit = intParam(q.limit, 100, 1, 1000, 'limit');
      const runs: Array<Record<string, unknown>> = [];
      let next = after;
      for await (const l of ledger.leaves({ fromSeq: after + 1, types: ['run'] })) {
        const { v: _v, type: _t, idempotencyKey: _k, ...b } = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
        // `health`: whether the run read anything at all (src/report/health.ts), so a client need not re-derive it
        runs.push({ ...b, health: runHealth(b).state });
        next = l.seq;
        if (runs.length >= limit) break;
      }
      return { runs, next };
    },
    'GET /v1/exceptions': async () => ({ exceptions: [...(await loadExceptions(ledger)).all.values()] }),
    'POST /v1/exceptions': async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const g = validateGrant(
        { ruleId: b.ruleId!, resourceId: b.resourceId!, reason: b.reason!, requester: b.requester!, approver: b.approver!, expires: b.expires!, origin: `api:${req.principal!.name}`, ...(b.id ? { id: b.id } : {}) },
        clock.now(),
        'request body',
        new Set(opts.rules.map((r) => r.id)),
      );
      const { seq } = await grantException(ledger, g);
      logger.info({ exception: g.id, rule: g.ruleId, resource: g.resourceId, by: req.principal!.name, seq }, 'exception granted');
      return reply.code(201).send({ exception: g, seq });
    },
    'POST /v1/exceptions/:id/revoke': async (req) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const id = (req.params as { id: string }).id;
      const { seq } = await revokeException(ledger, id, b.by ?? req.principal!.name, b.reason ?? '');
      return { revoked: id, seq };
    },
    'POST /v1/exports': async (req, reply) => {
      if (!opts.dataDir) return reply.code(501).send({ error: 'not_implemented', message: 'exports need the local ledger directory; run the API inside `vigil run` or `vigil serve` on the ledger host' });
      const b = (req.body ?? {}) as Record<string, unknown>;
      const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
      const type = String(b.type ?? '');
      if (type !== '1' && type !== '2') return reply.code(400).send({ error: 'bad_request', message: 'body.type must be 1 or 2' });
      const fw = opts.framework;
      const tmp = mkdtempSync(join(tmpdir(), 'vigil-api-export-'));
      const out = join(tmp, 'bundle.zip');
      const cleanup = () => rmSync(tmp, { recursive: true, force: true });
      try {
        const r = await exportBundle({
          dataDir: opts.dataDir,
          type: type === '1' ? 1 : 2,
          ...(str('from') ? { from: str('from')! } : {}),
          ...(str('to') ? { to: str('to')! } : {}),
          ...(str('asOf') ? { asOf: str('asOf')! } : {}),
          tz: str('tz') ?? 'UTC',
          framework: frameworkData(fw),
          sources: opts.sources.map((x) => x.source),
          ...(str('criteria') ? { criteria: str('criteria')!.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
          ...(str('sampleSeed') !== undefined ? { sampleSeed: str('sampleSeed')! } : {}),
          out,
          clock,
          logger,
        });
        logger.info({ by: req.principal!.name, type, leaves: r.leaves, bytes: r.bytes }, 'export streamed');
        const name = type === '1' ? `vigil-type1-${str('asOf')}.zip` : `vigil-type2-${str('from')}-${str('to')}.zip`;
        const stream = createReadStream(out);
        stream.on('close', cleanup);
        return reply.type('application/zip').header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}"`).send(stream);
      } catch (e) {
        cleanup();
        throw e;
      }
    },
  };

  for (const r of ROUTES) {
    const h = handlers[`${r.method} ${r.url}`];
    if (!h) throw new Error(`no handler for ${r.method} ${r.url}`);
    app.route({ method: r.method, url: r.url, config: { role: r.role }, handler: h });
  }

  return {
    app,
    metrics,
    async close() {
      for (const end of [...streams]) end();
      await app.close();
      await metrics.close();
    },
  };
}

function selfUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}${req.url}`;
}

/** One readiness check. `degraded`: the process works but a source cannot be read (a monitoring-health failure). */
export interface ReadinessCheck {
  ok: boolean;
  status?: 'ok' | 'degraded' | 'not_ready';
  detail?: string;
  /** For a source: the health of each of its scopes' latest runs, failing ones first. */
  scopes?: Array<{ scope: string; state: 'healthy' | 'failing'; lastRunSeq: number; failingSince?: string; failedRuns?: number; causes?: string[]; reason?: string }>;
}

/**
 * Redis answers PING, the store answers a read, no configured source has gone without a run for too long (any of these
 * failing: not ready, 503), and every scope's latest run read something (else: `degraded`, still 200, with the cause —
 * the API and alert feed must stay reachable precisely when a source is down).
 */
export async function readiness(opts: ApiOptions, startedAt: Date) {
  const now = opts.clock.now();
  const checks: Record<string, ReadinessCheck> = {};
  if (opts.redis) {
    try {
      const pong = await Promise.race([opts.redis.ping(), new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1500))]);
      checks.redis = { ok: pong === 'PONG' };
    } catch (e) {
      checks.redis = { ok: false, detail: (e as Error).message };
    }
  }
  let runs: Awaited<ReturnType<typeof latestScopeHealth>> | undefined;
  try {
    runs = await latestScopeHealth(opts.ledger);
    checks.store = { ok: true };
  } catch (e) {
    checks.store = { ok: false, detail: (e as Error).message };
  }
  for (const s of opts.sources) {
    const interval = intervalMs(s.schedule, now);
    const limit = opts.config.staleAfterMinutes !== undefined ? opts.config.staleAfterMinutes * 60_000 : 2 * interval + 30 * 60_000;
    const mine = runs ? [...runs.values()].filter((r) => r.source === s.source) : [];
    const last = mine.map((r) => Date.parse(String(r.body.endedAt))).sort((a, b) => b - a)[0];
    const key = `source:${s.source}`;
    if (last === undefined) {
      const young = now.getTime() - startedAt.getTime() < limit;
      checks[key] = { ok: young, status: young ? 'ok' : 'not_ready', detail: young ? 'no run yet' : `no run recorded within ${Math.round(limit / 60_000)} min of start` };
      continue;
    }
    const age = now.getTime() - last;
    const stale = age > limit;
    const scopes = mine.sort(unhealthyFirst).map((r) => ({
      scope: r.scope,
      state: r.health.state,
      lastRunSeq: r.seq,
      ...(r.health.state === 'failing' ? { failingSince: r.failingSince!, failedRuns: r.failedRuns, causes: r.health.causes, reason: r.health.reason! } : {}),
    }));
    const failing = scopes.filter((x) => x.state === 'failing');
    const ageText = `last run ended ${Math.round(age / 60_000)} min ago (stale after ${Math.round(limit / 60_000)})`;
    const why = failing.map((f) => `${f.scope} cannot be read since ${f.failingSince} (${f.failedRuns} run${f.failedRuns === 1 ? '' : 's'}): ${f.reason}`).join('; ');
    checks[key] = {
      ok: !stale && failing.length === 0,
      status: stale ? 'not_ready' : failing.length > 0 ? 'degraded' : 'ok',
      detail: failing.length > 0 ? `${why}; ${ageText}` : ageText,
      scopes,
    };
  }
  const values = Object.values(checks);
  const ready = values.every((c) => c.ok || c.status === 'degraded');
  const degraded = Object.entries(checks).filter(([, c]) => c.status === 'degraded').map(([k]) => k);
  return { ready, status: !ready ? ('not_ready' as const) : degraded.length > 0 ? ('degraded' as const) : ('ready' as const), ...(degraded.length ? { degraded } : {}), checks };
}

function intervalMs(schedule: string, now: Date): number {
  const slots = slotsBetween(schedule, new Date(now.getTime() - 8 * 86_400_000), now, 5_000).slice(-2);
  return slots.length === 2 ? slots[1]!.getTime() - slots[0]!.getTime() : 86_400_000;
}
