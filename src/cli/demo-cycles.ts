// The continuous demo's line per later collection cycle, so it does not go quiet for an hour after its first summary.
import type { EvidenceJob } from '../pipeline/collect-stage.js';
import type { RecordOutcome } from '../pipeline/record.js';

const int = new Intl.NumberFormat('en-US');

/**
 * Counts recorded runs per slot; once a slot has as many runs as the first cycle had (one per source and scope), says
 * one line: "2026-03-01T11:00:00.000Z: collected again — 5 runs, 1,234 resources → 900 pass, 300 fail, 34 error; 3
 * results changed". Runs seen before `start()` (the first cycle, summarised in full) and derived identity runs are not
 * counted.
 */
export class CycleLines {
  private started = false;
  private expected = 0;
  private readonly slots = new Map<string, { runs: number; resources: number; pass: number; fail: number; error: number; changes: number }>();

  constructor(private readonly say: (line: string) => void) {}

  /** From now on, a slot with `runsPerCycle` recorded runs is a finished cycle. */
  start(runsPerCycle: number): void {
    this.started = true;
    this.expected = runsPerCycle;
  }

  recorded(o: RecordOutcome, j: EvidenceJob): void {
    if (!this.started || o.duplicate || j.summary.source === 'identity' || j.manual) return;
    const slot = j.summary.slot;
    const s = this.slots.get(slot) ?? { runs: 0, resources: 0, pass: 0, fail: 0, error: 0, changes: 0 };
    const c = j.summary.counts;
    s.runs++;
    s.resources += j.summary.populationSize;
    s.pass += c.pass;
    s.fail += c.fail;
    s.error += c.error;
    s.changes += o.changes;
    this.slots.set(slot, s);
    if (s.runs < this.expected) return;
    this.slots.delete(slot);
    this.say(
      `${slot}: collected again — ${s.runs} runs, ${int.format(s.resources)} resources → ${int.format(s.pass)} pass, ${int.format(s.fail)} fail, ${int.format(s.error)} error; ${int.format(s.changes)} result${s.changes === 1 ? '' : 's'} changed`,
    );
  }
}
