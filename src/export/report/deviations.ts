// deviations.csv: failure episodes of a rule on a resource, from the first observation of the failure to the run that ended it.
import { csvRow, type ReportOut } from './csv.js';
import type { RecordedResult } from './types.js';

/** Deviation SLA when a rule records none: what an auditor reads "within SLA" against. */
export const DEFAULT_SLA_HOURS = 720;
export const DEVIATIONS_FILE = 'report/deviations.csv';
export const DEVIATION_HEADER = ['rule', 'resource', 'source', 'scope', 'first_detected_seq', 'first_detected_at', 'opened_at', 'closed_seq', 'closed_at', 'duration_hours', 'sla_hours', 'within_sla', 'carried_in', 'carried_out'];

interface Deviation {
  ruleId: string;
  resourceId: string;
  source: string;
  scope: string;
  /** The leaf that first showed the failure in the period: its `change` leaf, or the scope's first run when it was already failing. */
  firstSeq: number;
  openedAt: string;
  carriedIn: boolean;
}

const key = (source: string, scope: string, ruleId: string, resourceId: string): string => `${source}\u0000${scope}\u0000${ruleId}\u0000${resourceId}`;

/**
 * Open episodes by (source, scope, rule, resource). An episode opens at the first observation of the failure in the
 * period — a `change` to fail, or the scope's first run in the period for a failure already present then (carried in:
 * it may have begun earlier, but the bundle's evidence starts there) — never at the period start itself.
 */
export class Deviations {
  private readonly open = new Map<string, Deviation>();
  closed = 0;

  constructor(private readonly out: ReportOut, private readonly periodEnd: string) {}

  change(seq: number, at: string, source: string, scope: string, ruleId: string, resourceId: string, to: unknown): void {
    const k = key(source, scope, ruleId, resourceId);
    const d = this.open.get(k);
    if (to === 'fail' && !d) {
      this.open.set(k, { ruleId, resourceId, source, scope, firstSeq: seq, openedAt: at, carriedIn: false });
    } else if (to !== 'fail' && d) {
      this.closed++;
      this.out.write(DEVIATIONS_FILE, DEVIATION_HEADER, this.row(d, seq, at));
      this.open.delete(k);
    }
  }

  /** The scope's first run in the period: failures it shows that no `change` leaf opened were carried in. */
  firstRun(seq: number, at: string, source: string, scope: string, results: RecordedResult[], ruleFilter: (id: string) => boolean): void {
    for (const r of results) {
      if (!ruleFilter(r.ruleId) || r.status !== 'fail') continue;
      const k = key(source, scope, r.ruleId, r.resourceId);
      if (!this.open.has(k)) this.open.set(k, { ruleId: r.ruleId, resourceId: r.resourceId, source, scope, firstSeq: seq, openedAt: at, carriedIn: true });
    }
  }

  get openCount(): number {
    return this.open.size;
  }

  openFor(ruleId: string): number {
    let n = 0;
    for (const d of this.open.values()) if (d.ruleId === ruleId) n++;
    return n;
  }

  /** Episodes still open at the period end, by source, scope, rule and resource. */
  finish(): void {
    const keys = [...this.open.keys()].sort();
    this.out.write(DEVIATIONS_FILE, DEVIATION_HEADER, keys.map((k) => this.row(this.open.get(k)!, null, null)).join(''));
  }

  private row(d: Deviation, closedSeq: number | null, closedAt: string | null): string {
    const endAt = closedAt ?? this.periodEnd;
    const hours = Math.round(((Date.parse(endAt) - Date.parse(d.openedAt)) / 3_600_000) * 100) / 100;
    const withinSla = closedAt === null ? (hours > DEFAULT_SLA_HOURS ? 'no' : 'open') : hours <= DEFAULT_SLA_HOURS ? 'yes' : 'no';
    return csvRow([d.ruleId, d.resourceId, d.source, d.scope, d.firstSeq, d.openedAt, d.openedAt, closedSeq ?? '', closedAt ?? '', hours, DEFAULT_SLA_HOURS, withinSla, d.carriedIn ? 'yes' : 'no', closedAt === null ? 'yes' : 'no']);
  }
}
