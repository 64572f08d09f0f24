// BullMQ worker for `collect`: runs the collector and rules for one job and hands the run to the `evidence` queue.
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Collector, Clock, Logger } from '../core/collector.js';
import type { Rule, SourceId } from '../core/types.js';
import type { Ledger } from '../ledger/ledger.js';
import { collectAndEvaluate } from './collect-stage.js';
import { evidenceJobOptions, QUEUE_COLLECT, type CollectJobData } from './queues.js';

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
  /** Collections run at once by this process. @defaultValue 2 */
  concurrency?: number;
  onRun?: (job: CollectJobData) => void;
}

export function startCollectWorker(opts: CollectWorkerOptions): Worker<CollectJobData> {
  const worker = new Worker<CollectJobData>(
    QUEUE_COLLECT,
    async (job: Job<CollectJobData>) => {
      const { source, scope, slot, manual } = job.data;
      const collector = opts.collectors[source as SourceId];
      if (!collector) throw new Error(`no collector configured for source ${source}`);
      const prev = await opts.ledger.lastLeaf({ type: 'run', source, scope });
      const cursors = (prev?.body.cursors as Record<string, string> | undefined) ?? undefined;
      const { job: evidence } = await collectAndEvaluate(
        collector,
        { source: source as SourceId, scope, slot, ...(cursors ? { cursors } : {}) },
        { rules: opts.rules, params: opts.params, clock: opts.clock, logger: opts.logger, blobs: opts.ledger },
      );
      if (manual) evidence.manual = true;
      // Same id as the collect job: a redelivered collect job cannot enqueue the run twice.
      await opts.evidence.add('run', evidence, { ...evidenceJobOptions, jobId: job.id! });
      opts.onRun?.(job.data);
      return { counts: evidence.summary.counts, apiCalls: evidence.summary.apiCalls };
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency ?? 2, lockDuration: 5 * 60_000 },
  );
  worker.on('failed', (job, err) => opts.logger.error({ job: job?.id, err: err.message }, 'collect job failed'));
  worker.on('error', (err) => opts.logger.error({ err: err.message }, 'collect worker error'));
  return worker;
}
