// The single ledger writer: consumes `evidence`, and writes lifecycle, heartbeat, gap, seal and checkpoint records.
import { Worker, type Job } from 'bullmq';
import { createTask, type ScheduledTask } from 'node-cron';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Clock, Logger } from '../core/collector.js';
import type { Rule } from '../core/types.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import type { EvidenceJob } from './collect-stage.js';
import { recordRun, recordRuleDefinitions, runKey, type RecordOutcome } from './record.js';
import { QUEUE_EVIDENCE } from './queues.js';
import { slotsBetween } from './slots.js';
import { VERSION } from '../version.js';
import { PeopleDeriver, type PeopleOptions } from './people.js';

export interface WriterSource {
  source: string;
  schedule: string;
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
  /** A slot counts as missed once it is this old and has no run: the longest a run may take. @defaultValue 30 min */
  gapGraceMs?: number;
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
}

export class LedgerWriter {
  private worker?: Worker<EvidenceJob>;
  private timers: NodeJS.Timeout[] = [];
  private tasks: ScheduledTask[] = [];
  private readonly startedAt: Date;
  private stopping = false;

  private readonly people?: PeopleDeriver;
  /** Scopes seen in run leaves by source, and the leaf count scanned so far: each sweep reads only the leaves since. */
  private readonly runScopes = new Map<string, Set<string>>();
  private scannedTo = 0;

  constructor(private readonly opts: LedgerWriterOptions) {
    this.startedAt = opts.clock.now();
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
    await this.sweepGaps();
    await this.sealPastDay();
    await this.checkpointSafely('start');
    if (this.opts.connection) {
      this.worker = new Worker<EvidenceJob>(QUEUE_EVIDENCE, async (job: Job<EvidenceJob>) => this.record(job.data), {
        connection: this.opts.connection,
        prefix: this.opts.prefix,
        concurrency: 1,
        lockDuration: 120_000,
      });
      this.worker.on('error', (err) => logger.error({ err: err.message }, 'evidence worker error'));
      this.worker.on('failed', (job, err) => logger.error({ job: job?.id, err: err.message }, 'evidence job failed (will retry)'));
    }
    const hb = (this.opts.heartbeatMinutes ?? 5) * 60_000;
    this.timers.push(setInterval(() => void this.heartbeat(), hb).unref());
    this.tasks.push(
      createTask('0 * * * *', async () => {
        await this.sweepGaps();
        await this.checkpointSafely('hourly');
      }, { timezone: 'UTC', name: 'ledger:hourly' }),
      createTask('0 0 * * *', async () => void (await this.sealPastDay()), { timezone: 'UTC', name: 'ledger:daily' }),
    );
    for (const t of this.tasks) void t.start();
  }

  async record(job: EvidenceJob): Promise<RecordOutcome> {
    const outcome = await recordRun(this.opts.ledger, job);
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
   * Declares every scheduled slot before the current one that has no run as a `gap` leaf (contiguous slots → one leaf).
   * Scopes are those the ledger has seen runs for; a scope never collected has no expected slots yet.
   */
  async sweepGaps(): Promise<number> {
    const { ledger, clock } = this.opts;
    const now = clock.now();
    const grace = this.opts.gapGraceMs ?? 30 * 60_000;
    const scopes = this.runScopes;
    // Hourly over a year of runs: the first sweep reads every run leaf once, later ones only what was appended since.
    const upTo = ledger.size();
    if (upTo > this.scannedTo) {
      for await (const leaf of ledger.leaves({ types: ['run'], fromSeq: this.scannedTo, toSeq: upTo - 1 })) {
        const body = JSON.parse(leaf.body.toString('utf8')) as { source: string; scope: string };
        if (!scopes.has(body.source)) scopes.set(body.source, new Set());
        scopes.get(body.source)!.add(body.scope);
      }
      this.scannedTo = upTo;
    }
    const leaves: LeafInput[] = [];
    for (const s of this.opts.sources) {
      for (const scope of scopes.get(s.source) ?? []) {
        const lastRun = await ledger.lastLeaf({ type: 'run', source: s.source, scope });
        const lastGap = await ledger.lastLeaf({ type: 'gap', source: s.source, scope });
        const marks = [lastRun?.body.slot, lastGap?.body.to].filter((x): x is string => typeof x === 'string').map((x) => new Date(x).getTime());
        if (marks.length === 0) continue;
        const from = new Date(Math.max(...marks));
        const candidates = slotsBetween(s.schedule, from, new Date(now.getTime() - grace));
        const due = candidates;
        let run: Date[] = [];
        const flush = () => {
          if (run.length === 0) return;
          const f = run[0]!.toISOString();
          const t = run[run.length - 1]!.toISOString();
          leaves.push({
            type: 'gap',
            idempotencyKey: `gap:${s.source}:${scope}:${f}:${t}`,
            source: s.source,
            scope,
            data: { from: f, to: t, slots: run.length, schedule: s.schedule, reason: 'no run recorded for these scheduled slots (agent down, or collection never finished)' },
          });
          run = [];
        };
        for (const d of due) {
          if ((await ledger.seqOfKey(runKey(s.source, scope, d.toISOString()))) !== undefined) flush();
          else run.push(d);
        }
        flush();
      }
    }
    if (leaves.length === 0) return 0;
    const out = await ledger.append(leaves);
    const added = out.filter((l) => !l.duplicate).length;
    if (added) this.opts.logger.warn({ gaps: added }, 'monitoring gaps recorded');
    return added;
  }

  /** Seals the previous UTC day if it is not sealed yet (after downtime over midnight too). */
  async sealPastDay(): Promise<void> {
    const y = new Date(this.opts.clock.now().getTime() - 24 * 3600_000).toISOString().slice(0, 10);
    try {
      await this.opts.ledger.sealDay(y);
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message, day: y }, 'day not sealed');
    }
  }

  private async checkpointSafely(reason: 'start' | 'hourly' | 'shutdown'): Promise<void> {
    try {
      const cp = await this.opts.ledger.checkpoint(reason);
      if (cp) this.opts.logger.info({ size: cp.size, reason }, 'checkpoint signed');
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
    if (this.worker) await this.worker.close();
    await this.opts.ledger.append([{ type: 'agent.stopped', data: { reason, pid: process.pid } }]).catch(() => {});
    await this.checkpointSafely('shutdown');
  }
}
