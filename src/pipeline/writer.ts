// The single ledger writer: consumes `evidence`, and writes lifecycle, heartbeat, gap, seal and checkpoint records.
import { closeWithin, redisHealth } from './redis-health.js';
import { Queue, Worker, type Job } from 'bullmq';
import { createTask, type ScheduledTask } from 'node-cron';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Clock, Logger } from '../core/collector.js';
import type { Rule } from '../core/types.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import type { EvidenceJob } from './collect-stage.js';
import { recordRun, recordRuleDefinitions, runKey, type RecordOutcome } from './record.js';
import { cappedBackoff, QUEUE_COLLECT, QUEUE_EVIDENCE } from './queues.js';
import { collectJobId, minSlotIntervalMs, slotAtOrBefore } from './slots.js';
import { defaultGapGraceMs, GapFrontier, HOLD_BACK_GRACES } from './gap-frontier.js';
import { VERSION } from '../version.js';
import { PeopleDeriver, type PeopleOptions } from './people.js';
import { DEFAULT_RETIRE_AFTER_RUNS, ScopeRetirement } from './scope-retirement.js';

export interface WriterSource {
  source: string;
  schedule: string;
  /**
   * The scopes its config names (an Okta org's host, a GitHub org, listed AWS accounts): at start, a scope of this
   * source with history but not named here is retired as removed from config. Undefined when only the source can say
   * which scopes exist (an AWS organization's accounts): those retire when not seen for `retireAfterRuns` runs.
   */
  configScopes?: readonly string[];
}

export interface LedgerWriterOptions {
  ledger: Ledger;
  rules: Rule[];
  /** Per-rule parameter overrides in force, recorded with the rule definitions. */
  params?: Record<string, Record<string, unknown>>;
  sources: WriterSource[];
  clock: Clock;
  logger: Logger;
  /** Queue connection; without it the writer records only what `record()` is handed (the `vigil collect` path). */
  connection?: Redis;
  prefix?: string;
  /** @defaultValue 5 */
  heartbeatMinutes?: number;
  /**
   * A slot counts as missed once it is this old, has no run and no queued or running job that could still record one.
   * @defaultValue per source: twice its shortest slot interval, at least 10 s, at most 30 min
   */
  gapGraceMs?: number;
  /**
   * A queued job stops holding its slot back once the slot is this much older than the grace (a job that waits with no
   * worker to take it must not keep the gap unrecorded); a run that arrives later for a slot already declared a gap is
   * logged and not recorded, so the slot stays one gap. @defaultValue 3 × the grace
   */
  pendingLimitMs?: number;
  onRecorded?: (outcome: RecordOutcome, job: EvidenceJob) => void;
  /**
   * Awaited after each run is recorded, duplicates included (a retried job re-runs it), before `onRecorded`:
   * the alert engine derives and appends its `alert` leaves here, inside the single writer.
   */
  afterRecord?: (outcome: RecordOutcome, job: EvidenceJob) => Promise<void>;
  /**
   * The person view: after each new run of okta, google-workspace, entra, github or aws, an `identity` run is derived
   * and recorded (src/pipeline/people.ts). `false` turns it off. @defaultValue on, no mapping file, default params
   */
  people?: PeopleOptions | false;
  /** Told after this writer signs a checkpoint (start, hourly, shutdown): the witness submitter's nudge. Must not throw. */
  onCheckpoint?: () => void;
  /**
   * A scope neither configured nor listed by its source that has no run while its source recorded this many runs is
   * retired (`scope.retired`, why `not-seen`); config `scopes.retireAfterRuns`. @defaultValue 24
   */
  retireAfterRuns?: number;
  /**
   * Called after each day seal (the `day.sealed` leaf and its checkpoint are written): RFC 3161 time stamping
   * (src/timestamp/seal-stamper.ts) starts here, without holding the writer.
   */
  onSealed?: (utcDate: string) => void;
}

export class LedgerWriter {
  private worker?: Worker<EvidenceJob>;
  private timers: NodeJS.Timeout[] = [];
  private tasks: ScheduledTask[] = [];
  private readonly startedAt: Date;
  private stopping = false;

  private readonly people?: PeopleDeriver;
  /** Per-(source, scope) slot accounting, read incrementally from the ledger. */
  private readonly frontier: GapFrontier;
  /** Recording a run and sweeping gaps take turns, so a sweep never declares a slot whose run is being recorded. */
  private turn: Promise<unknown> = Promise.resolve();
  private queues?: { collect: Queue; evidence: Queue };
  /** Off for `vigil collect` (see start()). */
  private sweeps = true;
  /** Which scopes are live: retires and reinstates them (src/pipeline/scope-retirement.ts). */
  private readonly scopes: ScopeRetirement;
  private by = 'writer';

  constructor(private readonly opts: LedgerWriterOptions) {
    this.startedAt = opts.clock.now();
    this.frontier = new GapFrontier(opts.ledger);
    this.scopes = new ScopeRetirement(opts.ledger, { retireAfterRuns: opts.retireAfterRuns ?? DEFAULT_RETIRE_AFTER_RUNS, by: () => this.by });
    if (opts.people !== false) this.people = new PeopleDeriver(opts.ledger, { clock: opts.clock, logger: opts.logger, ...(opts.people ? { options: opts.people } : {}) });
  }

  get ledger(): Ledger {
    return this.opts.ledger;
  }

  /** Writes `agent.started`, rule definitions, gaps for slots missed while down, seals past days; then consumes `evidence`. */
  async start(roles: string[]): Promise<void> {
    const { ledger, logger } = this.opts;
    await ledger.append([
      {
        type: 'agent.started',
        data: {
          version: VERSION,
          node: process.version,
          host: hostname(),
          pid: process.pid,
          roles,
          sources: this.opts.sources.map((s) => ({ source: s.source, schedule: s.schedule })),
        },
      },
    ]);
    await recordRuleDefinitions(ledger, this.opts.rules, this.opts.params ?? {});
    if (this.opts.connection) {
      this.queues = {
        collect: redisHealth().watch(new Queue(QUEUE_COLLECT, { connection: this.opts.connection, prefix: this.opts.prefix }), 'collect queue'),
        evidence: redisHealth().watch(new Queue(QUEUE_EVIDENCE, { connection: this.opts.connection, prefix: this.opts.prefix }), 'evidence queue'),
      };
    }
    // `vigil collect` neither runs the schedule nor sees the queue: a sweep from it could declare a gap for a slot
    // whose job a running agent still holds. The agent's writer sweeps.
    this.sweeps = !roles.includes('collect');
    this.by = roles.includes('collect') ? 'writer (vigil collect)' : 'writer';
    await this.sweepSafely();
    // After the start-up sweep: slots missed while the agent was down are gaps of every scope it then had.
    await this.inTurn(() => this.retireSafely(() => this.scopes.reconcileConfig(this.opts.sources, (source) => this.currentSlot(source))));
    await this.sealPastDay();
    await this.checkpointSafely('start');
    if (this.opts.connection) {
      this.worker = new Worker<EvidenceJob>(QUEUE_EVIDENCE, async (job: Job<EvidenceJob>) => this.record(job.data), {
        connection: this.opts.connection,
        prefix: this.opts.prefix,
        concurrency: 1,
        lockDuration: 120_000,
        settings: { backoffStrategy: (attemptsMade: number) => cappedBackoff(attemptsMade) },
      });
      redisHealth().watch(this.worker, 'evidence worker');
      this.worker.on('failed', (job, err) => logger.error({ job: job?.id, err: err.message }, 'evidence job failed (will retry)'));
    }
    const hb = (this.opts.heartbeatMinutes ?? 5) * 60_000;
    this.timers.push(setInterval(() => void this.heartbeat(), hb).unref());
    // Sweep as often as the most frequent schedule ticks (hourly at most, every 5 s at least), so gaps show promptly.
    const every = Math.min(3_600_000, Math.max(5_000, Math.min(...this.opts.sources.map((s) => minSlotIntervalMs(s.schedule)))));
    this.timers.push(setInterval(() => void this.sweepSafely(), every).unref());
    this.tasks.push(
      createTask('0 * * * *', async () => void (await this.checkpointSafely('hourly')), { timezone: 'UTC', name: 'ledger:hourly' }),
      createTask('0 0 * * *', async () => void (await this.sealPastDay()), { timezone: 'UTC', name: 'ledger:daily' }),
    );
    for (const t of this.tasks) void t.start();
  }

  async record(job: EvidenceJob): Promise<RecordOutcome> {
    return this.inTurn(() => this.recordNow(job));
  }

  private inTurn<T>(f: () => Promise<T>): Promise<T> {
    const next = this.turn.then(f, f);
    this.turn = next.catch(() => {});
    return next;
  }

  private async recordNow(job: EvidenceJob): Promise<RecordOutcome> {
    const s = job.summary;
    await this.retireSafely(() => this.scopes.beforeRun(s.source, s.scope, s.slot));
    const configured = this.opts.sources.find((x) => x.source === s.source)?.schedule;
    if (!job.manual && configured !== undefined) {
      await this.frontier.catchUp();
      const key = runKey(s.source, s.scope, s.slot);
      if (
        (await this.opts.ledger.seqOfKey(key)) === undefined &&
        this.frontier.isExpectedSlot(s.source, s.slot, configured) &&
        this.frontier.coveredByGap(s.source, s.scope, s.slot)
      ) {
        // The slot is already one gap; a second account of it would make it both. The evidence job is not retried.
        this.opts.logger.warn({ source: s.source, scope: s.scope, slot: s.slot }, 'run arrived after its slot was declared a gap: not recorded');
        return { duplicate: true, runSeq: -1, changes: 0, resultsSha256: '', newResultsBlob: false };
      }
    }
    const outcome = await recordRun(this.opts.ledger, job);
    if (!outcome.duplicate) this.frontier.noteRun(s.source, s.scope, s.slot);
    if (!outcome.duplicate) await this.retireSafely(() => this.scopes.afterRun(s.source));
    if (!outcome.duplicate) {
      this.opts.logger.info(
        { source: job.summary.source, scope: job.summary.scope, slot: job.summary.slot, seq: outcome.runSeq, changes: outcome.changes, counts: job.summary.counts },
        'run recorded',
      );
      if (this.people?.feeds(job.summary.source)) outcome.derived = await this.derivePeople(job);
    }
    await this.opts.afterRecord?.(outcome, job);
    if (outcome.derived) this.opts.onRecorded?.(outcome.derived.outcome, outcome.derived.job);
    this.opts.onRecorded?.(outcome, job);
    return outcome;
  }

  /**
   * The trigger is already recorded, so a failure here must not fail its job (a retry would find it duplicate and
   * derive nothing): it is logged, and the next run of any of the five sources derives the view again.
   */
  private async derivePeople(job: EvidenceJob): Promise<RecordOutcome['derived']> {
    try {
      const d = await this.people!.afterRun(job.summary);
      if (d && !d.outcome.duplicate) {
        this.opts.logger.info({ source: 'identity', slot: d.job.summary.slot, seq: d.outcome.runSeq, changes: d.outcome.changes, counts: d.job.summary.counts }, 'identity run recorded');
      }
      return d;
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message, trigger: `${job.summary.source}:${job.summary.scope}` }, 'identity run not derived');
      return undefined;
    }
  }

  async heartbeat(): Promise<void> {
    if (this.stopping) return;
    const uptimeSeconds = Math.round((this.opts.clock.now().getTime() - this.startedAt.getTime()) / 1000);
    await this.opts.ledger.append([{ type: 'heartbeat', data: { uptimeSeconds, pid: process.pid } }]).catch((e) =>
      this.opts.logger.error({ err: (e as Error).message }, 'heartbeat not written'),
    );
  }

  /**
   * Tells the sweep about the scopes the scheduler resolved (see GapFrontier.expectScope); with the slot, also the
   * retirement check: a retired scope listed again is reinstated, in the writer's turn (before any run of that slot).
   */
  expectScopes(source: string, scopes: string[], slot?: string): void {
    for (const scope of scopes) this.frontier.expectScope(source, scope);
    if (slot !== undefined) void this.inTurn(() => this.retireSafely(() => this.scopes.listed(source, scopes, slot)));
  }

  /**
   * A retirement or reinstatement failing must not fail the run it came with (nor the start): it is logged, and the
   * next start, listing or run decides again. What was appended is passed on to the person view.
   */
  private async retireSafely(f: () => Promise<LeafInput[]>): Promise<void> {
    try {
      for (const l of await f()) {
        this.opts.logger.info({ source: l.source, scope: l.scope, ...(l.type === 'scope.retired' ? { reason: l.data.reason } : { from: (l as LeafInput<'scope.reinstated'>).data.from }) }, l.type === 'scope.retired' ? 'scope retired' : 'scope reinstated');
        this.people?.scopeLeaf(l.type, l.source!, l.scope!);
      }
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, 'scope retirement check failed (decided again at the next run)');
    }
  }

  /** The slot in force now for a source (where a scope configured again is expected from). */
  private currentSlot(source: string): string {
    const now = this.opts.clock.now();
    const schedule = this.opts.sources.find((s) => s.source === source)?.schedule;
    return ((schedule ? slotAtOrBefore(schedule, now) : undefined) ?? now).toISOString();
  }

  /** sweepGaps, with a failure logged rather than thrown: a timer or start-up sweep must never take the writer down. */
  async sweepSafely(): Promise<number> {
    if (this.stopping || !this.sweeps) return 0;
    try {
      return await this.sweepGaps();
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, 'gap sweep failed (retried at the next sweep)');
      return 0;
    }
  }

  /**
   * Declares every expected slot of every known (source, scope) that is older than the grace and has neither a run nor
   * a job that may still record one as a `gap` leaf (consecutive missing slots → one leaf), slots before later runs
   * and before the scope's first run included. Incremental: reads only leaves appended since, walks only from each
   * scope's frontier (see GapFrontier).
   */
  async sweepGaps(): Promise<number> {
    return this.inTurn(async () => {
      const { ledger, clock } = this.opts;
      const now = clock.now().getTime();
      await this.frontier.catchUp();
      const verdicts = await this.frontier.sweep(
        this.opts.sources,
        (source) => now - this.graceMs(source),
        (source, scope, slot) => (now - slot.getTime() > this.graceMs(source) + this.pendingLimitMs(source) ? Promise.resolve(false) : this.pending(source, scope, slot)),
      );
      const leaves: LeafInput[] = [];
      for (const v of verdicts) {
        for (const stretch of v.missing) {
          const f = stretch[0]!.toISOString();
          const t = stretch[stretch.length - 1]!.toISOString();
          leaves.push({
            type: 'gap',
            idempotencyKey: `gap:${v.source}:${v.scope}:${f}:${t}`,
            source: v.source,
            scope: v.scope,
            data: { from: f, to: t, slots: stretch.length, schedule: v.schedule, reason: 'no run recorded for these scheduled slots (agent down, or collection never finished)' },
          });
        }
      }
      if (leaves.length === 0) return 0;
      const out = await ledger.append(leaves);
      const added = out.filter((l) => !l.duplicate).length;
      if (added) this.opts.logger.warn({ gaps: added }, 'monitoring gaps recorded');
      return added;
    });
  }

  private graceMs(source: string): number {
    if (this.opts.gapGraceMs !== undefined) return this.opts.gapGraceMs;
    const schedule = this.opts.sources.find((s) => s.source === source)?.schedule;
    return schedule ? defaultGapGraceMs(schedule) : 30 * 60_000;
  }

  private pendingLimitMs(source: string): number {
    return this.opts.pendingLimitMs ?? HOLD_BACK_GRACES * this.graceMs(source);
  }

  /** Whether the slot's collect job, or the evidence job it made, is still queued or running (and may record a run). */
  private async pending(source: string, scope: string, slot: Date): Promise<boolean> {
    if (!this.queues) return false;
    const id = collectJobId(source, scope, slot);
    const live = (state: string) => !['completed', 'failed', 'unknown'].includes(state);
    if (live(await this.queues.collect.getJobState(id))) return true;
    return live(await this.queues.evidence.getJobState(id));
  }

  /** Seals the previous UTC day if it is not sealed yet (after downtime over midnight too). */
  async sealPastDay(): Promise<void> {
    const y = new Date(this.opts.clock.now().getTime() - 24 * 3600_000).toISOString().slice(0, 10);
    try {
      await this.opts.ledger.sealDay(y);
      this.opts.onSealed?.(y);
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message, day: y }, 'day not sealed');
    }
  }

  private async checkpointSafely(reason: 'start' | 'hourly' | 'shutdown'): Promise<void> {
    try {
      const cp = await this.opts.ledger.checkpoint(reason);
      if (cp) this.opts.logger.info({ size: cp.size, reason }, 'checkpoint signed');
      if (cp) this.opts.onCheckpoint?.();
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message, reason }, 'checkpoint refused');
    }
  }

  /** Finishes the job in hand, writes `agent.stopped` and a shutdown checkpoint. */
  async stop(reason = 'shutdown'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.tasks) await t.destroy();
    // The close stops taking jobs at once; the job in hand is recorded (`turn`) whatever Redis does, then the close has
    // a bounded time: one that hangs on a reconnecting Redis must not cost the shutdown checkpoint below.
    const closing = this.worker?.close();
    await this.turn;
    if (closing) await closeWithin(closing, 'evidence worker', this.opts.logger);
    // A job the worker had fetched as the close began is recorded before `agent.stopped`.
    await this.turn;
    if (this.queues) await closeWithin(Promise.all([this.queues.collect.close(), this.queues.evidence.close()]), "writer's queues", this.opts.logger);
    // Its absence is how a reader tells a crash from a clean stop, so a failure to write it is logged, never dropped.
    await this.opts.ledger.append([{ type: 'agent.stopped', data: { reason, pid: process.pid } }]).catch((e: unknown) =>
      this.opts.logger.error({ err: (e as Error).message, reason }, 'agent.stopped not written'),
    );
    await this.checkpointSafely('shutdown');
  }
}
