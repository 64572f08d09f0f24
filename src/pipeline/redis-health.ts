// Redis outages as an operator should see them: one line when Redis becomes unreachable, one when it is back — not an
// error (or a raw stack trace) from every queue, worker and connection on every reconnect attempt.
import type { Logger } from '../core/collector.js';
import { redactSecrets } from '../core/errors.js';

/** Error codes and messages of a Redis connection that is down or dropped (as opposed to a command that failed). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const CONNECTION_MESSAGES = /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|Socket closed unexpectedly|LOADING/i;

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) || (typeof e?.message === 'string' && CONNECTION_MESSAGES.test(e.message));
}

/** Something that emits `error` (BullMQ Queue, Worker, QueueEvents; an ioredis client). */
interface ErrorEmitter {
  on(event: 'error', fn: (err: Error) => void): unknown;
}

/**
 * Tracks whether Redis is reachable for this process and logs the transitions. Every Queue and Worker must be given
 * to `watch`: BullMQ prints an `error` event that has no listener to the console with its stack.
 */
export class RedisHealth {
  private downSince: number | undefined;
  private lastCause = '';
  private probe: (() => Promise<unknown>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'info' | 'error'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an outage is in progress, and since when (ms). */
  get down(): { since: number; cause: string } | undefined {
    return this.downSince === undefined ? undefined : { since: this.downSince, cause: this.lastCause };
  }

  /** Routes `what`'s error events here: connection errors become outage transitions, others are logged once each. */
  watch<T extends ErrorEmitter>(emitter: T, what: string): T {
    emitter.on('error', (err) => this.error(err, what));
    return emitter;
  }

  /** An ioredis client: its `ready` event, or a PING answered while an outage is on, ends the outage. */
  watchClient<T extends ErrorEmitter & { on(event: 'ready', fn: () => void): unknown; ping(): Promise<unknown> }>(client: T, what: string): T {
    this.watch(client, what);
    client.on('ready', () => this.ready());
    this.probe = () => client.ping();
    return client;
  }

  /** Stops probing (the process is stopping). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  error(err: unknown, what: string): void {
    const message = redactSecrets(err instanceof Error ? err.message : String(err));
    if (!isConnectionError(err)) {
      this.logger.error({ err: message, what }, `${what}: Redis error`);
      return;
    }
    if (this.downSince !== undefined) return;
    this.downSince = this.now();
    this.lastCause = message;
    this.logger.warn({ err: message }, `Redis is unreachable (${message}); queued collections and evidence wait in Redis and resume when it is back`);
    // Not every client emits `ready` again after an outage: ask until one answers. Unref'd: never keeps a process alive.
    if (this.probe && !this.timer) {
      this.timer = setInterval(() => void this.probe!().then(() => this.ready(), () => undefined), 2_000);
      this.timer.unref();
    }
  }

  ready(): void {
    if (this.downSince === undefined) return;
    const seconds = Math.round((this.now() - this.downSince) / 1000);
    this.downSince = undefined;
    this.close();
    // At the outage line's level: a process logging only warnings (the demo) must show the end of what it showed begin.
    this.logger.warn({ outageSeconds: seconds }, `Redis is reachable again after ${seconds} s; queues resume`);
  }
}

/** One monitor per process; the composition root gives it the process logger (`configureRedisHealth`). */
let current: RedisHealth | undefined;

const stderrLogger: Pick<Logger, 'warn' | 'info' | 'error'> = {
  warn: (_o: object, m?: string) => process.stderr.write(`vigil: ${m ?? ''}\n`),
  info: (_o: object, m?: string) => process.stderr.write(`vigil: ${m ?? ''}\n`),
  error: (_o: object, m?: string) => process.stderr.write(`vigil: ${m ?? ''}\n`),
} as never;

export function configureRedisHealth(logger: Pick<Logger, 'warn' | 'info' | 'error'>, now?: () => number): RedisHealth {
  current = new RedisHealth(logger, now);
  return current;
}

/** This process's monitor (a stderr one until the root configures it). */
export function redisHealth(): RedisHealth {
  current ??= new RedisHealth(stderrLogger);
  return current;
}

/**
 * How long a BullMQ close may take at shutdown. A Worker or Queue closed while its Redis connection is reconnecting
 * (Redis back for under a second) can wait forever; past this the process goes on to record `agent.stopped` and sign
 * the shutdown checkpoint, which need only the ledger. Jobs still held are redelivered after their lock expires.
 */
export const REDIS_CLOSE_DEADLINE_MS = 2_000;

/** Waits for `closing` at most `ms`; on time-out logs which close did not finish and resolves anyway (never rejects). */
export async function closeWithin(closing: Promise<unknown>, what: string, logger: Pick<Logger, 'warn'>, ms = REDIS_CLOSE_DEADLINE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<'over'>((r) => (timer = setTimeout(() => r('over'), ms)));
  const done = closing.then(
    () => 'closed' as const,
    (e: unknown) => {
      logger.warn({ err: redactSecrets(e instanceof Error ? e.message : String(e)), what }, `${what}: close failed at shutdown; going on`);
      return 'closed' as const;
    },
  );
  const first = await Promise.race([done, over]);
  clearTimeout(timer);
  if (first === 'over') logger.warn({ what, deadlineMs: ms }, `${what} did not close within ${ms} ms (Redis reconnecting?): going on to record the stop without it`);
}
