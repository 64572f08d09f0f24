// populations/<rule>.csv (run-length encoded evaluations) and samples/<rule>.json (a seeded uniform sample of them).
import { POPULATION_HEADER, populationRow, ScopeIntervals, type Interval, type RunRef } from '../population.js';
import { csvRow, fileSafe, type ReportOut } from './csv.js';
import type { ResultsReader } from './results.js';
import type { RuleTallies } from './tallies.js';

/** Sample size by how often a control operates (AICPA practitioner table, evidence-ledger.md §1.3). */
export function sampleSize(runsPerDay: number, population: number): { n: number; frequency: string } {
  const pick = (n: number, frequency: string) => ({ n: Math.min(n, population), frequency });
  if (runsPerDay > 1.5) return pick(25, 'many times a day');
  if (runsPerDay >= 0.7) return pick(25, 'daily');
  if (runsPerDay >= 1 / 8) return pick(5, 'weekly');
  if (runsPerDay >= 1 / 40) return pick(2, 'monthly');
  return pick(1, 'annual or less');
}

const SAMPLE_METHOD =
  'uniform sample of single evaluations without replacement: every evaluation gets an independent key; an interval (population row) of w runs ' +
  'yields its keys in increasing order as order statistics m1 = 1-(1-u1)^(1/w), mj = m(j-1) + (1-m(j-1))*(1-(1-uj)^(1/(w-j+1))), ' +
  'uj = uniform(sha256(seed ":" item ":" j)), item = "<source>:<scope>:<rule>:<resource>:<first_run_seq>"; the j-th key belongs to run offset ' +
  'floor(uniform(sha256(seed ":" item ":" j ":" t)) * w) for the first t not taken earlier in the interval; take the n smallest keys. ' +
  'uniform(h) = (first 52 bits of h + 0.5) / 2^52. The run at offset o is the o-th run of that source/scope counted from first_run_seq.';

export class Populations {
  /** One interval tracker per source/scope. */
  readonly intervals = new Map<string, ScopeIntervals>();

  constructor(
    private readonly out: ReportOut,
    private readonly tallies: RuleTallies,
    private readonly results: ResultsReader,
    private readonly ruleFilter: (id: string) => boolean,
  ) {}

  /** One run of a scope: the intervals it closes become population rows. */
  async run(source: string, scope: string, ref: RunRef, resultsSha: string): Promise<void> {
    const key = `${source}\u0000${scope}`;
    let iv = this.intervals.get(key);
    if (!iv) {
      iv = new ScopeIntervals(source, scope);
      this.intervals.set(key, iv);
    }
    for (const closed of await iv.run(ref, resultsSha, () => this.results.results(resultsSha))) this.write(closed);
  }

  /** Intervals still open at the end, by source and scope, then rule and resource; every rule gets a file, empty or not. */
  finish(): void {
    for (const key of [...this.intervals.keys()].sort()) for (const iv of this.intervals.get(key)!.finish()) this.write(iv);
    // Rules with no evaluation still get a population file: an empty population is evidence too.
    for (const id of this.tallies.ids()) {
      const path = `report/populations/${fileSafe(id)}.csv`;
      if (!this.out.has(path)) this.out.write(path, POPULATION_HEADER, '');
    }
  }

  /** samples/<rule>.json for every rule; returns the sample size per rule. */
  writeSamples(seed: string, days: number): Record<string, number> {
    const samples: Record<string, number> = {};
    for (const id of this.tallies.ids()) {
      const s = this.tallies.get(id);
      const { n, frequency } = sampleSize(s.runs / Math.max(1, days), s.evaluations);
      const doc = {
        rule: id,
        method: SAMPLE_METHOD,
        seed,
        population: `report/populations/${fileSafe(id)}.csv`,
        populationSha256: s.popHash.copy().digest('hex'),
        populationRows: s.popRows,
        populationSize: s.evaluations,
        frequency,
        n,
        selected: (s.sampler?.selected(n) ?? []).map((x) => {
          const run = this.intervals.get(`${x.interval.source}\u0000${x.interval.scope}`)?.runs[x.interval.startIndex + x.offset];
          return {
            item: x.item,
            sortKey: x.sortKey,
            runSeq: run?.seq ?? null,
            runLeafHash: run?.hash ?? null,
            slot: run?.slot ?? null,
            source: x.interval.source,
            scope: x.interval.scope,
            resource: x.interval.resourceId,
            status: x.interval.status,
            populationRow: { firstRunSeq: x.interval.first.seq, lastRunSeq: x.interval.last.seq, runs: x.interval.runs },
          };
        }),
      };
      this.out.write(`report/samples/${fileSafe(id)}.json`, null, `${JSON.stringify(doc, null, 2)}\n`);
      samples[id] = n;
    }
    return samples;
  }

  private write(iv: Interval): void {
    if (!this.ruleFilter(iv.ruleId)) return;
    const s = this.tallies.get(iv.ruleId);
    const row = csvRow(populationRow(iv));
    s.popHash.update(row);
    s.popRows++;
    s.sampler?.offer(iv);
    this.out.write(`report/populations/${fileSafe(iv.ruleId)}.csv`, POPULATION_HEADER, row);
  }
}
