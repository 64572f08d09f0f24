// Per rule and day of a Type 2 period: the share of evaluations that failed and whether the rule's source had an outage (gap or failed run), for report.html's timeline and the criterion states.
import { localDate } from './period.js';

export interface TimelineDay {
  /** Failed evaluations over all evaluations that day (0..1); null when the day has no evaluation. */
  failShare: number | null;
  /** Evaluations that day ended in error. */
  errors: number;
  evaluations: number;
  /** The rule's source had a gap or a failed collection that day. */
  outage: boolean;
}

/** Collects day counts as runs stream by: memory is rules × days plus sources × days, never evaluations. */
export class DailyTimeline {
  private readonly counts = new Map<string, Map<string, { n: number; fail: number; error: number }>>();
  private readonly outages = new Map<string, Set<string>>();

  constructor(
    private readonly dates: readonly string[],
    private readonly tz: string,
  ) {}

  /** One run's tally of one rule, on the local date of the run. */
  add(ruleId: string, date: string, n: number, counts: Record<string, number>): void {
    let byDay = this.counts.get(ruleId);
    if (!byDay) {
      byDay = new Map();
      this.counts.set(ruleId, byDay);
    }
    const c = byDay.get(date) ?? { n: 0, fail: 0, error: 0 };
    c.n += n;
    c.fail += counts.fail ?? 0;
    c.error += counts.error ?? 0;
    byDay.set(date, c);
  }

  /** Marks every period day that [fromIso, toIso] touches as an outage of `source` (clipped to the period). */
  outage(source: string, fromIso: string, toIso: string): void {
    const from = Date.parse(fromIso);
    const to = Date.parse(toIso);
    if (Number.isNaN(from) || Number.isNaN(to)) return;
    // The end is exclusive when the span is not empty: a gap ending at midnight does not touch the next day.
    const a = localDate(new Date(from).toISOString(), this.tz);
    const b = localDate(new Date(Math.max(from, to - 1)).toISOString(), this.tz);
    let set = this.outages.get(source);
    if (!set) {
      set = new Set();
      this.outages.set(source, set);
    }
    for (const d of this.dates) if (d >= a && d <= b) set.add(d);
  }

  /** Whether `source` had an outage on any day of the period. */
  hadOutage(source: string): boolean {
    return (this.outages.get(source)?.size ?? 0) > 0;
  }

  row(ruleId: string, source: string): TimelineDay[] {
    const byDay = this.counts.get(ruleId);
    const out = this.outages.get(source);
    return this.dates.map((d) => {
      const c = byDay?.get(d);
      return { failShare: c && c.n > 0 ? c.fail / c.n : null, errors: c?.error ?? 0, evaluations: c?.n ?? 0, outage: out?.has(d) ?? false };
    });
  }
}
