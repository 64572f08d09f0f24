// A source throttling us, as an operator should see it: one line when a spell of throttling starts, one when it ends
// (the first reply that is not a rate limit) — not a line per back-off wait. Reads that give up while throttled are
// recorded in the run as `throttled` collection errors.
import type { Logger } from './collector.js';

export class ThrottleNotice {
  private since: number | undefined;
  private waits = 0;
  private waitedMs = 0;

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly source: string,
    private readonly now: () => number,
  ) {}

  /** A back-off wait the source asked for (429, a rate-limit reply): the first of a spell logs the start. */
  waiting(waitMs: number, detail: Record<string, unknown> = {}): void {
    this.waits++;
    this.waitedMs += waitMs;
    if (this.since !== undefined) return;
    this.since = this.now();
    this.logger.warn({ source: this.source, waitMs, ...detail }, `${this.source} is throttling our reads; waiting as it asks (one line when it stops)`);
  }

  /** A read went through: ends a spell, if one is on, with how long it lasted and how much of it was spent waiting. */
  clear(): void {
    if (this.since === undefined) return;
    const seconds = Math.round((this.now() - this.since) / 1000);
    this.logger.warn(
      { source: this.source, throttledSeconds: seconds, waits: this.waits, waitedSeconds: Math.round(this.waitedMs / 1000) },
      `${this.source} stopped throttling after ${seconds} s (${this.waits} waits, ${Math.round(this.waitedMs / 1000)} s waited)`,
    );
    this.since = undefined;
    this.waits = 0;
    this.waitedMs = 0;
  }
}
