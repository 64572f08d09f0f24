// snapshots/<rule>/<date>.csv.gz: the state per day (each scope's last run of the day), written whole once every scope has moved past the day.
import { csvField, csvRow, fileSafe, type ReportOut } from './csv.js';
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
 * One results blob as snapshot bytes, per rule (in the blob's order): the `resource,status,reason\r\n` tails of its rows
 * in one buffer, and where each row ends. A row is its run's columns followed by that tail, and from one day to the
 * next an unchanged result differs only in the run columns, so the tails are built once per blob and each day's file
 * is copies of byte ranges. Held as bytes, off the JavaScript heap: a year of runs at 10,000 resources made the
 * collector copy and trace ~15,000 tail strings per scope over and over.
 */
interface RuleTails {
  bytes: Buffer;
  ends: Uint32Array;
}
type RowTails = Map<string, RuleTails>;

const HEADER_BYTES = Buffer.from(csvRow(SNAPSHOT_HEADER), 'utf8');

/**
 * The tails of one blob's results, grouped by rule in order of first appearance. Each rule's tails are joined from their
 * fields in one pass (no string per row: a blob's ~15,000 row strings all lived until the join, and the young-generation
 * collector copied them); row ends come from the fields' lengths, which are their UTF-8 byte lengths when the text is ASCII.
 */
function buildTails(results: ReadonlyArray<{ ruleId: string; resourceId: string; status: string; reason: string }>, ruleFilter: (id: string) => boolean): RowTails {
  const byRule = new Map<string, { parts: string[]; lens: number[] }>();
  for (const r of results) {
    if (!ruleFilter(r.ruleId)) continue;
    let t = byRule.get(r.ruleId);
    if (!t) {
      t = { parts: [], lens: [] };
      byRule.set(r.ruleId, t);
    }
    const a = csvField(r.resourceId);
    const b = csvField(r.status);
    const c = csvField(r.reason);
    t.parts.push(a, ',', b, ',', c, '\r\n');
    t.lens.push(a.length + b.length + c.length + 4);
  }
  const rows: RowTails = new Map();
  for (const [ruleId, { parts, lens }] of byRule) {
    const text = parts.join('');
    const bytes = Buffer.from(text, 'utf8');
    const ends = new Uint32Array(lens.length);
    let at = 0;
    if (bytes.length === text.length) for (let i = 0; i < lens.length; i++) ends[i] = at += lens[i]!;
    else for (let i = 0; i < lens.length; i++) ends[i] = at += Buffer.byteLength(parts.slice(i * 6, i * 6 + 6).join(''), 'utf8');
    rows.set(ruleId, { bytes, ends });
  }
  return rows;
}

/** One rule's snapshot file for a day: the header, then per scope (in order) each row as the scope's run columns + its tail. */
function snapshotFile(scopes: ReadonlyArray<{ head: Buffer; rows: RowTails }>, ruleId: string): Buffer {
  let size = HEADER_BYTES.length;
  for (const { head, rows } of scopes) {
    const t = rows.get(ruleId);
    if (t) size += head.length * t.ends.length + t.bytes.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = HEADER_BYTES.copy(out, 0);
  for (const { head, rows } of scopes) {
    const t = rows.get(ruleId);
    if (!t) continue;
    let from = 0;
    for (let i = 0; i < t.ends.length; i++) {
      const to = t.ends[i]!;
      at += head.copy(out, at);
      at += t.bytes.copy(out, at, from, to);
      from = to;
    }
  }
  return out;
}

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
    const rows = buildTails(await this.results.results(sha), this.ruleFilter);
    this.tails.set(key, { sha, rows });
    return rows;
  }

  private async writeDay(date: string, refs: Map<string, DayRef>): Promise<void> {
    // Each rule's file is its rows scope by scope (scopes in key order, results in blob order), written and ended whole,
    // one file at a time.
    const scopes: Array<{ head: Buffer; rows: RowTails }> = [];
    const paths = new Map<string, string>();
    for (const key of [...refs.keys()].sort()) {
      const d = refs.get(key)!;
      const rows = await this.rowTails(key, d.sha);
      scopes.push({ head: Buffer.from(`${csvField(d.seq)},${csvField(d.hash)},${csvField(d.slot)},${csvField(d.source)},${csvField(d.scope)},`, 'utf8'), rows });
      for (const ruleId of rows.keys()) if (!paths.has(ruleId)) paths.set(ruleId, `report/snapshots/${fileSafe(ruleId)}/${date}.csv.gz`);
    }
    for (const [ruleId, path] of [...paths].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))) {
      this.out.write(path, null, snapshotFile(scopes, ruleId));
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
