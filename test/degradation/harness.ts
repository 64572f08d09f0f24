// The degradation property: a source's demo collection replayed with one reply degraded may lose passes, never gain them.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Clock } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import { mulberry32 } from '../../src/core/seeded-random.js';
import type { SourceDemo, SourcePlugin, RunningEmulator } from '../../src/core/source-plugin.js';
import type { Result, Rule, Status } from '../../src/core/types.js';
import { collectAndEvaluate, type BlobSink, type CollectStageDeps } from '../../src/pipeline/collect-stage.js';
import { allRules } from '../../rules/index.js';
import { DEGRADE_MODES, startDegradingProxy, type DegradeMode, type DegradingProxy } from '../support/degrading-proxy.js';

/** One degraded replay to run: the reply to `key` degraded with `mode`. */
export interface Replay {
  key: string;
  mode: DegradeMode;
}

/** A (rule, resource) that passes (or is not applicable) degraded but did not pass (or was absent) healthy. */
export interface Violation {
  key: string;
  mode: DegradeMode;
  ruleId: string;
  resourceId: string;
  healthy: Status | 'absent';
  degraded: Status;
  reason: string;
}

export interface PropertyReport {
  source: string;
  requests: number;
  /** Replays whose degradation was applied. */
  replays: number;
  /** Replays whose mode had nothing to act on in that reply (see docs/faults.md). */
  skipped: number;
  /** Replays whose key the degraded collection never requested (polling varies how often a request repeats). */
  notReached: Replay[];
  violations: Violation[];
  /** Replays that had not returned by the deadline plus margin. */
  hangs: Replay[];
  crashes: Array<Replay & { error: string }>;
  wallMs: number;
  /** Milliseconds spent per mode (applied replays), to see which modes the time budget goes to. */
  msByMode: Partial<Record<DegradeMode, number>>;
  /** The slowest applied replay. */
  slowest?: Replay & { ms: number };
}

export interface SourceSetup {
  /** The production plug-in with its emulator half (collectors/<source>/index.ts and demo.ts). */
  plugin: SourcePlugin<any> & SourceDemo<any>;
  /**
   * Config values set over the demo config (e.g. a short `requestTimeoutMs` so `hang` ends quickly, small backoffs).
   * A key the source's schema rejects (not added yet) is left out rather than failing the run.
   */
  overrides?: Record<string, unknown>;
  /** Each collection's deadline, passed as `deps.deadlineMs`; the harness aborts `signal` there too. @defaultValue 10000 */
  deadlineMs?: number;
  /** Past the deadline by this much, a replay counts as a hang. @defaultValue 3000 */
  hangMarginMs?: number;
  /** Replays run at once, each lane its own proxy and healthy baseline (collections mostly wait). @defaultValue 1 */
  lanes?: number;
  /** Rules to judge with. @defaultValue every shipped rule of the plug-in's source */
  rules?: Rule[];
  /** Config that points the source at one lane's proxy when the demo config does it through the environment (AWS). */
  pointAt?: (url: string) => Record<string, unknown>;
}

export interface DegradationHarness {
  source: string;
  /** Keys of every request of the healthy collection, in arrival order. */
  keys: string[];
  healthy: Result[];
  healthyMs: number;
  /** Config overrides the source's schema did not accept (so the property runs without them). */
  dropped: string[];
  run(replays: Replay[]): Promise<PropertyReport>;
  close(): Promise<void>;
}

const memoryBlobs: BlobSink = {
  async putBlob(data: Buffer) {
    return { sha256: createHash('sha256').update(data).digest('hex'), size: data.length, isNew: true };
  },
};

/**
 * One emulator and its proxy, with its own config, scope and healthy baseline; replays run on lanes in parallel. Each
 * lane has its own emulator so one lane's traffic never throttles another's (AWS emulates LookupEvents' 2 TPS).
 */
interface Lane {
  emulator: RunningEmulator;
  proxy: DegradingProxy;
  config: Record<string, unknown>;
  scope: string;
  keys: string[];
  healthy: Result[];
  healthyMs: number;
  healthyStatus: Map<string, Set<Status>>;
}

const good = (s: Status) => s === 'pass' || s === 'not_applicable';

/** Starts an emulator behind a degrading proxy per lane, resolves the scope and records a healthy collection per lane. */
export async function setUpSource(setup: SourceSetup): Promise<DegradationHarness> {
  const { plugin } = setup;
  const deadlineMs = setup.deadlineMs ?? 10_000;
  const margin = setup.hangMarginMs ?? 3_000;
  const rules: Rule[] = setup.rules ?? allRules.filter((r) => r.source === plugin.id);
  // Every replay sees the same instants relative to its own start, so time windows match the healthy run's.
  const base = Date.now();
  const clockFrom = (t0: number): Clock => ({ now: () => new Date(base + (performance.now() - t0)) });
  const dropped = new Set<string>();

  async function collectOnce(lane: Pick<Lane, 'config' | 'scope'>): Promise<{ results?: Result[]; error?: string; ms: number; hung: boolean }> {
    const t0 = performance.now();
    const clock = clockFrom(t0);
    const collector = plugin.createCollector(lane.config, { logger: silentLogger, clock, configDir: process.cwd() });
    const abort = new AbortController();
    // Every request of an SDK client listens on the run's signal; a collection has more than Node's default of 10.
    setMaxListeners(0, abort.signal);
    const deps: CollectStageDeps = { rules, params: {}, clock, logger: silentLogger, blobs: memoryBlobs, deadlineMs };
    // The pipeline cuts the collection at its deadline; aborting `signal` half a margin later is only a backstop, late
    // enough that the pipeline's own cut (naming the operation in flight) is what gets recorded.
    const watchdog = setTimeout(() => abort.abort(new Error('collection deadline (degradation harness)')), deadlineMs + margin / 2);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), deadlineMs + margin); });
    try {
      const out = await Promise.race([
        collectAndEvaluate(collector, { source: plugin.id, scope: lane.scope, slot: new Date(base).toISOString(), signal: abort.signal }, deps),
        gaveUp,
      ]);
      const ms = performance.now() - t0;
      if (out === 'hung') return { ms, hung: true };
      return { results: out.results, ms, hung: false };
    } catch (e) {
      return { error: (e as Error)?.stack ?? String(e), ms: performance.now() - t0, hung: false };
    } finally {
      clearTimeout(watchdog);
      clearTimeout(timer);
    }
  }

  async function openLane(i: number): Promise<Lane> {
    const emulator = await plugin.startEmulator({ estate: 'demo' });
    const proxy = await startDegradingProxy(emulator.url);
    try {
      return await recordLane(i, emulator, proxy);
    } catch (e) {
      await closeLane({ emulator, proxy });
      throw e;
    }
  }

  async function recordLane(i: number, emulator: RunningEmulator, proxy: DegradingProxy): Promise<Lane> {
    const viaProxy: RunningEmulator = { url: proxy.url, close: () => proxy.close() };
    const demo = plugin.demoConfig(viaProxy);
    // Environment is per process: only lane 0 may rely on it; the others need `pointAt` (e.g. AWS's `endpoint`).
    if (i === 0) Object.assign(process.env, demo.env ?? {});
    const configure = (skip: string[]) => {
      let config = plugin.configSchema.parse(demo.config) as Record<string, unknown>;
      for (const [k, v] of Object.entries({ ...setup.overrides, ...setup.pointAt?.(proxy.url) })) {
        if (skip.includes(k)) continue;
        const tried = plugin.configSchema.safeParse({ ...config, [k]: v });
        if (tried.success) config = tried.data as Record<string, unknown>;
        else dropped.add(k);
      }
      return config;
    };
    const config = configure([]);
    // The baseline keeps the source's own request timeout: a healthy reply slowed past 300 ms by a busy machine must not
    // count as a healthy `error` that a degraded run could then "gain" as a pass. Timeouts do not change the requests.
    const baseline = configure(['requestTimeoutMs']);
    const scopes = await plugin.createCollector(config, { logger: silentLogger, clock: clockFrom(performance.now()), configDir: process.cwd() }).scopes();
    if (!scopes[0]) throw new Error(`${plugin.id}: the demo collector names no scope`);
    const scope: string = scopes[0];
    // The baseline must not be weakened by a passing accident (a busy machine, a throttle): of up to three healthy
    // runs, the one with the fewest errors is kept, so an error a replay could "gain" a pass over is the source's own.
    let run: Awaited<ReturnType<typeof collectOnce>> | undefined;
    let keys: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      proxy.reset();
      const tried = await collectOnce({ config: baseline, scope });
      if (!tried.results) continue;
      const errors = (r: Result[]) => r.filter((x) => x.status === 'error').length;
      if (!run?.results || errors(tried.results) < errors(run.results)) {
        run = tried;
        keys = proxy.seen().map((s) => s.key);
      }
      if (errors(tried.results) === 0) break;
    }
    if (!run?.results) throw new Error(`${plugin.id}: the healthy collection failed three times: ${run?.error ?? 'hung'}`);
    // A property over no request or no pass holds vacuously: say so instead of passing.
    const firstErrors = run.results.filter((r) => r.status === 'error').slice(0, 3).map((r) => `${r.ruleId}: ${r.reason}`).join('; ');
    if (keys.length === 0) throw new Error(`${plugin.id}: the healthy collection sent no request through the proxy (${firstErrors})`);
    if (!run.results.some((r) => r.status === 'pass')) throw new Error(`${plugin.id}: the healthy collection has no pass to protect (${firstErrors})`);
    const healthyStatus = new Map<string, Set<Status>>();
    for (const r of run.results) {
      const k = `${r.ruleId}\u0000${r.resourceId}`;
      healthyStatus.set(k, (healthyStatus.get(k) ?? new Set<Status>()).add(r.status));
    }
    return { emulator, proxy, config, scope, keys, healthy: run.results, healthyMs: run.ms, healthyStatus };
  }

  const lanes: Lane[] = [];
  try {
    // Lane 0 first: it sets the demo environment (credentials) the other lanes share; then the rest at once.
    lanes.push(await openLane(0));
    const rest = await Promise.allSettled(Array.from({ length: Math.max(1, setup.lanes ?? 1) - 1 }, (_, i) => openLane(i + 1)));
    for (const r of rest) if (r.status === 'fulfilled') lanes.push(r.value);
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    for (const l of lanes) await closeLane(l);
    throw e;
  }
  const first = lanes[0]!;

  async function replayOn(lane: Lane, replay: Replay, report: PropertyReport): Promise<void> {
    lane.proxy.reset(replay);
    const out = await collectOnce(lane);
    const outcome = lane.proxy.outcome();
    if (!outcome) {
      report.notReached.push(replay);
      return;
    }
    if (!outcome.applied) {
      report.skipped++;
      return;
    }
    report.replays++;
    report.msByMode[replay.mode] = Math.round((report.msByMode[replay.mode] ?? 0) + out.ms);
    if (!report.slowest || out.ms > report.slowest.ms) report.slowest = { ...replay, ms: Math.round(out.ms) };
    if (out.hung) {
      report.hangs.push(replay);
      return;
    }
    if (!out.results) {
      report.crashes.push({ ...replay, error: out.error ?? 'unknown' });
      return;
    }
    for (const r of out.results) {
      if (!good(r.status)) continue;
      const before = lane.healthyStatus.get(`${r.ruleId}\u0000${r.resourceId}`);
      if (before && [...before].some(good)) continue;
      report.violations.push({
        ...replay, ruleId: r.ruleId, resourceId: r.resourceId,
        healthy: before ? [...before].join('|') as Status : 'absent', degraded: r.status, reason: r.reason,
      });
    }
  }

  return {
    source: plugin.id,
    keys: first.keys,
    healthy: first.healthy,
    healthyMs: first.healthyMs,
    dropped: [...dropped],
    async run(replays) {
      const t0 = performance.now();
      const report: PropertyReport = { source: plugin.id, requests: first.keys.length, replays: 0, skipped: 0, notReached: [], violations: [], hangs: [], crashes: [], wallMs: 0, msByMode: {} };
      let next = 0;
      await Promise.all(lanes.map(async (lane) => {
        while (next < replays.length) await replayOn(lane, replays[next++]!, report);
      }));
      report.wallMs = Math.round(performance.now() - t0);
      return report;
    },
    async close() {
      for (const l of lanes) await closeLane(l);
    },
  };
}

async function closeLane(l: Pick<Lane, 'emulator' | 'proxy'>): Promise<void> {
  await l.proxy.close();
  await l.emulator.close();
}

/**
 * The bounded matrix for `npm test`: every request gets `perRequest` modes from a seeded rotation (so every mode lands
 * on many requests), `hang` only on `hangs` requests; at most `maxReplays` in all (requests sampled, seeded).
 */
export function sampledMatrix(keys: string[], opts: { seed: number; perRequest?: number; hangs?: number; maxReplays?: number }): Replay[] {
  const rnd = mulberry32(opts.seed);
  const perRequest = opts.perRequest ?? 2;
  const quick = DEGRADE_MODES.filter((m) => m !== 'hang');
  const offset = Math.floor(rnd() * quick.length);
  let chosen = keys.map((key, i) => ({ key, i }));
  const cap = opts.maxReplays ?? Infinity;
  const hangCount = Math.min(opts.hangs ?? 2, keys.length);
  const budget = Math.max(1, Math.floor((cap - hangCount) / perRequest));
  if (chosen.length > budget) chosen = shuffle(chosen, rnd).slice(0, budget).sort((a, b) => a.i - b.i);
  const out: Replay[] = [];
  for (const { key, i } of chosen) {
    for (let j = 0; j < perRequest; j++) out.push({ key, mode: quick[(i * perRequest + j + offset) % quick.length]! });
  }
  for (const { key } of shuffle(keys.map((key, i) => ({ key, i })), rnd).slice(0, hangCount)) out.push({ key, mode: 'hang' });
  return out;
}

/** The full matrix for the bench: every request × every mode. */
export function fullMatrix(keys: string[]): Replay[] {
  return keys.flatMap((key) => DEGRADE_MODES.map((mode) => ({ key, mode })));
}

function shuffle<T>(xs: T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The assertion message: each violation, hang and crash, one line each, so the source's engineer can replay it. */
export function describeReport(r: PropertyReport): string {
  const lines = [`${r.source}: ${r.replays} degraded replays over ${r.requests} requests, ${r.violations.length} violations, ${r.hangs.length} hangs, ${r.crashes.length} crashes`];
  for (const v of r.violations) lines.push(`  VIOLATION [${v.key}] ${v.mode}: ${v.ruleId} ${v.resourceId}: ${v.healthy} → ${v.degraded} (${v.reason})`);
  for (const h of r.hangs) lines.push(`  HANG [${h.key}] ${h.mode}`);
  for (const c of r.crashes) lines.push(`  CRASH [${c.key}] ${c.mode}: ${c.error.split('\n')[0]}`);
  const unreached = [...new Set(r.notReached.map((x) => x.key))];
  if (unreached.length > 0) lines.push(`  not reached in some replays: ${unreached.join(' | ')}`);
  return lines.join('\n');
}
