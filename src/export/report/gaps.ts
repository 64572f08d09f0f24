// gaps.csv: stretches the evidence does not cover, labelled by kind, with their bounds clipped to the period.
import { csvRow, type ReportOut } from './csv.js';
import { str, type LeafRecord, type ReportParams } from './types.js';

export const GAPS_FILE = 'report/gaps.csv';
export const GAPS_HEADER = ['seq', 'leaf_hash', 'source', 'scope', 'from', 'to', 'slots', 'kind', 'clipped', 'detail'];

/** The kinds of gap, as gaps.csv names them. */
export const GAP_KINDS = {
  /** The writer's sweep: scheduled slots that ended with no run (agent down, collection never finished). */
  missedSlots: 'missed slots',
  /** A collector declared history it can no longer read (CloudTrail keeps 90 days, Backup 30). */
  outOfReach: 'history out of reach',
  /** A run was recorded but collected nothing: every result of that slot is an error. */
  collectionFailed: 'collection failed',
} as const;

export class Gaps {
  count = 0;

  constructor(private readonly out: ReportOut, private readonly p: ReportParams) {}

  /** A `gap` leaf: missed slots (the sweep; `from`/`to` are the first and last slot) or declared history ([from, to)). */
  gapLeaf(l: LeafRecord): void {
    const b = l.body;
    const declared = b.declared === true;
    this.row(l, str(b.from) ?? '', str(b.to) ?? '', !declared, b.slots ?? '', declared ? GAP_KINDS.outOfReach : GAP_KINDS.missedSlots, str(b.reason) ?? '');
  }

  /** A run whose collection failed stands for its one slot. */
  failedRun(l: LeafRecord): void {
    const slot = str(l.body.slot) ?? '';
    this.row(l, slot, slot, true, 1, GAP_KINDS.collectionFailed, JSON.stringify(l.body.errors ?? []));
  }

  /** Type 2: every gap has a file row; Type 1 only counts them. A gap wholly outside the period is no gap of the period. */
  private row(l: LeafRecord, from: string, to: string, inclusiveTo: boolean, slots: unknown, kind: string, detail: string): void {
    if (this.p.type !== 2) {
      this.count++;
      return;
    }
    const { start, end } = this.p;
    const [s, e, a, z] = [Date.parse(start), Date.parse(end), Date.parse(from), Date.parse(to)];
    // Instants compared as instants: a collector may write them without milliseconds.
    if ((inclusiveTo ? z < s : z <= s) || a >= e) return;
    const f = a < s ? start : from;
    const t = z > e ? end : to;
    this.count++;
    const b = l.body;
    this.out.write(GAPS_FILE, GAPS_HEADER, csvRow([l.seq, l.hash, str(b.source) ?? '', str(b.scope) ?? '', f, t, slots, kind, f !== from || t !== to ? 'yes' : 'no', detail]));
  }

  finish(): void {
    if (this.p.type === 2) this.out.write(GAPS_FILE, GAPS_HEADER, '');
  }
}
