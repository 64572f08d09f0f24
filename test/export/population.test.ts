// Run-length populations: expanding the intervals gives back every evaluation of every run; sampling is uniform and stable.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EvaluationSampler, ScopeIntervals, type Interval, type ResultLike } from '../../src/export/population.js';

const statuses = ['pass', 'fail', 'error'] as const;

async function track(runs: ResultLike[][]): Promise<{ intervals: Interval[]; reads: number; tracker: ScopeIntervals }> {
  const tracker = new ScopeIntervals('aws', 'acct');
  const intervals: Interval[] = [];
  let reads = 0;
  for (let i = 0; i < runs.length; i++) {
    const rs = runs[i]!;
    const sha = JSON.stringify(rs);
    intervals.push(...(await tracker.run({ seq: i * 10, hash: `h${i}`, slot: `s${i}` }, sha, async () => { reads++; return rs; })));
  }
  intervals.push(...tracker.finish());
  return { intervals, reads, tracker };
}

describe('ScopeIntervals', () => {
  it('expands back to exactly the evaluations of every run (property)', async () => {
    const run = fc.uniqueArray(fc.record({ r: fc.integer({ min: 0, max: 5 }), s: fc.constantFrom(...statuses) }), { selector: (x) => x.r, maxLength: 6 })
      .map((xs) => xs.sort((a, b) => a.r - b.r).map((x): ResultLike => ({ ruleId: 'rule', resourceId: `res-${x.r}`, status: x.s, reason: x.s })));
    await fc.assert(fc.asyncProperty(fc.array(run, { maxLength: 12 }), async (runs) => {
      const { intervals, tracker } = await track(runs);
      const expanded = runs.map(() => new Map<string, string>());
      for (const iv of intervals) {
        expect(iv.runs).toBeGreaterThan(0);
        expect(tracker.runs[iv.startIndex]).toEqual(iv.first);
        expect(tracker.runs[iv.startIndex + iv.runs - 1]).toEqual(iv.last);
        for (let k = 0; k < iv.runs; k++) {
          const m = expanded[iv.startIndex + k]!;
          expect(m.has(iv.resourceId)).toBe(false);
          m.set(iv.resourceId, iv.status);
        }
      }
      runs.forEach((rs, i) => expect(expanded[i]).toEqual(new Map(rs.map((r) => [r.resourceId, r.status]))));
    }), { numRuns: 300 });
  });

  it('closes the same intervals in the same order whether a changed blob keeps its pairs in order or not (pairs added, dropped and reordered)', async () => {
    // The plain keyed walk every changed blob once took: the tracker's index-by-index path must agree with it exactly.
    const reference = (runs: ResultLike[][]): Array<[string, string, number, number]> => {
      const open = new Map<string, { r: ResultLike; first: number; gen: number }>();
      const out: Array<[string, string, number, number]> = [];
      let prev: string | undefined;
      runs.forEach((rs, i) => {
        const sha = JSON.stringify(rs);
        if (sha !== prev || i === 0) {
          for (const r of rs) {
            const k = `${r.ruleId}|${r.resourceId}`;
            const iv = open.get(k);
            if (iv && iv.gen !== i && iv.r.status === r.status && iv.r.reason === r.reason) iv.gen = i;
            else {
              if (iv) out.push([iv.r.resourceId, iv.r.status, iv.first, i - 1]);
              open.set(k, { r, first: i, gen: i });
            }
          }
          const gone = [...open].filter(([, iv]) => iv.gen !== i).sort((a, b) => (a[0] < b[0] ? -1 : 1));
          for (const [k, iv] of gone) {
            out.push([iv.r.resourceId, iv.r.status, iv.first, i - 1]);
            open.delete(k);
          }
        }
        prev = sha;
      });
      for (const [, iv] of [...open].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out.push([iv.r.resourceId, iv.r.status, iv.first, runs.length - 1]);
      return out;
    };
    const blob = fc.uniqueArray(fc.record({ r: fc.integer({ min: 0, max: 4 }), s: fc.constantFrom(...statuses) }), { selector: (x) => x.r, maxLength: 5 })
      .map((xs) => xs.map((x): ResultLike => ({ ruleId: 'rule', resourceId: `res-${x.r}`, status: x.s, reason: x.s })));
    // Mostly the previous run's pairs with statuses moved (the common case), sometimes any list at all.
    const runs = fc.tuple(blob, fc.array(fc.tuple(fc.boolean(), blob, fc.array(fc.constantFrom(...statuses), { minLength: 5, maxLength: 5 })), { maxLength: 12 }))
      .map(([first, steps]) => steps.reduce<ResultLike[][]>((acc, [fresh, any, st]) => [...acc, fresh ? any : acc[acc.length - 1]!.map((r, j) => ({ ...r, status: st[j]!, reason: st[j]! }))], [first]));
    await fc.assert(fc.asyncProperty(runs, async (rs) => {
      const { intervals } = await track(rs);
      expect(intervals.map((iv) => [iv.resourceId, iv.status, iv.first.seq / 10, iv.last.seq / 10])).toEqual(reference(rs));
    }), { numRuns: 500 });
  });

  it('reads a results blob only when its hash differs from the previous run', async () => {
    const same: ResultLike[] = [{ ruleId: 'r', resourceId: 'a', status: 'pass', reason: 'ok' }];
    const changed: ResultLike[] = [{ ruleId: 'r', resourceId: 'a', status: 'fail', reason: 'no' }];
    const { intervals, reads } = await track([same, same, same, changed, changed, same]);
    expect(reads).toBe(3);
    expect(intervals.map((iv) => [iv.status, iv.runs, iv.first.seq, iv.last.seq])).toEqual([['pass', 3, 0, 20], ['fail', 2, 30, 40], ['pass', 1, 50, 50]]);
  });
});

describe('EvaluationSampler', () => {
  const iv = (resourceId: string, runs: number): Interval => ({ ruleId: 'r', source: 'aws', scope: 'a', resourceId, status: 'pass', reason: '', first: { seq: 1, hash: 'h', slot: 's' }, last: { seq: 2, hash: 'h', slot: 's' }, runs, startIndex: 0 });

  it('takes distinct runs from one long interval and is independent of offer order', () => {
    const a = new EvaluationSampler('seed', 25);
    a.offer(iv('x', 1000));
    a.offer(iv('y', 3));
    const b = new EvaluationSampler('seed', 25);
    b.offer(iv('y', 3));
    b.offer(iv('x', 1000));
    expect(a.selected(25).map((x) => x.item)).toEqual(b.selected(25).map((x) => x.item));
    expect(new Set(a.selected(25).map((x) => x.item)).size).toBe(25);
    expect(a.selected(25).every((x) => x.offset >= 0 && x.offset < x.interval.runs)).toBe(true);
  });

  it('picks each evaluation with equal chance: a 900-run interval gets ~90 % of picks against a 100-run one', () => {
    let long = 0;
    for (let t = 0; t < 400; t++) {
      const s = new EvaluationSampler(`seed-${t}`, 1);
      s.offer(iv('long', 900));
      s.offer(iv('short', 100));
      if (s.selected(1)[0]!.interval.resourceId === 'long') long++;
    }
    // Binomial(400, 0.9): mean 360, sd 6; a sampler that ignored run counts would give ~200.
    expect(long).toBeGreaterThan(330);
    expect(long).toBeLessThan(390);
  });
});
