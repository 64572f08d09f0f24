// A clock tests own: time moves only when the test advances it or when code sleeps on it, so no test waits for time to pass.
import type { Clock } from '../../src/core/collector.js';

/**
 * A manual clock. `advance(ms)` moves it; `sleep(ms)` (what collectors and emulators wait on through `clockSleep`)
 * resolves on the next turn of the event loop with the clock moved to at least the sleep's end, so concurrent sleepers
 * share the time that passes, as real ones would, and no sleep ends before its time.
 */
export class TestClock implements Clock {
  private t: number;
  private readonly start: number;
  /** Every sleep asked for, in ms, in the order asked. */
  readonly sleeps: number[] = [];

  constructor(start: Date | string | number = '2026-03-01T10:00:00.000Z') {
    this.t = new Date(start).getTime();
    this.start = this.t;
  }

  now(): Date {
    return new Date(this.t);
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.t += Math.max(0, ms);
  }

  /** Milliseconds this clock has moved since it was made. */
  elapsed(): number {
    return this.t - this.start;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    const until = this.t + Math.max(0, ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      setImmediate(() => {
        if (signal?.aborted) return reject(signal.reason);
        this.t = Math.max(this.t, until);
        resolve();
      });
    });
  }
}
