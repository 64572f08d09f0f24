// The previous-results cache must never change what is recorded: same blob bytes, same hash, same change set as the full path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildResults, prepareResults, resultKey, ResultsCache } from '../../src/pipeline/results-cache.js';
import type { RecordedResult } from '../../src/pipeline/collect-stage.js';

const ids = ['a', 'b', 'a\u0000b', 'rule.x', 'é', '\ud83d\ude00'];
const result = fc.record(
  {
    ruleId: fc.constantFrom(...ids),
    resourceId: fc.constantFrom(...ids, 'arn:1', 'arn:2'),
    status: fc.constantFrom('pass', 'fail', 'error', 'not_applicable'),
    reason: fc.constantFrom('ok', 'not ok', 'é'),
    region: fc.option(fc.constantFrom('eu-west-1', 'us-east-1'), { nil: undefined }),
    details: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    score: fc.option(fc.constantFrom(0, -0, 1.5, 1e21), { nil: undefined }),
  },
  { requiredKeys: ['ruleId', 'resourceId', 'status', 'reason'] },
) as unknown as fc.Arbitrary<RecordedResult>;

/** The diff recordRun computed before the cache: by pair, status moved or pair gone. */
function naiveDiff(before: RecordedResult[], after: RecordedResult[]): string[] {
  const prevMap = new Map(before.map((r) => [resultKey(r), r]));
  const out: string[] = [];
  for (const r of after) {
    const k = resultKey(r);
    const p = prevMap.get(k);
    prevMap.delete(k);
    if (p && p.status === r.status) continue;
    out.push(`${k}:${p?.status ?? null}>${r.status}`);
  }
  for (const p of prevMap.values()) out.push(`${resultKey(p)}:${p.status}>absent`);
  return out;
}

describe('prepareResults', () => {
  it('gives the full path bytes, hash and change set for any previous and next run (property)', () => {
    fc.assert(
      fc.property(fc.array(result, { maxLength: 12 }), fc.array(fc.tuple(fc.nat(20), result, fc.constantFrom('keep', 'edit', 'drop', 'add', 'status'))), (before, edits) => {
        const after = before.map((r) => ({ ...r }));
        for (const [i, r, op] of edits) {
          const j = after.length === 0 ? 0 : i % after.length;
          if (op === 'add' || after.length === 0) after.push(r);
          else if (op === 'drop') after.splice(j, 1);
          else if (op === 'edit') after[j] = { ...r, ruleId: after[j]!.ruleId, resourceId: after[j]!.resourceId };
          else if (op === 'status') after[j] = { ...after[j]!, status: r.status };
        }
        const prev = buildResults(before);
        const want = buildResults(after);
        const got = prepareResults(after, prev.state);
        expect(got.sha256).toBe(want.state.sha256);
        expect((got.bytes ?? prev.bytes).equals(want.bytes)).toBe(true);
        if (got.diff) {
          const diff = [
            ...got.diff.moved.map((m) => `${resultKey(m.result)}:${m.from}>${m.result.status}`),
            ...got.diff.removed.map((e) => `${resultKey(e)}:${e.status}>absent`),
          ];
          // recordRun's full path reads the previous run back from its blob, i.e. in blob order.
          expect(diff).toEqual(naiveDiff(JSON.parse(prev.bytes.toString('utf8')) as RecordedResult[], after));
        }
        // And again from the state it leaves behind, as the next run would.
        const again = prepareResults(after, got.next);
        expect(again.sha256).toBe(want.state.sha256);
        // Runs with a repeated (rule, resource) pair always take the full path.
        if (!got.next.duplicates) expect(again.bytes).toBeUndefined();
        else expect(again.bytes?.equals(want.bytes)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('does not mistake a result mutated in place for the cached one', () => {
    const rs: RecordedResult[] = [{ ruleId: 'r', resourceId: 'x', status: 'pass', reason: 'ok' }];
    const first = buildResults(rs);
    rs[0]!.status = 'fail';
    const next = prepareResults(rs, first.state);
    expect(next.sha256).toBe(buildResults(rs).state.sha256);
    expect(next.diff?.moved.map((m) => m.from)).toEqual(['pass']);
  });
});

describe('ResultsCache', () => {
  it('drops the least recently recorded scopes beyond its bound and never caches one scope larger than it', () => {
    const run = (n: number) => buildResults(Array.from({ length: n }, (_, i) => ({ ruleId: 'r', resourceId: `x${i}`, status: 'pass' as const, reason: 'ok' }))).state;
    const c = new ResultsCache(10);
    c.set('aws', '1', run(4));
    c.set('aws', '2', run(4));
    expect(c.size).toBe(8);
    c.set('aws', '1', run(4));
    c.set('aws', '3', run(4));
    expect(c.get('aws', '2')).toBeUndefined();
    expect(c.get('aws', '1')).toBeDefined();
    expect(c.get('aws', '3')).toBeDefined();
    c.set('aws', '4', run(11));
    expect(c.get('aws', '4')).toBeUndefined();
    expect(c.size).toBe(8);
  });
});
