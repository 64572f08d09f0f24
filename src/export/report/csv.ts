// CSV text for report files, and the writer that puts each file's header first.
import type { ReportSink } from './types.js';

export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (fields: unknown[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** Safe file-name form of a rule id (ids are dotted lower-case already; anything else is escaped). */
export function fileSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Writes report files to a sink: a CSV file's header goes out before its first row, and an empty file still gets one. */
export class ReportOut {
  private readonly started = new Set<string>();
  constructor(readonly sink: ReportSink) {}

  write(path: string, header: string[] | null, text: string | Buffer): void {
    if (header && !this.started.has(path)) {
      this.started.add(path);
      this.sink.write(path, csvRow(header));
    }
    this.sink.write(path, text);
  }

  has(path: string): boolean {
    return this.started.has(path);
  }

  /** The file is complete: the sink may release it, and a later write would start it again. */
  end(path: string): void {
    this.sink.end?.(path);
    this.started.delete(path);
  }
}
