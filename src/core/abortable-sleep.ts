// A wait that ends early when a collection is aborted, so no retry or back-off outlives its deadline.

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
