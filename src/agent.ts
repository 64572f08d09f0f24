// Composition root: the one place that decides each process's role and builds its parts (collectors, rules, ledger,
// writer, queues, scheduler, workers, alerting, API) from a command's context. Every command asks it for what it needs.
import { join } from 'node:path';
import { LedgerView } from './report/ledger-view.js';
import type { Redis } from 'ioredis';
import type { Collector } from './core/collector.js';
import type { Rule, SourceId } from './core/types.js';
import type { LoadedConfig } from './config/load.js';
import { sourcePlugins } from './sources.js';
import { CROSS_SOURCE_RULES, allRules } from '../rules/index.js';
import { peopleOptionsFromConfig } from './pipeline/people.js';
import { Ledger } from './ledger/ledger.js';
import { openLedger } from './ledger/open-ledger.js';
import { ledgerRoleFor } from './ledger/leaf-catalogue.js';
import { takeWriterLock } from './ledger/writer-lock.js';
import { closeWithin, configureRedisHealth } from './pipeline/redis-health.js';
import { loggedProgress } from './core/progress.js';
import { connect, checkEvictionPolicy, pingRedis, redisUrl, redisUnavailable } from './pipeline/redis.js';
import { openQueues } from './pipeline/queues.js';
import { Scheduler, type ScheduledSource } from './pipeline/scheduler.js';
import { startCollectWorker, SHUTDOWN_GRACE_MS, type CollectWorker } from './pipeline/collect-worker.js';
import { sourceDeadlineMs } from './config/deadline.js';
import { LedgerWriter } from './pipeline/writer.js';
import type { RecordOutcome } from './pipeline/record.js';
import type { EvidenceJob } from './pipeline/collect-stage.js';
import { startAlerting, type Alerting } from './alerts/start.js';
import { SealStamper } from './timestamp/seal-stamper.js';
import { listenApi, type RunningApi } from './api/start.js';
import type { ApiOptions } from './api/options.js';
import { apiConfigSchema } from './alerts/config.js';
import type { AlertRuleInfo } from './alerts/engine.js';
import { loadConfiguredFramework } from './rules/frameworks.js';
import type { AgentContext } from './agent-context.js';
import { startWitnessing, stopWitnessing, type WitnessSubmitter } from './witness/submitter.js';
import { startPublishing, stopPublishing, type S3Publisher } from './publish/s3-publisher.js';

export { resolveDataDir } from './config/data-dir.js';
import { checkRuleSettings } from './config/rule-settings.js';

/** A part a long-running process starts (`startAgent`). */
export type Role = 'scheduler' | 'worker' | 'writer' | 'api';

/**
 * What a process is towards the ledger, one per command. Decided here and nowhere else; pass it on to whatever needs to
 * know who is writing (see PROCESS_ROLES for what each may append, and docs/architecture.md "Who writes the ledger").
 */
export type ProcessRole = 'run' | 'scheduler' | 'worker' | 'collect-worker' | 'collect' | 'serve' | 'demo' | 'exceptions' | 'export' | 'evidence' | 'review';

/**
 * Groups of leaves a process may append. `lifecycle`: agent.started/stopped, heartbeat, rule.defined, ruleset.defined,
 * scope.retired/reinstated; witness.cosigned (the writer part's witness submitter);
 * `runs`: run, change, event, declared gap (and the derived identity run); `sweeps`: swept gap, day.sealed, and the
 * day seal's RFC 3161 `timestamp.token`, and `publish.s3` (the WORM copy of a checkpoint or seal);
 * `alerts`: alert, exception.expired, delivery.failed, and exception.granted/revoked synced from the exceptions file;
 * `exceptions`: exception.requested/approved/rejected/revoked by a principal (API approver/admin routes or CLI);
 * `outages`: outage.declared by a person at the CLI (`vigil gaps declare`, which opens the ledger as `exceptions`);
 * `evidence`: evidence.added by a person (API upload or `vigil evidence add`), with its file as a blob, and
 *   evidence.withdrawn (API or `vigil evidence withdraw`; the review role shares the group but never withdraws);
 * `reviews`: review.started/decided/closed (the `vigil review` CLI; the writer role may append them all);
 * `review-decisions`: review.decided by a reviewer's token (API).
 */
export type LeafGroup = 'lifecycle' | 'runs' | 'sweeps' | 'alerts' | 'exceptions' | 'outages' | 'evidence' | 'reviews' | 'review-decisions';

export interface ProcessModel {
  /** The command that runs a process in this role. */
  command: string;
  /** Parts it starts (for the long-running roles). */
  parts: Role[];
  /** Leaves it may append; none means it opens the ledger read-only or not at all. */
  appends: LeafGroup[];
  /** Whether it puts blobs (artifacts, resources, results). */
  blobs: boolean;
  /** Checkpoints it signs. */
  checkpoints: Array<'start' | 'hourly' | 'daily' | 'shutdown' | 'export'>;
}

// `evidence`: the API part of `vigil run` shares the writer's ledger (role `writer`), so that role may append it; the
// writer itself never does.
const WRITER: Omit<ProcessModel, 'command' | 'parts'> = { appends: ['lifecycle', 'runs', 'sweeps', 'alerts', 'outages', 'evidence', 'reviews'], blobs: true, checkpoints: ['start', 'hourly', 'daily', 'shutdown'] };

/** The writer model in code: which process may append what. Serialisation between them is the ledger's (catch-up + store lock). */
export const PROCESS_ROLES: Readonly<Record<ProcessRole, ProcessModel>> = {
  run: { command: 'vigil run', parts: ['scheduler', 'worker', 'writer', 'api'], ...WRITER, appends: [...WRITER.appends, 'exceptions'] },
  scheduler: { command: 'vigil scheduler', parts: ['scheduler'], appends: [], blobs: false, checkpoints: [] },
  worker: { command: 'vigil worker', parts: ['worker', 'writer'], ...WRITER },
  'collect-worker': { command: 'vigil worker --no-writer', parts: ['worker'], appends: [], blobs: true, checkpoints: [] },
  collect: { command: 'vigil collect', parts: [], appends: ['lifecycle', 'runs'], blobs: true, checkpoints: ['start', 'shutdown'] },
  serve: { command: 'vigil serve', parts: ['api'], appends: ['exceptions', 'evidence', 'review-decisions'], blobs: true, checkpoints: [] },
  // The API too (on loopback, with a token made per run); `vigil demo --once` leaves it out, as it exits.
  demo: { command: 'vigil demo', parts: ['scheduler', 'worker', 'writer', 'api'], ...WRITER, appends: [...WRITER.appends, 'exceptions'] },
  exceptions: { command: 'vigil exceptions request|approve|reject|revoke, vigil gaps declare', parts: [], appends: ['exceptions', 'outages'], blobs: false, checkpoints: [] },
  export: { command: 'vigil export, POST /v1/exports', parts: [], appends: [], blobs: false, checkpoints: ['export'] },
  evidence: { command: 'vigil evidence add|withdraw', parts: [], appends: ['evidence'], blobs: true, checkpoints: [] },
  // Puts the frozen population and the closing decisions as blobs (the leaves name them by hash).
  // Closing also records the decisions as evidence of the framework's access-review requirement (`evidence`).
  review: { command: 'vigil review start|decide|close', parts: [], appends: ['reviews', 'evidence'], blobs: true, checkpoints: [] },
};

// Its own module so the parts the root starts (the API) can take it without importing the root back.
export type { AgentContext } from './agent-context.js';

/** Rules in force: every registered rule minus those disabled in config (unknown ids there are a config error). */
export function activeRules(loaded: LoadedConfig): Rule[] {
  // Cross-source rules are known ids too; their params are checked by peopleOptionsFromConfig.
  checkRuleSettings(loaded, { rules: allRules, otherIds: CROSS_SOURCE_RULES.map((r) => r.id) });
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

/** The scopes a collector's config names (WriterSource.configScopes), when it names them. */
function configScopesOf(c: Collector | undefined): { configScopes?: string[] } {
  const named = c?.configScopes?.();
  return named ? { configScopes: named } : {};
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
  /** Submits checkpoints to the configured witnesses (writer role, `witnesses:` in config). */
  witnesses?: WitnessSubmitter;
  /** RFC 3161 time stamping of day seals (writer role, with `timestamping:` configured). */
  stamper?: SealStamper;
  /** WORM copies of checkpoints and seals to S3 (writer role, with `publish.s3` configured). */
  publisher?: S3Publisher;
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
  /** The command, as named to a second writer that is refused. @defaultValue `vigil run` */
  command?: string;
  /** Where the api part listens (host:port). @defaultValue VIGIL_API_LISTEN, else `api.listen` */
  apiListen?: string;
  /** Told of every run the writer in this process records (the demo's line per cycle). */
  onRecorded?: (o: RecordOutcome, j: EvidenceJob) => void;
}

/** Where this context's ledger is, for its writer lock. */
function writerLockTarget(ctx: AgentContext, command: string): { dataDir: string; databaseUrl?: string; command: string; logger: AgentContext['logger'] } {
  return { dataDir: ctx.dataDir, command, logger: ctx.logger, ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}) };
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
  configureRedisHealth(ctx.logger).watchClient(connection, 'redis connection');
  await checkEvictionPolicy(connection, ctx.logger);
  // One writer per ledger: taken before the ledger is opened for writing, so a second writer refuses having written nothing.
  const lock = opts.roles.includes('writer') ? await takeWriterLock(writerLockTarget(ctx, opts.command ?? 'vigil run')).catch((e: unknown) => {
    connection.disconnect();
    throw e;
  }) : undefined;
  const queues = openQueues(connection, prefix);
  // One handle for every role in this process: the writer's role when it runs here (it appends the most), else the API's.
  // The startup self-check re-hashes every leaf: on a large ledger that is minutes, said in the log as it goes.
  const ledger = await openLedger(ctx, { role: ledgerRoleFor(opts.roles), progress: loggedProgress('ledger', ctx.logger) });
  if (ledger.alarm) ctx.logger.error({ alarm: ledger.alarm }, 'LEDGER ALARM: stored leaves do not match the last signed checkpoint; no checkpoint will be signed');

  const sources: Array<ScheduledSource & { source: SourceId }> = (Object.entries(ctx.loaded.sources) as Array<[SourceId, { schedule: string }]>)
    .filter(([id]) => collectors[id])
    .map(([id, s]) => ({ source: id, schedule: s.schedule, scopes: memoScopes(collectors[id]!), deadlineMs: sourceDeadlines(ctx.loaded)[id], ...configScopesOf(collectors[id]!) }));

  const waiters = new Set<(o: RecordOutcome, j: EvidenceJob) => void>();
  let writer: LedgerWriter | undefined;
  let worker: CollectWorker | undefined;
  let scheduler: Scheduler | undefined;
  let alerting: Alerting | undefined;
  let api: RunningApi | undefined;
  let witnesses: WitnessSubmitter | undefined;
  let publisher: S3Publisher | undefined;
  const stamper = opts.roles.includes('writer') ? sealStamper(ctx, ledger, () => alerting) : undefined;
  // The API's ledger view, when it runs here: the writer folds each run into it as soon as it is recorded.
  const view = opts.roles.includes('api') ? new LedgerView(ledger, { logger: ctx.logger, clock: ctx.clock, dir: join(ctx.dataDir, 'views') }) : undefined;

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
      retireAfterRuns: ctx.loaded.config.scopes.retireAfterRuns,
      people,
      onRecorded: (o, j) => {
        view?.refresh().catch((e: Error) => ctx.logger.warn({ err: e.message }, 'ledger view: refresh failed'));
        waiters.forEach((w) => w(o, j));
        opts.onRecorded?.(o, j);
      },
      afterRecord: async () => alerting?.afterRun(),
      onCheckpoint: () => {
        witnesses?.nudge();
        publisher?.kick();
      },
      // Before alerting is up (the start-up seal) the kick below covers it, so a failure alert has a notifier.
      onSealed: () => {
        if (stamper && alerting) stamper.kick();
        // The seal's daily checkpoint does not pass through onCheckpoint.
        publisher?.kick();
      },
    });
    await writer.start(opts.roles);
    alerting = await startAlerting({ loaded: ctx.loaded, ledger, rules: [...rules, ...CROSS_SOURCE_RULES], clock: ctx.clock, logger: ctx.logger, connection, prefix, criteria: loadConfiguredFramework(ctx.loaded.config).criteria });
    stamper?.kick();
    const engine = alerting.engine;
    witnesses = await startWitnessing(ctx.loaded.config.witnesses, { ledger, clock: ctx.clock, logger: ctx.logger, raiseAlert: async (a) => void (await engine.raise([a])) });
    // Every checkpoint (the daily one after each seal included) kicks it; it starts with the backlog.
    publisher = startPublishing(ctx.loaded.config.publish?.s3, { ledger, clock: ctx.clock, logger: ctx.logger, onAlerts: async (seqs) => void (await alerting?.notifier?.enqueue(seqs)) });
  }
  if (opts.roles.includes('worker')) {
    worker = startCollectWorker({ connection, prefix, collectors, rules, params, ledger, evidence: queues.evidence, clock: ctx.clock, logger: ctx.logger, deadlines: sourceDeadlines(ctx.loaded), schedules: Object.fromEntries(sources.map((s) => [s.source, s.schedule])) });
  }
  scheduler = new Scheduler({ queue: queues.collect, sources, logger: ctx.logger, clock: ctx.clock, ...(writer ? { onScopes: (source: string, scopes: string[], slot: string) => writer!.expectScopes(source, scopes, slot) } : {}) });
  if (opts.roles.includes('scheduler')) {
    scheduler.start();
    if (opts.enqueueOnStart ?? true) await scheduler.enqueueCurrent();
  }

  if (opts.roles.includes('api')) api = await startApi(ctx, { ledger, rules, redis: connection, prefix, ...(view ? { view } : {}), ...(opts.apiListen ? { listen: opts.apiListen } : {}) });

  let stopped = false;
  return {
    ledger,
    scheduler,
    writer,
    ...(alerting ? { alerting } : {}),
    ...(api ? { api } : {}),
    ...(witnesses ? { witnesses } : {}),
    ...(stamper ? { stamper } : {}),
    ...(publisher ? { publisher } : {}),
    collectNow: (timeoutMs = 120_000) => collectNow(ctx.clock, sources, scheduler!, waiters, timeoutMs),
    async stop(reason = 'shutdown') {
      if (stopped) return;
      stopped = true;
      await api?.close();
      await view?.close();
      await scheduler?.stop();
      // Bounded: collections past the grace are cut short and recorded as `error` ("cut short by shutdown").
      await worker?.shutdown(opts.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
      await stamper?.stop();
      await alerting?.stop();
      await writer?.stop(reason);
      // Both take the shutdown checkpoint, each bounded; side by side, so a slow witness does not eat the copy's time.
      await Promise.all([stopWitnessing(witnesses), stopPublishing(publisher)]);
      await closeWithin(Promise.all([queues.collect.close(), queues.evidence.close()]), 'queues', ctx.logger);
      await ledger.close();
      await lock?.release();
      connection.disconnect();
    },
  };
}

/**
 * Enqueues the current instant of every source as an off-schedule slot and resolves with each scope's job once the
 * writer (in this process) has recorded it; rejects after `timeoutMs`.
 */
async function collectNow(
  clock: AgentContext['clock'],
  sources: Array<ScheduledSource & { source: SourceId }>,
  scheduler: Scheduler,
  waiters: Set<(o: RecordOutcome, j: EvidenceJob) => void>,
  timeoutMs: number,
): Promise<EvidenceJob[]> {
  const now = clock.now();
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
  for (const s of sources) await scheduler.enqueueSlot(s, now, true);
  return finished;
}

/** The day seals' time stamper when `timestamping:` is configured; its failure alerts go to the agent's notifier. */
function sealStamper(ctx: AgentContext, ledger: Ledger, alerting: () => Alerting | undefined): SealStamper | undefined {
  const config = ctx.loaded.config.timestamping;
  if (!config) return undefined;
  return new SealStamper({ ledger, config, clock: ctx.clock, logger: ctx.logger, onAlerts: async (seqs) => void (await alerting()?.notifier?.enqueue(seqs)) });
}

/** What `vigil collect` records through: the ledger and a queue-less LedgerWriter (no gap sweep, no alerts). */
export interface CollectRecorder {
  role: 'collect';
  ledger: Ledger;
  writer: LedgerWriter;
  rules: Rule[];
  params: Record<string, Record<string, unknown>>;
  /** Each source's collection deadline (ms). */
  deadlines: Partial<Record<SourceId, number>>;
  /** Stops the writer (agent.stopped, shutdown checkpoint) and closes the ledger. */
  close(reason: string): Promise<void>;
}

/**
 * Opens the ledger and starts the queue-less writer for `vigil collect`. Call it only once the command's input is known
 * good (scopes resolved): it writes `agent.started` and the rule definitions.
 */
export async function openCollectRecorder(ctx: AgentContext): Promise<CollectRecorder> {
  const rules = activeRules(ctx.loaded);
  const params = ctx.loaded.config.rules.params;
  const people = peopleOptionsFromConfig(ctx.loaded);
  // `vigil collect` beside a running agent would be a second writer: it is refused, naming the agent (docs/architecture.md).
  const lock = await takeWriterLock(writerLockTarget(ctx, PROCESS_ROLES.collect.command));
  let ledger: Ledger;
  try {
    ledger = await openLedger(ctx, { role: 'collect' });
  } catch (e) {
    await lock.release();
    throw e;
  }
  // Every configured source's named scopes (not only `--source`'s), so a scope the config no longer names is retired;
  // a source whose collector cannot be built here names none (its scopes then retire only when not seen).
  const named = (source: SourceId): { configScopes?: string[] } => {
    try {
      return configScopesOf(buildCollectors(ctx, source)[source]);
    } catch (e) {
      ctx.logger.debug({ source, err: (e as Error).message }, 'config scopes unknown: collector not built');
      return {};
    }
  };
  const writer = new LedgerWriter({
    ledger,
    rules,
    params,
    sources: Object.entries(ctx.loaded.sources).map(([source, s]) => ({ source, schedule: s!.schedule, ...named(source as SourceId) })),
    clock: ctx.clock,
    logger: ctx.logger,
    retireAfterRuns: ctx.loaded.config.scopes.retireAfterRuns,
    people,
    onCheckpoint: () => witnesses?.nudge(),
  });
  let witnesses: WitnessSubmitter | undefined;
  const recorder: CollectRecorder = {
    role: 'collect',
    ledger,
    writer,
    rules,
    params,
    deadlines: sourceDeadlines(ctx.loaded),
    async close(reason) {
      try {
        await writer.stop(reason);
        await stopWitnessing(witnesses);
      } finally {
        await ledger.close();
        await lock.release();
      }
    },
  };
  try {
    await writer.start(['collect']);
    // No alert engine here (`collect` may not append alerts): a refusal is logged and shows in `vigil status`.
    witnesses = await startWitnessing(ctx.loaded.config.witnesses, { ledger, clock: ctx.clock, logger: ctx.logger });
  } catch (e) {
    await recorder.close('collect finished');
    throw e;
  }
  return recorder;
}

/** What the API is built from in this process: the ledger, the rules exceptions may name, framework, tokens, sources. */
export function apiOptions(ctx: AgentContext, deps: { ledger: Ledger; rules: AlertRuleInfo[]; redis?: Redis; prefix?: string; view?: LedgerView }): ApiOptions {
  return {
    ledger: deps.ledger,
    ...(deps.view ? { view: deps.view } : {}),
    rules: [...deps.rules, ...CROSS_SOURCE_RULES.filter((x) => !deps.rules.some((r) => r.id === x.id))],
    framework: loadConfiguredFramework(ctx.loaded.config),
    frameworks: ctx.loaded.config.frameworks.map((id) => loadConfiguredFramework(ctx.loaded.config, id)),
    config: ctx.loaded.config.api ?? apiConfigSchema.parse({}),
    logger: ctx.logger,
    clock: ctx.clock,
    ...(deps.redis ? { redis: deps.redis } : {}),
    ...(deps.prefix ? { prefix: deps.prefix } : {}),
    dataDir: ctx.dataDir,
    witnesses: ctx.loaded.config.witnesses,
    ...(ctx.loaded.config.publish ? { publish: ctx.loaded.config.publish } : {}),
    ...(ctx.loaded.config.evidence ? { evidence: ctx.loaded.config.evidence } : {}),
    owners: ctx.loaded.config.owners,
    ...withMapping(peopleOptionsFromConfig(ctx.loaded).mapping),
    sources: Object.entries(ctx.loaded.sources).map(([source, s]) => ({ source, schedule: s!.schedule })),
  };
}

function startApi(ctx: AgentContext, deps: { ledger: Ledger; rules: AlertRuleInfo[]; redis?: Redis; prefix?: string; view?: LedgerView; listen?: string }): Promise<RunningApi> {
  return listenApi(apiOptions(ctx, deps), deps.listen ?? process.env.VIGIL_API_LISTEN);
}

/** `vigil serve`: the API over the ledger, with Redis for readiness and queue metrics when one answers. */
export async function startServe(ctx: AgentContext, o: { listen?: string } = {}): Promise<{ role: 'serve'; api: RunningApi; close(): Promise<void> }> {
  // Writable: approver and admin tokens request, approve, reject and revoke exceptions through the API; the ledger takes in other writers' leaves before each append.
  const ledger = await openLedger(ctx, { role: 'api' });
  const url = redisUrl(ctx.loaded.config.redis.url);
  let redis: Redis | undefined;
  if (await pingRedis(url)) {
    redis = connect(url);
    configureRedisHealth(ctx.logger).watchClient(redis, 'redis connection');
  } else ctx.logger.warn({}, 'redis not reachable: /readyz will report it and queue metrics are off');
  const api = await startApi(ctx, { ledger, rules: activeRules(ctx.loaded), ...(redis ? { redis, prefix: ctx.loaded.config.redis.prefix } : {}), ...(o.listen ? { listen: o.listen } : {}) });
  return {
    role: 'serve',
    api,
    async close() {
      await api.close();
      await ledger.close();
      redis?.disconnect();
    },
  };
}

const withMapping = (mapping: ApiOptions['peopleMapping']): Pick<ApiOptions, 'peopleMapping'> => (mapping ? { peopleMapping: mapping } : {});
