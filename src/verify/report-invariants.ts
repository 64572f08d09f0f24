// Facts a report must hold whatever code wrote it, checked by verify besides the byte-for-byte recomputation (which only proves the exporter ran).
// Deliberately not built on src/export/: columns are found by name in each file's header, and the leaves are read as they are.
import type { LeafRecord } from '../export/report.js';

export interface InvariantFault {
  code: 'REPORT_INVARIANT';
  file: string;
  seq?: number;
  message: string;
}

/** The register columns an auditor needs filled to judge an acceptance. */
const REGISTER_REQUIRED = ['id', 'rule', 'resource', 'requester', 'approver', 'granted', 'expires', 'reason'];
const DEVIATION_COLUMNS = ['rule', 'resource', 'source', 'scope', 'first_detected_seq', 'first_detected_at', 'opened_at', 'closed_seq'];
const STATUSES = ['pass', 'fail', 'error', 'not_applicable'];
/** The files every report has, whatever its period; Type 2 adds the ones about time. */
const EXPECTED_FILES = ['summary.json', 'coverage.csv', 'risk-acceptances.csv', 'changes.csv', 'oscal-assessment-results.json', 'report.html'];
const EXPECTED_TYPE2_FILES = ['timeline.csv', 'gaps.csv', 'deviations.csv'];

interface SeenLeaf {
  type: string;
  at: string;
  source: string;
  scope: string;
  ruleId: string;
  resourceId: string;
  to: unknown;
}

/** A report CSV: its header, and its rows read one at a time (a year's deviations are not held parsed). */
type Table = { header: string[]; rows: () => Iterable<string[]>; count: number };

/**
 * Reads the report files it needs from the bundle up front (small: register, deviations, gaps, summary), notes the
 * leaves those rows point at while the report is recomputed (`tap`), then `check()` lists what does not hold.
 */
export class ReportInvariants {
  private readonly faults: InvariantFault[] = [];
  private readonly summary: Record<string, unknown> | undefined;
  private readonly deviations: Table | undefined;
  /** Leaves deviation rows name as their first observation, by seq. */
  private readonly wanted = new Map<number, SeenLeaf | null>();
  private readonly gaps: Table | undefined;
  /** `outage.declared` leaves gaps.csv rows name, by seq. */
  private readonly declared = new Map<number, { at: string; source: string; scope: string | undefined; from: string; to: string } | null>();
  private sliceStart: number | undefined;

  constructor(
    private readonly read: (path: string) => Buffer | undefined,
    private readonly has: (path: string) => boolean = (path) => read(path) !== undefined,
  ) {
    const text = read('report/summary.json')?.toString('utf8');
    try {
      this.summary = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      this.fault('report/summary.json', 'is not JSON');
    }
    this.deviations = this.table('report/deviations.csv', DEVIATION_COLUMNS);
    const seqCol = this.deviations?.header.indexOf('first_detected_seq') ?? -1;
    for (const r of this.deviations?.rows() ?? []) if (/^\d+$/.test(r[seqCol] ?? '')) this.wanted.set(Number(r[seqCol]), null);
    this.gaps = this.table('report/gaps.csv', []);
    const dCol = this.gaps?.header.indexOf('declared_seq') ?? -1;
    if (dCol >= 0) for (const r of this.gaps!.rows()) if (/^\d+$/.test(r[dCol] ?? '')) this.declared.set(Number(r[dCol]), null);
  }

  /** Passes the slice's leaves through unchanged, keeping only those a deviation row names. */
  async *tap(leaves: AsyncIterable<LeafRecord>): AsyncIterable<LeafRecord> {
    for await (const l of leaves) {
      this.sliceStart ??= l.seq;
      if (this.wanted.has(l.seq)) {
        const b = l.body;
        const s = (v: unknown): string => (typeof v === 'string' ? v : '');
        this.wanted.set(l.seq, { type: s(b.type), at: s(b.observedAt), source: s(b.source), scope: s(b.scope), ruleId: s(b.ruleId), resourceId: s(b.resourceId), to: b.to });
      }
      if (this.declared.has(l.seq) && l.body.type === 'outage.declared') {
        const b = l.body;
        const s = (v: unknown): string => (typeof v === 'string' ? v : '');
        this.declared.set(l.seq, { at: s(b.observedAt), source: s(b.source), scope: typeof b.scope === 'string' ? b.scope : undefined, from: s(b.from), to: s(b.to) });
      }
      yield l;
    }
  }

  check(): InvariantFault[] {
    const expected = [...EXPECTED_FILES, ...(this.summary?.type === 1 ? [] : EXPECTED_TYPE2_FILES)];
    for (const f of expected) if (!this.has(`report/${f}`)) this.fault(`report/${f}`, 'is missing: every report has it');
    this.checkRegister();
    this.checkDeviations();
    this.checkDeclaredOutages();
    this.checkTotals();
    return this.faults;
  }

  /** Every register row names the exception, its rule and resource, who asked, who approved, when, until when, and why. */
  private checkRegister(): void {
    const t = this.table('report/risk-acceptances.csv', REGISTER_REQUIRED);
    let i = 0;
    for (const r of t?.rows() ?? []) {
      const empty = REGISTER_REQUIRED.filter((c) => (r[t!.header.indexOf(c)] ?? '').trim() === '');
      if (empty.length > 0) this.fault('report/risk-acceptances.csv', `row ${i + 1} (line ${i + 2}, id ${JSON.stringify(r[t!.header.indexOf('id')] ?? '')}) has no ${empty.join(', ')}`);
      else this.checkActiveAtStart(t!, r, i);
      i++;
    }
  }

  /**
   * A row `active_at_start` yes was granted before the period start (Type 1: the instant) and expires after it; a row
   * `no` was granted or ended in the period. Older bundles without the column are not checked.
   */
  private checkActiveAtStart(t: Table, r: string[], i: number): void {
    const col = (c: string): string => r[t.header.indexOf(c)] ?? '';
    if (!t.header.includes('active_at_start')) return;
    const period = (this.summary?.period ?? {}) as { start?: unknown; at?: unknown };
    const start = typeof period.start === 'string' ? period.start : typeof period.at === 'string' ? period.at : undefined;
    if (start === undefined) return;
    const s = Date.parse(start);
    const where = `row ${i + 1} (line ${i + 2}, id ${JSON.stringify(col('id'))})`;
    const flag = col('active_at_start');
    if (flag === 'yes' && !(Date.parse(col('granted')) < s && Date.parse(col('expires')) > s)) {
      this.fault('report/risk-acceptances.csv', `${where} is marked active at the start ${start}, but was granted ${col('granted')} and expires ${col('expires')}`);
    } else if (flag === 'no' && Date.parse(col('granted')) < s && col('ended_seq') === '') {
      this.fault('report/risk-acceptances.csv', `${where} was granted ${col('granted')}, before the start ${start}, and has no end leaf in the period, yet is not marked active at the start`);
    } else if (flag !== 'yes' && flag !== 'no') this.fault('report/risk-acceptances.csv', `${where} has active_at_start ${JSON.stringify(flag)}, not yes or no`);
  }

  /** A deviation opens at a leaf of the slice that observed it: a run of its scope, or a change of its rule and resource to fail. */
  private checkDeviations(): void {
    const t = this.deviations;
    if (!t) return;
    const col = (r: string[], c: string): string => r[t.header.indexOf(c)] ?? '';
    const start = this.summary?.period && typeof (this.summary.period as { start?: unknown }).start === 'string' ? (this.summary.period as { start: string }).start : undefined;
    let i = -1;
    for (const r of t.rows()) {
      i++;
      const where = `row ${i + 1} (line ${i + 2}, ${col(r, 'rule')} on ${col(r, 'resource')})`;
      const opened = col(r, 'opened_at');
      const seqText = col(r, 'first_detected_seq');
      if (!/^\d+$/.test(seqText)) {
        this.fault('report/deviations.csv', `${where} names no first observation (first_detected_seq ${JSON.stringify(seqText)})`);
        continue;
      }
      const seq = Number(seqText);
      const leaf = this.wanted.get(seq);
      if (!leaf) {
        const before = this.sliceStart !== undefined && seq < this.sliceStart ? ` before the slice's first leaf ${this.sliceStart}` : ' not in the slice';
        this.fault('report/deviations.csv', `${where} starts at leaf ${seq},${before}: no evidence in the bundle observed it`, seq);
        continue;
      }
      const ok = leaf.source === col(r, 'source') && leaf.scope === col(r, 'scope') &&
        (leaf.type === 'run' || (leaf.type === 'change' && leaf.ruleId === col(r, 'rule') && leaf.resourceId === col(r, 'resource') && leaf.to === 'fail'));
      if (!ok) {
        this.fault('report/deviations.csv', `${where} names leaf ${seq} (${leaf.type} of ${leaf.source}/${leaf.scope}), which did not observe this failure`, seq);
        continue;
      }
      if (opened !== leaf.at || col(r, 'first_detected_at') !== leaf.at) this.fault('report/deviations.csv', `${where} opens at ${opened}, but its first observation (leaf ${seq}) is at ${leaf.at}`, seq);
      if (start !== undefined && Date.parse(opened) < Date.parse(start)) this.fault('report/deviations.csv', `${where} opens at ${opened}, before the period start ${start}`, seq);
    }
  }

  /**
   * A `declared outage` row names an `outage.declared` leaf of the slice, recorded before the period end, of its source
   * (and scope, unless the declaration covers every scope), whose window holds the row's bounds; any other row names none.
   */
  private checkDeclaredOutages(): void {
    const t = this.gaps;
    if (!t || !t.header.includes('declared_seq')) return;
    const end = (this.summary?.period as { end?: unknown } | undefined)?.end;
    let i = -1;
    for (const r of t.rows()) {
      i++;
      const col = (c: string): string => r[t.header.indexOf(c)] ?? '';
      const where = `row ${i + 1} (line ${i + 2}, leaf ${col('seq')}, ${col('kind')})`;
      const seqText = col('declared_seq');
      if (col('kind') !== 'declared outage') {
        if (seqText !== '') this.fault('report/gaps.csv', `${where} names declaration ${seqText} but is not a declared outage`);
        continue;
      }
      const d = /^\d+$/.test(seqText) ? this.declared.get(Number(seqText)) : undefined;
      if (!d) {
        this.fault('report/gaps.csv', `${where} names declaration ${JSON.stringify(seqText)}, which is no outage.declared leaf of the slice`);
        continue;
      }
      const covers = d.source === col('source') && (d.scope === undefined || d.scope === col('scope')) && Date.parse(d.from) <= Date.parse(col('from')) && Date.parse(col('to')) <= Date.parse(d.to);
      if (!covers) this.fault('report/gaps.csv', `${where} [${col('from')}, ${col('to')}] of ${col('source')}/${col('scope')} is not inside declaration ${seqText} (${d.source}/${d.scope ?? '*'} [${d.from}, ${d.to}])`);
      if (col('declared_at') !== d.at || (typeof end === 'string' && Date.parse(d.at) >= Date.parse(end))) this.fault('report/gaps.csv', `${where} says declared at ${col('declared_at')}; declaration ${seqText} was recorded at ${d.at}${typeof end === 'string' ? `, and must be before the period end ${end}` : ''}`);
    }
  }

  /** Every total in summary.json equals the rows or per-rule figures it sums. */
  private checkTotals(): void {
    const s = this.summary;
    if (!s) return;
    const rules = (s.rules ?? {}) as Record<string, { evaluations?: number; counts?: Record<string, number> }>;
    const totals = (s.evaluations ?? {}) as Record<string, number>;
    for (const st of STATUSES) {
      const sum = Object.values(rules).reduce((n, r) => n + (r.counts?.[st] ?? 0), 0);
      if (totals[st] !== sum) this.fault('report/summary.json', `evaluations.${st} is ${String(totals[st])}, but the rules' ${st} counts add up to ${sum}`);
    }
    for (const [id, r] of Object.entries(rules)) {
      const sum = STATUSES.reduce((n, st) => n + (r.counts?.[st] ?? 0), 0);
      if (r.evaluations !== sum) this.fault('report/summary.json', `rules.${id}.evaluations is ${String(r.evaluations)}, but its counts add up to ${sum}`);
    }
    const register = this.table('report/risk-acceptances.csv', []);
    if (register && s.riskAcceptances !== register.count) this.fault('report/summary.json', `riskAcceptances is ${String(s.riskAcceptances)}, but risk-acceptances.csv has ${register.count} rows`);
    if (s.type !== 2) return;
    const gaps = this.gaps;
    if (gaps && s.gaps !== gaps.count) this.fault('report/summary.json', `gaps is ${String(s.gaps)}, but gaps.csv has ${gaps.count} rows`);
    const d = (s.deviations ?? {}) as { closed?: number; openAtEnd?: number };
    const t = this.deviations;
    if (t) {
      let closed = 0;
      for (const r of t.rows()) if ((r[t.header.indexOf('closed_seq')] ?? '') !== '') closed++;
      if (d.closed !== closed) this.fault('report/summary.json', `deviations.closed is ${String(d.closed)}, but deviations.csv has ${closed} closed rows`);
      if (d.openAtEnd !== t.count - closed) this.fault('report/summary.json', `deviations.openAtEnd is ${String(d.openAtEnd)}, but deviations.csv has ${t.count - closed} open rows`);
    }
  }

  /** A CSV file of the report with the columns it must have; undefined (and a fault if they are missing) otherwise. */
  private table(path: string, columns: string[]): Table | undefined {
    const text = this.read(path)?.toString('utf8');
    if (text === undefined) return undefined;
    const first = csvRecords(text)[Symbol.iterator]().next();
    const header = first.done ? [] : first.value;
    const missing = columns.filter((c) => !header.includes(c));
    if (missing.length > 0) {
      this.fault(path, `has no column ${missing.join(', ')}`);
      return undefined;
    }
    const rows = function* (): Iterable<string[]> {
      let skip = true;
      for (const r of csvRecords(text)) if (skip) skip = false;
      else yield r;
    };
    let count = 0;
    for (const _ of rows()) count++;
    return { header, rows, count };
  }

  private fault(file: string, message: string, seq?: number): void {
    this.faults.push({ code: 'REPORT_INVARIANT', file, ...(seq !== undefined ? { seq } : {}), message });
  }
}

/** RFC 4180 records, header included (CRLF or LF line ends, quoted fields with doubled quotes). */
export function parseCsv(text: string): string[][] {
  return [...csvRecords(text)];
}

/** The records of a CSV text one at a time. */
export function* csvRecords(text: string): Iterable<string[]> {
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      row.push(field);
      yield row;
      (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length > 0) yield [...row, field];
}
