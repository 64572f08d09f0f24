// BullMQ worker for `collect`: runs the collector and rules for one job, under its deadline, and hands the run to `evidence`.
import { closeWithin, redisHealth } from './redis-health.js';
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Collector, Clock, Logger } from '../core/collector.js';
import type { Rule, SourceId } from '../core/types.js';
import { SourceError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { collectAndEvaluate } from './collect-stage.js';
import { evidenceJobOptions, QUEUE_COLLECT, type CollectJobData } from './queues.js';
import { slotTooLate } from './gap-frontier.js';

/**
 * Lock settings of the collect worker. A killed worker's jobs are taken over once their lock lapses and a stalled-job
 * check runs: 15 s + at most 5 s, well inside the shortest slot interval worth scheduling (BullMQ's 5-minute default
 * held them past the next slot). The worker renews its locks every lockDuration/2 while a job runs, so a short lock
 * does not take a live job away unless its event loop is blocked for 15 s; even then the cost is a repeated
 * collection, never a second record (evidence and run leaves are keyed by the job id). A job can stall twice (two
 * kills in a row) before BullMQ fails it; a failed slot then ends as a gap.
 */
export const COLLECT_LOCK = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 2 } as const;

/** How long SIGTERM lets in-flight collections finish before they are cut short and recorded as `error`. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface CollectWorkerOptions {
  connection: Redis;
  prefix: string;
  collectors: Partial<Record<SourceId, Collector>>;
  rules: Rule[];
  params: Record<string, Record<string, unknown>>;
  ledger: Ledger;
  evidence: Queue;
  clock: Clock;
  logger: Logger;
  /** Deadline of one collection per source (ms); a source without one gets no deadline (tests only). */
  deadlines?: Partial<Record<SourceId, number>>;
  /**
   * Schedules by source: a scheduled job whose slot is already past the gap sweep's hold-back (it is, or will be, a
   * gap, and its run would not be recorded) is skipped instead of holding a worker slot. Without it, nothing is skipped.
   */
  schedules?: Partial<Record<SourceId, string>>;
  /**
   * Collections run at once by this process. A collection holds its slot at most its deadline (≤ its schedule's
   * interval), so each source holds at most two slots (this one and a late one); two per source means no source can
   * take another's. @defaultValue 2 × the number of sources, at least 2
   */
  concurrency?: number;
  onRun?: (job: CollectJobData) => void;
}

export type CollectWorker = Worker<CollectJobData> & {
  /** Stops taking jobs; in-flight collections get `graceMs`, then are cut short (recorded as `error`, cause timeout). */
  shutdown(graceMs?: number): Promise<void>;
};

export function startCollectWorker(opts: CollectWorkerOptions): CollectWorker {
  // Aborted on shutdown after the grace: each in-flight collection ends as an `error` run, so its slot is still one run.
  const shutdown = new AbortController();
  // Collections in hand: with none, a close that does not finish is a Redis connection, not work to wait the grace for.
  let inFlight = 0;
  const worker = new Worker<CollectJobData>(
    QUEUE_COLLECT,
    async (job: Job<CollectJobData>) => {
      inFlight++;
      try {
        return await collect(job);
      } finally {
        inFlight--;
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? Math.max(2, 2 * Object.keys(opts.collectors).length),
      ...COLLECT_LOCK,
    },
  );
  async function collect(job: Job<CollectJobData>): Promise<unknown> {
    const { source, scope, slot, manual, scopeError } = job.data;
    const collector = opts.collectors[source as SourceId];
    if (!collector) throw new Error(`no collector configured for source ${source}`);
    const schedule = opts.schedules?.[source as SourceId];
    if (!manual && schedule && slotTooLate(schedule, slot, opts.clock.now().getTime())) {
      opts.logger.warn({ source, scope, slot }, 'slot too old to collect (it is accounted as a gap): skipped');
      return { skipped: true };
    }
    const prev = await opts.ledger.lastLeaf({ type: 'run', source, scope });
    const cursors = prev?.body.cursors;
    const deadlineMs = opts.deadlines?.[source as SourceId];
    const { job: evidence } = await collectAndEvaluate(
      collector,
      { source: source as SourceId, scope, slot, signal: shutdown.signal, ...(cursors ? { cursors } : {}), ...(scopeError ? { scopeError: scopeFailure(source, scopeError) } : {}) },
      { rules: opts.rules, params: opts.params, clock: opts.clock, logger: opts.logger, blobs: opts.ledger, ...(deadlineMs !== undefined ? { deadlineMs } : {}) },
    );
    if (manual) evidence.manual = true;
    // Same id as the collect job: a redelivered collect job cannot enqueue the run twice.
    await opts.evidence.add('run', evidence, { ...evidenceJobOptions, jobId: job.id! });
    opts.onRun?.(job.data);
    return { counts: evidence.summary.counts, apiCalls: evidence.summary.apiCalls };
  }
  worker.on('failed', (job, err) => opts.logger.error({ job: job?.id, err: err.message }, 'collect job failed'));
  redisHealth().watch(worker, 'collect worker');
  return Object.assign(worker, {
    async shutdown(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
      const closing = worker.close();
      if (inFlight === 0) return closeWithin(closing, 'collect worker', opts.logger);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace'>((r) => (timer = setTimeout(() => r('grace'), graceMs)));
      const first = await Promise.race([closing.then(() => 'closed' as const), graceOver]);
      clearTimeout(timer);
      if (first === 'grace') {
        opts.logger.warn({ graceMs }, 'collections still running at shutdown: cutting them short (recorded as error)');
        shutdown.abort();
        await closeWithin(closing, 'collect worker', opts.logger);
      }
    },
  });
}

/** The scope-resolution failure the scheduler put in the job, as an error that keeps the cause it named. */
function scopeFailure(source: string, e: NonNullable<CollectJobData['scopeError']>): SourceError {
  const err = new SourceError(e.code, e.message, { operation: `${source}:scopes`, failureCause: e.cause });
  // The name stays the code it had when thrown, as the collection error records it.
  err.name = e.code;
  return err;
}
