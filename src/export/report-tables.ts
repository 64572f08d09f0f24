// Keeps the first rows of the report's event CSVs (deviations, gaps, risk acceptances, changes) as they stream to the sink, so report.html can show them as tables.

/** The part of report.ts's ReportSink used here (not imported: report.ts imports this module). */
interface Sink {
  write(path: string, text: string | Buffer): void;
  end?(path: string): void;
}

/** One CSV as report.html shows it: its header, its first rows, and how many rows it has in all. */
export interface CapturedTable {
  header: string[];
  rows: string[][];
  total: number;
}

/** Rows of one CSV shown in report.html; the rest are counted and left to the CSV, which is always whole. */
export const HTML_TABLE_ROWS = 200;

/** Parses complete CSV records (RFC 4180 quoting, CRLF or LF line ends), as report.ts's csvRow writes them. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/**
 * A sink that passes every write on and keeps the first rows of the named CSVs. Every write report.ts makes is whole
 * records (csvRow ends each with CRLF), so each is parsed on its own; the first record of a path is its header.
 */
export class TableCapture implements Sink {
  private readonly tables = new Map<string, CapturedTable>();

  constructor(
    private readonly inner: Sink,
    private readonly paths: ReadonlySet<string>,
    private readonly limit = HTML_TABLE_ROWS,
  ) {}

  write(path: string, text: string | Buffer): void {
    this.inner.write(path, text);
    if (!this.paths.has(path) || text.length === 0) return;
    let t = this.tables.get(path);
    for (const rec of parseCsvRecords(typeof text === 'string' ? text : text.toString('utf8'))) {
      if (!t) {
        t = { header: rec, rows: [], total: 0 };
        this.tables.set(path, t);
        continue;
      }
      t.total++;
      if (t.rows.length < this.limit) t.rows.push(rec);
    }
  }

  end(path: string): void {
    this.inner.end?.(path);
  }

  /** The captured table of `path`, or undefined when nothing was written to it. */
  table(path: string): CapturedTable | undefined {
    return this.tables.get(path);
  }
}
