// gaps.csv: stretches the evidence does not cover, labelled by kind, with their bounds clipped to the period.
import { describeStoredPrincipal } from '../../core/principal-text.js';
import { csvRow, type ReportOut } from './csv.js';
import { str, type LeafRecord, type ReportParams } from './types.js';

export const GAPS_FILE = 'report/gaps.csv';
export const GAPS_HEADER = ['seq', 'leaf_hash', 'source', 'scope', 'from', 'to', 'slots', 'kind', 'clipped', 'detail', 'declared_seq', 'declared_at', 'declared_by', 'declared_reason'];

/** The kinds of gap, as gaps.csv names them. */
export const GAP_KINDS = {
  /** The writer's sweep: scheduled slots that ended with no run (agent down, collection never finished). */
  missedSlots: 'missed slots',
  /** Missed slots inside an outage an operator declared (`vigil gaps declare`): still missed, but known. */
  declaredOutage: 'declared outage',
  /** A collector declared history it can no longer read (CloudTrail keeps 90 days, Backup 30). */
  outOfReach: 'history out of reach',
  /** A run was recorded but collected nothing: every result of that slot is an error. */
  collectionFailed: 'collection failed',
} as const;

/** An `outage.declared` leaf recorded before the period end: [from, to], both included. */
interface Declaration {
  seq: number;
  at: string;
  source: string;
  scope: string | undefined;
  from: number;
  to: number;
  by: string;
  reason: string;
}

interface Row {
  l: LeafRecord;
  /** The leaf's own bounds, and the bounds clipped to the period. */
  from: string;
  to: string;
  f: string;
  t: string;
  slots: unknown;
  kind: string;
  detail: string;
}

const NOT_DECLARED = ['', '', '', ''];

export class Gaps {
  count = 0;
  private readonly rows: Row[] = [];
  private readonly declarations: Declaration[] = [];

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

  /** An `outage.declared` leaf recorded before the period end (before or after the slots it covers). */
  declaration(l: LeafRecord, at: string): void {
    const b = l.body;
    const who = describeStoredPrincipal(b.declaredBy);
    this.declarations.push({ seq: l.seq, at, source: str(b.source) ?? '', scope: str(b.scope), from: Date.parse(str(b.from) ?? ''), to: Date.parse(str(b.to) ?? ''), by: who, reason: str(b.reason) ?? '' });
  }

  /** Type 2: every gap has a row (written at the end, once every declaration is known); Type 1 only counts them. A gap wholly outside the period is no gap of the period. */
  private row(l: LeafRecord, from: string, to: string, inclusiveTo: boolean, slots: unknown, kind: string, detail: string): void {
    if (this.p.type !== 2) {
      this.count++;
      return;
    }
    const { start, end } = this.p;
    const [s, e, a, z] = [Date.parse(start), Date.parse(end), Date.parse(from), Date.parse(to)];
    // Instants compared as instants: a collector may write them without milliseconds.
    if ((inclusiveTo ? z < s : z <= s) || a >= e) return;
    this.rows.push({ l, from, to, f: a < s ? start : from, t: z > e ? end : to, slots, kind, detail });
  }

  /**
   * Missed slots are cut at the bounds of the declared outages of their source (and scope) that overlap them: the parts
   * inside one are `declared outage` (the earliest-recorded declaration that covers them), the rest stay `missed slots`.
   */
  private parts(r: Row): Array<{ f: string; t: string; kind: string; d?: Declaration }> {
    if (r.kind !== GAP_KINDS.missedSlots) return [{ f: r.f, t: r.t, kind: r.kind }];
    const [f, t] = [Date.parse(r.f), Date.parse(r.t)];
    const b = r.l.body;
    const ds = this.declarations.filter((d) => d.source === str(b.source) && (d.scope === undefined || d.scope === str(b.scope)) && d.from <= t && d.to >= f);
    if (ds.length === 0) return [{ f: r.f, t: r.t, kind: r.kind }];
    const cuts = [...new Set([f, t, ...ds.flatMap((d) => [d.from, d.to]).filter((x) => x > f && x < t)])].sort((x, y) => x - y);
    const pieces = cuts.length === 1 ? [[f, f] as const] : cuts.slice(1).map((y, i) => [cuts[i]!, y] as const);
    const out: Array<{ f: string; t: string; kind: string; d?: Declaration }> = [];
    // The gap's own (clipped) bounds keep their spelling; a cut at a declaration's bound is written as an ISO instant.
    const name = (x: number): string => (x === f ? r.f : x === t ? r.t : new Date(x).toISOString());
    for (const [x, y] of pieces) {
      const d = ds.find((d) => d.from <= x && y <= d.to);
      const last = out[out.length - 1];
      if (last && last.d === d) last.t = name(y);
      else out.push({ f: name(x), t: name(y), kind: d ? GAP_KINDS.declaredOutage : GAP_KINDS.missedSlots, ...(d ? { d } : {}) });
    }
    return out;
  }

  finish(): void {
    if (this.p.type !== 2) return;
    for (const r of this.rows) {
      const b = r.l.body;
      for (const part of this.parts(r)) {
        this.count++;
        const d = part.d;
        const declared = d ? [d.seq, d.at, d.by, d.reason] : NOT_DECLARED;
        const clipped = part.f !== r.from || part.t !== r.to ? 'yes' : 'no';
        this.out.write(GAPS_FILE, GAPS_HEADER, csvRow([r.l.seq, r.l.hash, str(b.source) ?? '', str(b.scope) ?? '', part.f, part.t, r.slots, part.kind, clipped, r.detail, ...declared]));
      }
    }
    this.out.write(GAPS_FILE, GAPS_HEADER, '');
  }
}
