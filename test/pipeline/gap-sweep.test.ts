// The writer's hourly gap sweep reads only leaves appended since its last sweep, yet still finds scopes first seen in between.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/collector.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import { recordRun } from '../../src/pipeline/record.js';
import type { EvidenceJob } from '../../src/pipeline/collect-stage.js';
import { TestClock, tempDir } from '../ledger/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function job(scope: string, slot: string, status: 'pass' | 'fail' = 'pass'): EvidenceJob {
  return {
    summary: { source: 'aws', scope, slot, startedAt: slot, endedAt: slot, ruleSetVersion: 't', populationSize: 1, apiCalls: 1, counts: { pass: status === 'pass' ? 1 : 0, fail: status === 'fail' ? 1 : 0, error: 0, not_applicable: 0 }, errors: [], artifacts: [] },
    results: [{ ruleId: 'aws.test.rule', resourceId: `arn:${scope}:x`, status, reason: status }],
  };
}

const hour = (h: number): string => new Date(Date.UTC(2026, 2, 1, h)).toISOString();

describe('LedgerWriter.sweepGaps', () => {
  it('finds gaps of a scope first recorded after the previous sweep, and declares each gap once', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const clock = new TestClock(Date.parse(hour(0)));
    const ledger = await Ledger.open({ dataDir: t.dir, clock, logger: silentLogger });
    const writer = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'aws', schedule: '0 * * * *' }], clock, logger: silentLogger, people: false });
    try {
      await recordRun(ledger, job('111', hour(0)));
      clock.t = Date.parse(hour(1)) + 40 * 60_000;
      await recordRun(ledger, job('111', hour(1)));
      expect(await writer.sweepGaps()).toBe(0);

      // A second account starts at 02:00; then both miss 03:00–05:00.
      clock.t = Date.parse(hour(2)) + 60_000;
      await recordRun(ledger, job('222', hour(2)));
      await recordRun(ledger, job('111', hour(2), 'fail'));
      // At 06:10 the 06:00 runs may still be under way (grace); 03:00–05:00 are missed.
      clock.t = Date.parse(hour(6)) + 10 * 60_000;
      expect(await writer.sweepGaps()).toBe(2);
      expect(await writer.sweepGaps()).toBe(0);
      await recordRun(ledger, job('111', hour(6)));
      await recordRun(ledger, job('222', hour(6)));
      const gaps: Array<Record<string, unknown>> = [];
      for await (const l of ledger.leaves({ types: ['gap'] })) gaps.push(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
      expect(gaps.map((g) => [g.scope, g.from, g.to, g.slots])).toEqual([
        ['111', hour(3), hour(5), 3],
        ['222', hour(3), hour(5), 3],
      ]);
      // And a fresh writer (a restart) agrees: nothing new to declare.
      const again = new LedgerWriter({ ledger, rules: [], sources: [{ source: 'aws', schedule: '0 * * * *' }], clock, logger: silentLogger, people: false });
      expect(await again.sweepGaps()).toBe(0);
      const changes: Array<Record<string, unknown>> = [];
      for await (const l of ledger.leaves({ types: ['change'] })) changes.push(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
      expect(changes.map((c) => [c.scope, c.slot, c.from, c.to])).toEqual([
        ['111', hour(2), 'pass', 'fail'],
        ['111', hour(6), 'fail', 'pass'],
      ]);
    } finally {
      await ledger.close();
    }
  });
});
