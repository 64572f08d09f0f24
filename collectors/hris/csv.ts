// Strict RFC 4180 CSV reading for the HR roster: every record with the line it starts on, so errors name where to look.

/** A record of the file and the physical line (1-based) it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A file that is not well-formed CSV; `line` and `column` (1-based, in characters) say where. */
export class CsvSyntaxError extends Error {
  constructor(readonly line: number, readonly column: number, readonly detail: string) {
    super(`line ${line}, column ${column}: ${detail}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * Parses CSV text: fields separated by commas, records by CRLF or LF, fields optionally in double quotes (which may
 * hold commas, line breaks and doubled quotes). A leading UTF-8 byte-order mark is skipped. Blank lines are skipped.
 * Strict where lenient readers guess: a quote inside an unquoted field, text after a closing quote, or a quoted field
 * never closed is a CsvSyntaxError, since a guess could shift every later column of the row.
 */
export function parseCsvRecords(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const out: CsvRecord[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text.charCodeAt(i) === 34 /* " */) {
        const openLine = line;
        const openCol = i - lineStart + 1;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new CsvSyntaxError(openLine, openCol, 'quoted field is never closed');
          const chunk = text.slice(i, q);
          field += chunk;
          for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) {
            line++;
            lineStart = i + k + 1;
          }
          i = q + 1;
          if (text.charCodeAt(i) === 34) {
            field += '"';
            i++;
            continue;
          }
          break;
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== 44 && c !== 10 && c !== 13) throw new CsvSyntaxError(line, i - lineStart + 1, 'text after the closing quote of a quoted field');
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          if (c === 34) throw new CsvSyntaxError(line, j - lineStart + 1, 'a double quote inside an unquoted field (quote the whole field and double the quote)');
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      // end of record: CRLF, LF, lone CR, or end of input
      if (c === 13) i += text.charCodeAt(i + 1) === 10 ? 2 : 1;
      else if (c === 10) i++;
      if (i <= n && (c === 10 || c === 13)) {
        line++;
        lineStart = i;
      }
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: recordLine, fields });
  }
  return out;
}
