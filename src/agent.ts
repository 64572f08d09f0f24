// Composition root: the one place that builds collectors, ledger, queues, scheduler and workers from a loaded config.
import type { Redis } from 'ioredis';
import type { Collector } from './core/collector.js';
import type { Rule, SourceId } from './core/types.js';
import { UsageError } from './core/errors.js';
import type { LoadedConfig } from './config/load.js';
import { sourcePlugins } from './sources.js';
import { CROSS_SOURCE_RULES, allRules } from '../rules/index.js';
import { peopleOptionsFromConfig } from './pipeline/people.js';
import { validateParamOverrides } from './rules/engine.js';
import { Ledger } from './ledger/ledger.js';
import { openLedger } from './ledger/open-ledger.js';
import { ledgerRoleFor } from './ledger/leaf-catalogue.js';
import { connect, checkEvictionPolicy, pingRedis, redisUrl, redisUnavailable } from './pipeline/redis.js';
import { openQueues } from './pipeline/queues.js';
import { Scheduler, type ScheduledSource } from './pipeline/scheduler.js';
import { startCollectWorker, SHUTDOWN_GRACE_MS, type CollectWorker } from './pipeline/collect-worker.js';
import { sourceDeadlineMs } from './config/deadline.js';
import { LedgerWriter } from './pipeline/writer.js';
import type { RecordOutcome } from './pipeline/record.js';
import type { EvidenceJob } from './pipeline/collect-stage.js';
import { startAlerting, type Alerting } from './alerts/start.js';
import { startApi, type RunningApi } from './api/start.js';
import type { AgentContext } from './agent-context.js';

export { resolveDataDir } from './config/data-dir.js';

export type Role = 'scheduler' | 'worker' | 'writer' | 'api';

// Its own module so the parts the root starts (the API) can take it without importing the root back.
export type { AgentContext } from './agent-context.js';

/** Rules in force: every registered rule minus those disabled in config (unknown ids there are a config error). */
export function activeRules(loaded: LoadedConfig): Rule[] {
  // Cross-source rules are known ids too; their params are checked by peopleOptionsFromConfig.
  const known = new Set([...allRules.map((r) => r.id), ...CROSS_SOURCE_RULES.map((r) => r.id)]);
  for (const id of [...loaded.config.rules.disabled, ...Object.keys(loaded.config.rules.params)]) {
    if (!known.has(id)) {
      throw new UsageError('CONFIG_RULE', `${loaded.file ?? 'config'}: rules: unknown rule id "${id}" (see \`vigil rules list\`)`);
    }
  }
  const crossSource = new Set(CROSS_SOURCE_RULES.map((r) => r.id));
  validateParamOverrides(allRules, Object.fromEntries(Object.entries(loaded.config.rules.params).filter(([id]) => !crossSource.has(id))), { requireKnownRules: true });
  const disabled = new Set(loaded.config.rules.disabled);
  return allRules.filter((r) => !disabled.has(r.id));
}

export function buildCollectors(ctx: AgentContext, only?: SourceId, redis?: Redis): Partial<Record<SourceId, Collector>> {
  const out: Partial<Record<SourceId, Collector>> = {};
  for (const [id, src] of Object.entries(ctx.loaded.sources) as Array<[SourceId, { config: unknown }]>) {
    if (only && id !== only) continue;
    const plugin = sourcePlugins[id];
    if (!plugin) continue;
    out[id] = plugin.createCollector(src.config, { logger: ctx.logger, clock: ctx.clock, configDir: ctx.loaded.dir, ...(redis ? { redis } : {}) });
  }
  return out;
}

// In its own module so read-only commands open the ledger without loading this root (queues, API, collectors).
export { openLedger };

/**
 * The collection deadline of each configured source (ms): `sources.<id>.deadlineSeconds`, or its schedule's shortest
 * slot interval. `vigil collect` passes it to collectAndEvaluate as `deadlineMs`, the collect worker to each job.
 */
export function sourceDeadlines(loaded: LoadedConfig): Partial<Record<SourceId, number>> {
  const out: Partial<Record<SourceId, number>> = {};
  for (const [id, s] of Object.entries(loaded.sources) as Array<[SourceId, { schedule: string; deadlineMs?: number }]>) out[id] = s.deadlineMs ?? sourceDeadlineMs(s.schedule);
  return out;
}

/** Caches a collector's scopes; resolving them can cost an API call (STS GetCallerIdentity). */
function memoScopes(c: Collector): () => Promise<string[]> {
  let cached: string[] | undefined;
  return async () => (cached ??= await c.scopes());
}

export interface RunningAgent {
  ledger: Ledger;
  scheduler?: Scheduler;
  writer?: LedgerWriter;
  /** Alert engine and notify worker (writer role). */
  alerting?: Alerting;
  /** The HTTP API (api role). */
  api?: RunningApi;
  /** Enqueues an immediate, off-schedule collection of every source and resolves when all of them are recorded. */
  collectNow(timeoutMs?: number): Promise<EvidenceJob[]>;
  stop(reason?: string): Promise<void>;
}

export interface StartAgentOptions {
  roles: Role[];
  /** BullMQ key prefix override (tests, demo). */
  prefix?: string;
  redisUrl?: string;
  /** Enqueue the current slot of every source at start. @defaultValue true */
  enqueueOnStart?: boolean;
  /** How long stop() lets in-flight collections run before cutting them short (recorded as `error`). @defaultValue 10 s */
  shutdownGraceMs?: number;
}

/** Starts the requested roles in this process. `vigil run` = all of them. */
export async function startAgent(ctx: AgentContext, opts: StartAgentOptions): Promise<RunningAgent> {
  const url = opts.redisUrl ?? redisUrl(ctx.loaded.config.redis.url);
  if (!(await pingRedis(url))) throw redisUnavailable(url);
  const prefix = opts.prefix ?? ctx.loaded.config.redis.prefix;
  const rules = activeRules(ctx.loaded);
  const params = ctx.loaded.config.rules.params;
  const people = peopleOptionsFromConfig(ctx.loaded);
  const connection: Redis = connect(url);
  const collectors = buildCollectors(ctx, undefined, connection);
  connection.on('error', (e) => ctx.logger.error({ err: e.message }, 'redis connection error'));
  await checkEvictionPolicy(connection, ctx.logger);
  const queues = openQueues(connection, prefix);
  // One handle for every role in this process: the writer's role when it runs here (it appends the most), else the API's.
  const ledger = await openLedger(ctx, { role: ledgerRoleFor(opts.roles) });
  if (ledger.alarm) ctx.logger.error({ alarm: ledger.alarm }, 'LEDGER ALARM: stored leaves do not match the last signed checkpoint; no checkpoint will be signed');

  const sources: Array<ScheduledSource & { source: SourceId }> = (Object.entries(ctx.loaded.sources) as Array<[SourceId, { schedule: string }]>)
    .filter(([id]) => collectors[id])
    .map(([id, s]) => ({ source: id, schedule: s.schedule, scopes: memoScopes(collectors[id]!), deadlineMs: sourceDeadlines(ctx.loaded)[id] }));

  const waiters = new Set<(o: RecordOutcome, j: EvidenceJob) => void>();
  let writer: LedgerWriter | undefined;
  let worker: CollectWorker | undefined;
  let scheduler: Scheduler | undefined;
  let alerting: Alerting | undefined;
  let api: RunningApi | undefined;

  if (opts.roles.includes('writer')) {
    writer = new LedgerWriter({
      ledger,
      rules,
      params,
      sources,
      clock: ctx.clock,
      logger: ctx.logger,
      connection,
      prefix,
      heartbeatMinutes: ctx.loaded.config.heartbeatMinutes,
      people,
      onRecorded: (o, j) => waiters.forEach((w) => w(o, j)),
      afterRecord: async () => alerting?.afterRun(),
    });
    await writer.start(opts.roles);
    alerting = await startAlerting({ loaded: ctx.loaded, ledger, rules: [...rules, ...CROSS_SOURCE_RULES], clock: ctx.clock, logger: ctx.logger, connection, prefix });
  }
  if (opts.roles.includes('worker')) {
    worker = startCollectWorker({ connection, prefix, collectors, rules, params, ledger, evidence: queues.evidence, clock: ctx.clock, logger: ctx.logger, deadlines: sourceDeadlines(ctx.loaded), schedules: Object.fromEntries(sources.map((s) => [s.source, s.schedule])) });
  }
  scheduler = new Scheduler({ queue: queues.collect, sources, logger: ctx.logger, clock: ctx.clock, ...(writer ? { onScopes: (source: string, scopes: string[]) => writer!.expectScopes(source, scopes) } : {}) });
  if (opts.roles.includes('scheduler')) {
    scheduler.start();
    if (opts.enqueueOnStart ?? true) await scheduler.enqueueCurrent();
  }

  if (opts.roles.includes('api')) api = await startApi(ctx, { ledger, rules, redis: connection, prefix });

  let stopped = false;
  return {
    ledger,
    scheduler,
    writer,
    ...(alerting ? { alerting } : {}),
    ...(api ? { api } : {}),
    async collectNow(timeoutMs = 120_000) {
      const now = ctx.clock.now();
      const expected = new Set<string>();
      const done: EvidenceJob[] = [];
      const finished = new Promise<EvidenceJob[]>((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(listener);
          reject(new Error(`collection did not finish within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        const listener = (_o: RecordOutcome, j: EvidenceJob) => {
          const key = `${j.summary.source}|${j.summary.scope}|${j.summary.slot}`;
          if (!expected.has(key)) return;
          expected.delete(key);
          done.push(j);
          if (expected.size === 0) {
            clearTimeout(timer);
            waiters.delete(listener);
            resolvePromise(done);
          }
        };
        waiters.add(listener);
      });
      const slot = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
      for (const s of sources) for (const scope of await s.scopes()) expected.add(`${s.source}|${scope}|${slot}`);
      if (expected.size === 0) return [];
      for (const s of sources) await scheduler!.enqueueSlot(s, now, true);
      return finished;
    },
    async stop(reason = 'shutdown') {
      if (stopped) return;
      stopped = true;
      await api?.close();
      await scheduler?.stop();
      // Bounded: collections past the grace are cut short and recorded as `error` ("cut short by shutdown").
      await worker?.shutdown(opts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
      await alerting?.stop();
      await writer?.stop(reason);
      await queues.collect.close();
      await queues.evidence.close();
      await ledger.close();
      connection.disconnect();
    },
  };
}
