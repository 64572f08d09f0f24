// Redis connections for BullMQ, and the start-up checks a queue-backed evidence pipeline needs from Redis.
import { Redis } from 'ioredis';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/collector.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrl(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL || configured || DEFAULT_REDIS_URL;
}

/**
 * Reconnect back-off: at most about a second between attempts. ioredis's default doubles up to 5 s (plus jitter), so a
 * Redis back after a short outage went unnoticed for seconds — and queues stayed idle that long. BullMQ's duplicates of
 * this connection (a worker's blocking connection) inherit it.
 */
export function reconnectDelayMs(times: number): number {
  return Math.min(times * 200, 1000) + Math.floor(Math.random() * 100);
}

/** A connection suitable for BullMQ workers (blocking commands need maxRetriesPerRequest: null). */
export function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, retryStrategy: reconnectDelayMs });
}

/** Answers whether something speaks Redis at `url` within `timeoutMs`. */
export async function pingRedis(url: string, timeoutMs = 1500): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** BullMQ loses jobs when Redis evicts keys; say so loudly instead of failing later in silence. */
export async function checkEvictionPolicy(conn: Redis, logger: Logger): Promise<void> {
  try {
    const res = (await conn.config('GET', 'maxmemory-policy')) as string[];
    const policy = res[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { policy },
        `Redis maxmemory-policy is "${policy}": queued evidence can be evicted and lost. Set it to "noeviction" (CONFIG SET maxmemory-policy noeviction).`,
      );
    }
  } catch (e) {
    logger.warn({ err: (e as Error).message }, 'could not read Redis maxmemory-policy (CONFIG GET refused); make sure it is "noeviction"');
  }
}

export function redisUnavailable(url: string): AppError {
  return new AppError('REDIS_UNAVAILABLE', `cannot reach Redis at ${url.replace(/\/\/[^@]*@/, '//***@')}`, {
    retryable: true,
    remediation: 'Start Redis (redis-server) or set REDIS_URL to a reachable Redis.',
  });
}
