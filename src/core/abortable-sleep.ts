// A wait that ends early when a collection is aborted, so no retry or back-off outlives its deadline.
import type { Clock } from './collector.js';

/**
 * Resolves after `ms`, or rejects at once with `reason()` when `signal` is (or becomes) aborted.
 * @param reason What to reject with. @defaultValue the signal's own reason
 */
export function abortableSleep(ms: number, signal?: AbortSignal, reason: () => unknown = () => signal?.reason): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(reason());
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(reason());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits `ms` on `clock`: its own `sleep` when it has one (a test clock lets the time pass at once), a real abortable
 * timer otherwise. Rejects with `reason()` when `signal` is (or becomes) aborted, either way.
 */
export async function clockSleep(clock: Clock, ms: number, signal?: AbortSignal, reason: () => unknown = () => signal?.reason): Promise<void> {
  if (!clock.sleep) return abortableSleep(ms, signal, reason);
  if (signal?.aborted) throw reason();
  try {
    await clock.sleep(Math.max(0, ms), signal);
  } catch (e) {
    if (signal?.aborted) throw reason();
    throw e;
  }
}
