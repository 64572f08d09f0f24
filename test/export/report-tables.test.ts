// The event-CSV capture behind report.html's tables: every write passes through unchanged; header, first rows and totals are kept; quoting is read back exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsvRecords, TableCapture } from '../../src/export/report-tables.js';
import { csvField } from '../../src/export/report.js';

const row = (fields: string[]) => `${fields.map(csvField).join(',')}\r\n`;

describe('TableCapture', () => {
  it('passes every write on and keeps the header, the first rows and the total of the tracked files only', () => {
    const seen: string[] = [];
    const ended: string[] = [];
    const cap = new TableCapture({ write: (p, t) => seen.push(`${p}|${t}`), end: (p) => ended.push(p) }, new Set(['a.csv']), 2);
    cap.write('a.csv', row(['h1', 'h2']));
    cap.write('a.csv', row(['1', 'x, "quoted"']) + row(['2', 'line\nbreak']));
    cap.write('a.csv', '');
    cap.write('a.csv', row(['3', '']));
    cap.write('b.csv', row(['other']));
    cap.end('a.csv');
    expect(seen).toHaveLength(5);
    expect(ended).toEqual(['a.csv']);
    expect(cap.table('a.csv')).toEqual({ header: ['h1', 'h2'], rows: [['1', 'x, "quoted"'], ['2', 'line\nbreak']], total: 3 });
    expect(cap.table('b.csv')).toBeUndefined();
  });

  it('reads back any fields csvField wrote', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'é') }), { minLength: 1, maxLength: 5 }), { maxLength: 6 }), (rows) => {
        expect(parseCsvRecords(rows.map(row).join(''))).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });
});
