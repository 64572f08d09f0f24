// The continuous demo's line per later cycle: one line once every run of a scheduled slot is recorded.
import { describe, expect, it } from 'vitest';
import { CycleLines } from '../../src/cli/demo-cycles.js';
import type { EvidenceJob } from '../../src/pipeline/collect-stage.js';
import type { RecordOutcome } from '../../src/pipeline/record.js';

const job = (source: string, slot: string, counts: { pass: number; fail: number; error: number }, extra: Partial<EvidenceJob> = {}): EvidenceJob =>
  ({ summary: { source, scope: 's', slot, populationSize: 10, counts: { ...counts, not_applicable: 0 } }, results: [], ...extra }) as unknown as EvidenceJob;
const outcome = (changes: number, duplicate = false): RecordOutcome => ({ duplicate, runSeq: 1, changes, resultsSha256: '', newResultsBlob: false });

describe('CycleLines', () => {
  it('says one line per scheduled slot once all its runs are in, ignoring the first (manual) cycle, identity runs and duplicates', () => {
    const lines: string[] = [];
    const c = new CycleLines((l) => lines.push(l));
    c.recorded(outcome(1), job('aws', 'A', { pass: 1, fail: 0, error: 0 }));
    c.start(2);
    c.recorded(outcome(0), job('aws', 'M', { pass: 1, fail: 0, error: 0 }, { manual: true }));
    c.recorded(outcome(2), job('aws', '2026-03-01T11:00:00.000Z', { pass: 5, fail: 4, error: 1 }));
    c.recorded(outcome(9), job('identity', '2026-03-01T11:00:00.000Z', { pass: 1, fail: 1, error: 1 }));
    c.recorded(outcome(5, true), job('github', '2026-03-01T11:00:00.000Z', { pass: 1, fail: 1, error: 1 }));
    expect(lines).toEqual([]);
    c.recorded(outcome(1), job('github', '2026-03-01T11:00:00.000Z', { pass: 1000, fail: 2, error: 0 }));
    expect(lines).toEqual(['2026-03-01T11:00:00.000Z: collected again — 2 runs, 20 resources → 1,005 pass, 6 fail, 1 error; 3 results changed']);
  });
});
