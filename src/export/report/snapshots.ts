// snapshots/<rule>/<date>.csv.gz: the state per day (each scope's last run of the day), written whole once every scope has moved past the day.
import { csvField, fileSafe, type ReportOut } from './csv.js';
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

/**
 * One results blob as snapshot text: per rule (in the blob's order), the `resource,status,reason` tail of each row.
 * A row is its run's columns followed by that tail, and from one day to the next an unchanged result differs only in
 * the run columns, so the tails are built once per blob and each day's file is a few joins, not a row at a time.
 */
type RowTails = Map<string, string[]>;

export class Snapshots {
  /** Each scope's latest run, by scope key. */
  private readonly lastOfDay = new Map<string, DayRef>();
  /** Days some scope has moved past, waiting until every scope has, so each snapshot file is written whole and released. */
  private readonly pendingDays = new Map<string, Map<string, DayRef>>();
  /** Row tails of the blob each scope's snapshot last used (a scope's blob changes only when one of its results does). */
  private readonly tails = new Map<string, { sha: string; rows: RowTails }>();

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

  private async rowTails(key: string, sha: string): Promise<RowTails> {
    const cached = this.tails.get(key);
    if (cached?.sha === sha) return cached.rows;
    const rows: RowTails = new Map();
    for (const r of await this.results.results(sha)) {
      if (!this.ruleFilter(r.ruleId)) continue;
      let list = rows.get(r.ruleId);
      if (!list) {
        list = [];
        rows.set(r.ruleId, list);
      }
      list.push(`${csvField(r.resourceId)},${csvField(r.status)},${csvField(r.reason)}`);
    }
    this.tails.set(key, { sha, rows });
    return rows;
  }

  private async writeDay(date: string, refs: Map<string, DayRef>): Promise<void> {
    // Each rule's file is its rows scope by scope (scopes in key order, results in blob order), written and ended whole,
    // one file at a time.
    const scopes: Array<{ head: string; rows: RowTails }> = [];
    const paths = new Map<string, string>();
    for (const key of [...refs.keys()].sort()) {
      const d = refs.get(key)!;
      const rows = await this.rowTails(key, d.sha);
      scopes.push({ head: `${csvField(d.seq)},${csvField(d.hash)},${csvField(d.slot)},${csvField(d.source)},${csvField(d.scope)},`, rows });
      for (const ruleId of rows.keys()) if (!paths.has(ruleId)) paths.set(ruleId, `report/snapshots/${fileSafe(ruleId)}/${date}.csv.gz`);
    }
    for (const [ruleId, path] of [...paths].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))) {
      const parts: string[] = [];
      for (const { head, rows } of scopes) {
        const tails = rows.get(ruleId);
        if (tails) parts.push(head, tails.join(`\r\n${head}`), '\r\n');
      }
      this.out.write(path, SNAPSHOT_HEADER, parts.join(''));
      this.out.end(path);
    }
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
