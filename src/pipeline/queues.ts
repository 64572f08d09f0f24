// Queue names and options: `collect` (one job per source:scope:slot), `evidence` (one job per run), `notify`.
import { redisHealth } from './redis-health.js';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FailureCause } from '../core/types.js';

export const QUEUE_COLLECT = 'collect';
export const QUEUE_EVIDENCE = 'evidence';
export const QUEUE_NOTIFY = 'notify';

export interface CollectJobData {
  source: string;
  scope: string;
  /** ISO 8601 instant of the slot. */
  slot: string;
  /** Set for `vigil collect`-style immediate runs outside the schedule. */
  manual?: boolean;
  /** Set with scope UNRESOLVED_SCOPE when the source's scopes() failed: the run records this failure, collects nothing. */
  scopeError?: { code: string; message: string; cause: FailureCause };
}

/** Collections retry a few times (a run that still fails records `error` results itself, it does not throw). */
export const collectJobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** Longest wait between two attempts of an evidence job. */
export const EVIDENCE_BACKOFF_CAP_MS = 60_000;

/**
 * Backoff of `evidence` jobs (the writer's worker settings): doubling from 1 s, capped at a minute, so 20 attempts span
 * about 15 minutes. Plain exponential backoff would wait 2^19 s (six days) before the last one.
 */
export function cappedBackoff(attemptsMade: number): number {
  return Math.min(EVIDENCE_BACKOFF_CAP_MS, 1_000 * 2 ** Math.max(0, attemptsMade - 1));
}

/** Evidence must not be dropped: many attempts (backoff capped, see cappedBackoff), kept on failure for inspection. */
export const evidenceJobOptions: JobsOptions = {
  attempts: 20,
  backoff: { type: 'capped', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: false,
};

export function openQueues(connection: Redis, prefix: string) {
  return {
    collect: redisHealth().watch(new Queue<CollectJobData>(QUEUE_COLLECT, { connection, prefix }), 'collect queue'),
    evidence: redisHealth().watch(new Queue(QUEUE_EVIDENCE, { connection, prefix }), 'evidence queue'),
  };
}
