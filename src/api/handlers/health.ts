// Health routes: liveness, readiness (Redis, store, per-source staleness and read health; details only with a token),
// Prometheus metrics, OpenAPI.
import { latestScopeHealth, unhealthyFirst } from '../../report/health.js';
import { slotsBetween } from '../../pipeline/slots.js';
import { openApiDocument } from '../openapi.js';
import { witnessHealth } from '../../witness/health.js';
import { publishHealth } from '../../publish/health.js';
import { ROUTES } from '../routes.js';
import type { ApiOptions, HandlerDeps, Handlers } from '../options.js';

export function healthHandlers(deps: HandlerDeps): Handlers {
  const { metrics } = deps;
  return {
    'GET /healthz': async () => ({ status: 'ok' }),
    'GET /readyz': async (req, reply) => {
      // Probes need no token; which sources run, their scopes, ages and causes are for token holders (any role).
      const who = deps.auth.optionalPrincipal(req);
      const checks = await readiness(deps.opts, deps.startedAt);
      return reply.code(checks.ready ? 200 : 503).send(who ? checks : publicReadiness(checks));
    },
    'GET /metrics': async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    'GET /v1/openapi.json': async () => openApiDocument(ROUTES),
  };
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
  // A witness in trouble does not stop the agent (evidence is still recorded and signed): degraded, never not ready.
  try {
    for (const h of await witnessHealth(opts.ledger, opts.witnesses ?? [])) {
      checks[`witness:${h.name}`] = { ok: h.state === 'ok', status: h.state, detail: h.reason ?? `cosigned checkpoint ${h.cosignedSize}; ${h.uncosignedCheckpoints} newer not cosigned yet` };
    }
    // Likewise the WORM copy: evidence is still recorded and signed while the bucket cannot take copies.
    for (const h of await publishHealth(opts.ledger, opts.publish)) {
      checks[`publish:s3:${h.bucket}`] = { ok: h.state === 'ok', status: h.state, detail: h.reason ?? `${h.copiedCheckpoints} checkpoint(s) copied; ${h.pendingCheckpoints} checkpoint(s) and ${h.pendingSeals} seal(s) waiting` };
    }
  } catch (e) {
    checks.store = { ok: false, detail: (e as Error).message };
  }
  const values = Object.values(checks);
  const ready = values.every((c) => c.ok || c.status === 'degraded');
  const degraded = Object.entries(checks).filter(([, c]) => c.status === 'degraded').map(([k]) => k);
  return { ready, status: !ready ? ('not_ready' as const) : degraded.length > 0 ? ('degraded' as const) : ('ready' as const), ...(degraded.length ? { degraded } : {}), checks };
}

/** Why a process is not ready, in one word: the kind of the first check that failed. */
export type NotReadyReason = 'redis' | 'store' | 'stale';

/**
 * /readyz as an unauthenticated caller sees it: ready or not, and one word why (`degraded`, or for `not_ready` the
 * failing kind: `redis`, `store`, `stale`), naming no source, scope, age or cause.
 */
export function publicReadiness(r: Awaited<ReturnType<typeof readiness>>): { ready: boolean; status: 'ready' | 'degraded' | 'not_ready'; reason?: NotReadyReason } {
  if (r.status !== 'not_ready') return { ready: r.ready, status: r.status };
  const failed = Object.entries(r.checks).find(([, c]) => !c.ok && c.status !== 'degraded')?.[0];
  const reason: NotReadyReason = failed === 'redis' || failed === 'store' ? failed : 'stale';
  return { ready: false, status: 'not_ready', reason };
}

function intervalMs(schedule: string, now: Date): number {
  const slots = slotsBetween(schedule, new Date(now.getTime() - 8 * 86_400_000), now, 5_000).slice(-2);
  return slots.length === 2 ? slots[1]!.getTime() - slots[0]!.getTime() : 86_400_000;
}
