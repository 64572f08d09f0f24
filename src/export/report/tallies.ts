// Per-rule tallies of the period (runs, evaluations, status counts, first and last evidence, daily status bits) and timeline.csv.
import { createHash } from 'node:crypto';
import { EvaluationSampler, POPULATION_HEADER } from '../population.js';
import { csvRow, type ReportOut } from './csv.js';
import { BIT, type Tally } from './results.js';

export interface RuleStats {
  runs: number;
  evaluations: number;
  counts: Record<string, number>;
  first?: string;
  last?: string;
  days: Map<string, number>;
  popHash: ReturnType<typeof createHash>;
  popRows: number;
  sampler?: EvaluationSampler;
}

/** The largest sample the frequency table asks for. */
const MAX_SAMPLE = 25;
/** A day's colour: the worst status any evaluation of the rule had that day. */
const STATUS_ORDER = ['fail', 'error', 'pass', 'not_applicable'] as const;

export class RuleTallies {
  readonly stats = new Map<string, RuleStats>();

  constructor(private readonly sampleSeed: string | undefined) {}

  get(id: string): RuleStats {
    let s = this.stats.get(id);
    if (!s) {
      s = {
        runs: 0,
        evaluations: 0,
        counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 },
        days: new Map(),
        popHash: createHash('sha256').update(csvRow(POPULATION_HEADER)),
        popRows: 0,
        ...(this.sampleSeed !== undefined ? { sampler: new EvaluationSampler(this.sampleSeed, MAX_SAMPLE) } : {}),
      };
      this.stats.set(id, s);
    }
    return s;
  }

  /** Type 2: one run observed at `at`, on local `date`. */
  addRun(tally: Tally, at: string, date: string): void {
    for (const t of tally) {
      const s = this.get(t.ruleId);
      s.runs++;
      s.evaluations += t.n;
      for (const st in t.counts) s.counts[st] = (s.counts[st] ?? 0) + t.counts[st]!;
      s.first ??= at;
      s.last = at;
      s.days.set(date, (s.days.get(date) ?? 0) | t.bits);
    }
  }

  /** Type 1: the latest run of one scope (scopes come in key order, not time order). */
  addLatest(tally: Tally, at: string): void {
    for (const t of tally) {
      const s = this.get(t.ruleId);
      s.evaluations += t.n;
      for (const st in t.counts) s.counts[st] = (s.counts[st] ?? 0) + t.counts[st]!;
      if (s.first === undefined || at < s.first) s.first = at;
      if (s.last === undefined || at > s.last) s.last = at;
    }
  }

  ids(): string[] {
    return [...this.stats.keys()].sort();
  }

  dayStatus(s: RuleStats, d: string): string {
    const bits = s.days.get(d) ?? 0;
    if (bits === 0) return 'no_data';
    for (const st of STATUS_ORDER) if (bits & BIT[st]!) return st;
    return 'no_data';
  }

  writeTimeline(out: ReportOut, dates: string[]): void {
    for (const id of this.ids()) {
      const s = this.get(id);
      out.write('report/timeline.csv', ['rule', 'date', 'status'], dates.map((d) => csvRow([id, d, this.dayStatus(s, d)])).join(''));
    }
  }

  totals(): { pass: number; fail: number; error: number; not_applicable: number } {
    const totals = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
    for (const s of this.stats.values()) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += s.counts[k] ?? 0;
    return totals;
  }

  /** summary.json's `rules`: per rule, what its totals are made of. */
  summary(dates: string[]): Record<string, unknown> {
    return Object.fromEntries(this.ids().map((id) => {
      const s = this.get(id);
      return [id, { runs: s.runs, evaluations: s.evaluations, counts: s.counts, first: s.first ?? null, last: s.last ?? null, daysWithEvidence: dates.filter((d) => s.days.has(d)).length }];
    }));
  }
}
