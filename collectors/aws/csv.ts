// RFC 4180 CSV parsing for the IAM credential report: quoted fields, doubled quotes, CRLF or LF, optional final newline.

/** Parses CSV text into rows of fields. Throws on an unterminated quoted field. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  let quoted = false;
  // a quoted empty field ("") is a field even though it adds no characters
  let opened = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34 /* " */) {
        if (text.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      // copy a run of ordinary characters at once: much faster than char-by-char on large reports
      const next = text.indexOf('"', i);
      if (next === -1) throw new Error(`unterminated quoted field in row ${rows.length + 1}`);
      field += text.slice(i, next);
      i = next;
      continue;
    }
    if (c === 34 && field === '') {
      quoted = true;
      opened = true;
      i++;
    } else if (c === 44 /* , */) {
      row.push(field);
      field = '';
      i++;
    } else if (c === 10 /* \n */ || c === 13 /* \r */) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      opened = false;
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    } else {
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 44 || d === 10 || d === 13 || d === 34) break;
        j++;
      }
      if (j === i) {
        // a quote in the middle of an unquoted field: keep it literally, as lenient readers do
        field += text[i];
        j = i + 1;
      } else field += text.slice(i, j);
      i = j;
    }
  }
  if (quoted) throw new Error(`unterminated quoted field in row ${rows.length + 1}`);
  if (field !== '' || row.length > 0 || opened) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Rows as objects keyed by the header row; columns are found by name so AWS may add or reorder them. */
export function csvRecords(text: string): { header: string[]; records: Array<Record<string, string>>; ragged: number } {
  const rows = parseCsv(text);
  const header = rows[0] ?? [];
  const body = rows.slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
  // a row with another number of fields than the header is a cut-short or garbled report, not a row of blanks
  const ragged = body.filter((r) => r.length !== header.length).length;
  const records = body.map((r) => {
    const o: Record<string, string> = {};
    header.forEach((h, k) => {
      o[h] = r[k] ?? '';
    });
    return o;
  });
  return { header, records, ragged };
}
