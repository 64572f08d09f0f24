// node-cron ticks → `collect` jobs. Job ids are source:scope:slot, so any number of schedulers enqueue each slot once.
import { createTask, type ScheduledTask } from 'node-cron';
import type { Queue } from 'bullmq';
import type { Logger, Clock } from '../core/collector.js';
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import { classifyFailure } from '../core/failure.js';
import { AppError, redactSecrets } from '../core/errors.js';
import { collectJobId, hasSecondsField, slotAtOrBefore } from './slots.js';
import { collectJobOptions, type CollectJobData } from './queues.js';

export interface ScheduledSource {
  source: string;
  schedule: string;
  /** Resolves the scopes to collect (cached by the caller when resolving costs an API call). */
  scopes(): Promise<string[]>;
  /** Bound on resolving scopes (the source's collection deadline): past it the slot is an UNRESOLVED_SCOPE error run. */
  deadlineMs?: number;
}

export interface SchedulerOptions {
  queue: Queue<CollectJobData>;
  sources: ScheduledSource[];
  logger: Logger;
  clock: Clock;
  /** Told the scopes resolved for each enqueued slot (the writer in the same process expects them from then on). */
  onScopes?: (source: string, scopes: string[], slot: string) => void;
}

export class Scheduler {
  private tasks: ScheduledTask[] = [];
  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    for (const s of this.opts.sources) {
      const task = createTask(
        s.schedule,
        async (ctx) => {
          await this.enqueueSlot(s, ctx.date).catch((e) => this.opts.logger.error({ source: s.source, err: (e as Error).message }, 'could not enqueue collection'));
        },
        { timezone: 'UTC', name: `collect:${s.source}`, noOverlap: false },
      );
      void task.start();
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks = [];
  }

  /** Enqueues the slot containing `at` for one source (all its scopes). Returns the job ids (existing ones included). */
  async enqueueSlot(s: ScheduledSource, at: Date, manual = false): Promise<string[]> {
    const slotDate = manual ? at : (slotAtOrBefore(s.schedule, at) ?? at);
    // Scheduled slots are whole minutes (whole seconds for a 6-field cron); a manual run is its own slot, to the second.
    const unit = manual || hasSecondsField(s.schedule) ? 1_000 : 60_000;
    const slot = new Date(Math.floor(slotDate.getTime() / unit) * unit).toISOString();
    const ids: string[] = [];
    let scopes: string[];
    try {
      scopes = await withDeadline(s.scopes(), s.deadlineMs, `${s.source}:scopes`);
    } catch (e) {
      // The slot is still accounted: one `error` run of UNRESOLVED_SCOPE names why nothing could be collected.
      const message = redactSecrets((e as Error)?.message ?? String(e));
      const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : ((e as Error)?.name ?? 'SCOPES_FAILED');
      const jobId = collectJobId(s.source, UNRESOLVED_SCOPE, slot);
      this.opts.logger.error({ source: s.source, slot, err: message }, 'could not resolve scopes: recording an error run');
      await this.opts.queue.add(
        'collect',
        { source: s.source, scope: UNRESOLVED_SCOPE, slot, scopeError: { code, message, cause: classifyFailure(e) }, ...(manual ? { manual } : {}) },
        { ...collectJobOptions, jobId },
      );
      return [jobId];
    }
    if (!manual) this.opts.onScopes?.(s.source, scopes, slot);
    for (const scope of scopes) {
      const jobId = collectJobId(s.source, scope, slot);
      await this.opts.queue.add('collect', { source: s.source, scope, slot, ...(manual ? { manual } : {}) }, { ...collectJobOptions, jobId });
      ids.push(jobId);
    }
    this.opts.logger.info({ source: s.source, slot, jobs: ids.length }, 'collection enqueued');
    return ids;
  }

  /** Enqueues the current slot of every source now (start-up and `vigil demo`). */
  async enqueueCurrent(): Promise<string[]> {
    const now = this.opts.clock.now();
    const ids: string[] = [];
    for (const s of this.opts.sources) ids.push(...(await this.enqueueSlot(s, now)));
    return ids;
  }
}

/** A scope resolution that never answers must not hold the scheduler: past the deadline it fails as a timeout. */
function withDeadline<T>(p: Promise<T>, ms: number | undefined, operation: string): Promise<T> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('TIMEOUT', `deadline of ${ms / 1000} s passed during ${operation}`, { retryable: true })), ms);
  });
  return Promise.race([p, over]).finally(() => clearTimeout(timer));
}
