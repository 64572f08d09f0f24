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

const gapsOf = async (ledger: Ledger, declared = false): Promise<Array<Record<string, unknown>>> => {
  const out: Array<Record<string, unknown>> = [];
  for await (const l of ledger.leaves({ types: ['gap'] })) {
    const b = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
    if ((b.declared === true) === declared) out.push(b);
  }
  return out;
};

async function open(at: string) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const clock = new TestClock(Date.parse(at));
  const ledger = await Ledger.open({ dataDir: t.dir, clock, logger: silentLogger });
  const writer = (logger = silentLogger) => new LedgerWriter({ ledger, rules: [], sources: [{ source: 'aws', schedule: '0 * * * *' }], clock, logger, people: false });
  return { clock, ledger, writer };
}

describe('every slot is one run or one gap', () => {
  it('slots missed before a later run become gaps (the old sweep looked only after the last run)', async () => {
    const { clock, ledger, writer } = await open(hour(0));
    try {
      await recordRun(ledger, job('111', hour(0)));
      clock.t = Date.parse(hour(5)) + 60_000;
      await recordRun(ledger, job('111', hour(5)));
      clock.t = Date.parse(hour(6)) + 20 * 60_000; // 06:00 is still within its grace
      expect(await writer().sweepGaps()).toBe(1);
      expect((await gapsOf(ledger)).map((g) => [g.from, g.to, g.slots])).toEqual([[hour(1), hour(4), 4]]);
    } finally {
      await ledger.close();
    }
  });

  it('slots from the first start with the source configured, before the scope first ran, become gaps', async () => {
    const { clock, ledger, writer } = await open(hour(0).replace(':00:00', ':05:00'));
    try {
      const w = writer();
      await w.start(['writer']); // agent.started at 00:05 names aws: the 00:00 slot is expected from then on
      await w.stop();
      clock.t = Date.parse(hour(3)) + 60_000;
      await recordRun(ledger, job('111', hour(3)));
      clock.t = Date.parse(hour(4)) + 20 * 60_000;
      expect(await writer().sweepGaps()).toBe(1);
      expect((await gapsOf(ledger)).map((g) => [g.scope, g.from, g.to, g.slots])).toEqual([['111', hour(0), hour(2), 3]]);
    } finally {
      await ledger.close();
    }
  });

  it('a scope the scheduler resolved but whose every collection was lost is accounted from the first start', async () => {
    const { clock, ledger, writer } = await open(hour(0).replace(':00:00', ':05:00'));
    try {
      const w = writer();
      await w.start(['writer']);
      w.expectScopes('aws', ['333']);
      clock.t = Date.parse(hour(3)) + 20 * 60_000;
      expect(await w.sweepGaps()).toBe(1);
      await w.stop();
      expect((await gapsOf(ledger)).map((g) => [g.scope, g.from, g.to, g.slots])).toEqual([['333', hour(0), hour(2), 3]]);
    } finally {
      await ledger.close();
    }
  });

  it('a `vigil collect` start expects no slots (it runs no schedule)', async () => {
    const { clock, ledger, writer } = await open(hour(0).replace(':00:00', ':05:00'));
    try {
      const w = writer();
      await w.start(['collect']);
      await w.stop();
      clock.t = Date.parse(hour(3)) + 60_000;
      await recordRun(ledger, job('111', hour(3)));
      clock.t = Date.parse(hour(4)) + 20 * 60_000;
      expect(await writer().sweepGaps()).toBe(0);
    } finally {
      await ledger.close();
    }
  });

  it('a run that arrives after its slot was declared a gap is not recorded: the slot stays one gap', async () => {
    const { clock, ledger, writer } = await open(hour(0));
    try {
      await recordRun(ledger, job('111', hour(0)));
      clock.t = Date.parse(hour(2)) + 20 * 60_000;
      const w = writer();
      expect(await w.sweepGaps()).toBe(1); // 01:00 is a gap
      const late = await w.record(job('111', hour(1)));
      expect(late.duplicate).toBe(true);
      expect(await ledger.seqOfKey(`run:aws:111:${hour(1)}`)).toBeUndefined();
      // A fresh writer (after a restart) knows it too, from the ledger alone.
      expect((await writer().record(job('111', hour(1)))).duplicate).toBe(true);
      // A run of a slot not yet accounted is recorded as usual.
      expect((await w.record(job('111', hour(2)))).duplicate).toBe(false);
    } finally {
      await ledger.close();
    }
  });

  it('a sweep that fails is logged, not thrown', async () => {
    const { ledger, writer } = await open(hour(0));
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (_o: object | string, msg?: string) => void errors.push(msg ?? '') };
    const w = writer(logger);
    await ledger.close();
    expect(await w.sweepSafely()).toBe(0);
    expect(errors).toEqual(['gap sweep failed (retried at the next sweep)']);
  });

  it('an agent.stopped that cannot be written is logged, and stop still finishes', async () => {
    const { ledger, writer } = await open(hour(0));
    try {
      const errors: Array<{ msg: string; fields: object }> = [];
      const logger = { ...silentLogger, error: (o: object | string, msg?: string) => void errors.push({ msg: msg ?? '', fields: typeof o === 'object' ? o : {} }) };
      const w = writer(logger);
      await w.start(['writer']);
      const append = ledger.append.bind(ledger);
      ledger.append = async (leaves, ...rest) => {
        if (leaves.some((l) => l.type === 'agent.stopped')) throw new Error('disk full');
        return append(leaves, ...rest);
      };
      await expect(w.stop('test')).resolves.toBeUndefined();
      expect(errors).toEqual([{ msg: 'agent.stopped not written', fields: { err: 'disk full', reason: 'test' } }]);
      expect(await ledger.lastLeaf({ type: 'agent.stopped' })).toBeUndefined();
    } finally {
      await ledger.close();
    }
  });
});

describe('declared history gaps', () => {
  const withGap = (slot: string, from: string, to: string): EvidenceJob => ({
    ...job('111', slot),
    declaredGaps: [{ from, to, reason: `CloudTrail LookupEvents only returns the last 90 days; history before ${to} was out of reach on the first run` }],
  });

  it('are recorded once: a span already declared is not declared again, a longer one only for what is new', async () => {
    const { ledger } = await open(hour(0));
    try {
      const start = '2025-01-01T00:00:00.000Z';
      await recordRun(ledger, withGap(hour(0), start, hour(0)));
      await recordRun(ledger, withGap(hour(1), start, hour(0))); // the same span again: nothing new
      await recordRun(ledger, withGap(hour(2), start, hour(1))); // reaches an hour further: only that hour is new
      await recordRun(ledger, withGap(hour(3), start, hour(1)));
      expect((await gapsOf(ledger, true)).map((g) => [g.from, g.to, g.slot])).toEqual([
        [start, hour(0), hour(0)],
        [hour(0), hour(1), hour(2)],
      ]);
    } finally {
      await ledger.close();
    }
  });
});
