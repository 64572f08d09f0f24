// The degradation property as one vitest case per source, so each source's test file is its setup and its budget.
import { expect, it } from 'vitest';
import { describeReport, sampledMatrix, setUpSource, type SourceSetup } from './harness.js';

export interface MatrixBudget {
  seed: number;
  /** Modes per request (seeded rotation over every mode but `hang`). @defaultValue 2 */
  perRequest?: number;
  /** Requests that get a `hang`. @defaultValue 2 */
  hangs?: number;
  /** Cap on replays; requests are sampled (seeded) to fit. */
  maxReplays?: number;
}

/** Registers the property test for one source: healthy run, bounded degraded replays, zero violations, hangs and crashes. */
export function degradationProperty(setup: SourceSetup, budget: MatrixBudget, timeoutMs: number): void {
  it(`${setup.plugin.id}: one degraded reply never gains a pass, crashes or hangs`, async () => {
    const h = await setUpSource(setup);
    try {
      const report = await h.run(sampledMatrix(h.keys, budget));
      console.log(
        `degradation ${report.source}: ${report.replays} degraded replays (${report.skipped} not applicable, ${report.notReached.length} not reached) over ${report.requests} requests, ` +
        `${report.violations.length} violations, ${report.hangs.length} hangs, ${report.crashes.length} crashes, ${report.wallMs} ms` +
        (h.dropped.length ? `; config overrides not accepted by the source: ${h.dropped.join(', ')}` : ''),
      );
      expect(report.replays, 'degraded replays actually applied').toBeGreaterThan(0);
      expect(report.violations.length + report.hangs.length + report.crashes.length, describeReport(report)).toBe(0);
    } finally {
      await h.close();
    }
  }, timeoutMs);
}
