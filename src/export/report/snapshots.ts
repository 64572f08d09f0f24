// snapshots/<rule>/<date>.csv.gz: the state per day (each scope's last run of the day), written whole once every scope has moved past the day.
import { csvRow, fileSafe, type ReportOut } from './csv.js';
import type { ResultsReader } from './results.js';

export const SNAPSHOT_HEADER = ['run_seq', 'run_leaf_hash', 'slot', 'source', 'scope', 'resource', 'status', 'reason'];

interface DayRef {
  date: string;
  seq: number;
  hash: string;
  slot: string;
  sha: string;
  scope: string;
  source: string;
}

export class Snapshots {
  /** Each scope's latest run, by scope key. */
  private readonly lastOfDay = new Map<string, DayRef>();
  /** Days some scope has moved past, waiting until every scope has, so each snapshot file is written whole and released. */
  private readonly pendingDays = new Map<string, Map<string, DayRef>>();

  constructor(private readonly out: ReportOut, private readonly results: ResultsReader, private readonly ruleFilter: (id: string) => boolean) {}

  /** A run of scope `key` on local `date`; a run on a new day completes the scope's previous day. */
  async run(key: string, ref: DayRef): Promise<void> {
    const prev = this.lastOfDay.get(key);
    if (prev && prev.date !== ref.date) await this.flush(key);
    this.lastOfDay.set(key, ref);
  }

  async finish(): Promise<void> {
    for (const key of [...this.lastOfDay.keys()].sort()) await this.flush(key, true);
    for (const date of [...this.pendingDays.keys()].sort()) await this.writeDay(date, this.pendingDays.get(date)!);
  }

  private async writeDay(date: string, refs: Map<string, DayRef>): Promise<void> {
    // Rows go straight to each rule's file, scope by scope; every file of the day is complete after the last scope.
    const paths = new Set<string>();
    for (const key of [...refs.keys()].sort()) {
      const d = refs.get(key)!;
      for (const r of await this.results.results(d.sha)) {
        if (!this.ruleFilter(r.ruleId)) continue;
        const path = `report/snapshots/${fileSafe(r.ruleId)}/${date}.csv.gz`;
        paths.add(path);
        this.out.write(path, SNAPSHOT_HEADER, csvRow([d.seq, d.hash, d.slot, d.source, d.scope, r.resourceId, r.status, r.reason]));
      }
    }
    for (const path of [...paths].sort()) this.out.end(path);
  }

  private async flush(key: string, final = false): Promise<void> {
    const d = this.lastOfDay.get(key);
    if (d) {
      let refs = this.pendingDays.get(d.date);
      if (!refs) {
        refs = new Map();
        this.pendingDays.set(d.date, refs);
      }
      refs.set(key, d);
    }
    if (final) return;
    for (const date of [...this.pendingDays.keys()].sort()) {
      if ([...this.lastOfDay.entries()].some(([k, x]) => k !== key && x.date <= date)) break;
      await this.writeDay(date, this.pendingDays.get(date)!);
      this.pendingDays.delete(date);
    }
  }
}
