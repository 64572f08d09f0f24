// Request pacing shared by every worker: one slot reservation per request per service × account × region, in Redis
// when the agent has it (so parallel workers together stay under AWS's limits), in-process otherwise.
import type { Redis } from 'ioredis';

export interface RateLimiter {
  /** Waits until a request under `key` may go, at most `perSecond` per second. */
  take(key: string, perSecond: number, signal?: AbortSignal): Promise<void>;
}

// GCRA with no burst: each request reserves the next free slot; the reply is how long to wait for it.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, tat)
local nextTat = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], nextTat, 'PX', nextTat - now + 1000)
return slot - now`;

export function redisRateLimiter(redis: Redis, prefix = 'vigil:ratelimit:aws'): RateLimiter {
  return {
    async take(key, perSecond, signal) {
      const wait = (await redis.eval(RESERVE, 1, `${prefix}:${key}`, String(Math.ceil(1000 / perSecond)))) as number;
      if (wait > 0) await delay(wait, signal);
    },
  };
}

export function localRateLimiter(): RateLimiter {
  const next = new Map<string, number>();
  return {
    async take(key, perSecond, signal) {
      const now = Date.now();
      const slot = Math.max(now, next.get(key) ?? 0);
      next.set(key, slot + Math.ceil(1000 / perSecond));
      if (slot > now) await delay(slot - now, signal);
    },
  };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    // the listener goes when the wait ends, or a long collection piles up one per paced request on the same signal
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) {
      const k = i++;
      out[k] = await fn(items[k]!);
    }
  });
  await Promise.all(workers);
  return out;
}
