// The credential report CSV parser against RFC 4180 cases and a round-trip property.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvRecords, parseCsv } from '../../collectors/aws/csv.js';

describe('credential report CSV parsing (RFC 4180)', () => {
  it('handles quoted fields, doubled quotes, embedded commas and newlines, CRLF and a final newline', () => {
    expect(parseCsv('a,b\r\n"x,1","he said ""hi"""\r\n"multi\nline",\n')).toEqual([
      ['a', 'b'],
      ['x,1', 'he said "hi"'],
      ['multi\nline', ''],
    ]);
    expect(parseCsv('a,b')).toEqual([['a', 'b']]);
    expect(() => parseCsv('a,"open\n')).toThrow(/unterminated/);
  });

  it('reads records by column name, so added or reordered columns do not shift values', () => {
    const { records } = csvRecords('arn,user,new_column\narn:aws:iam::1:user/a,a,x\n');
    expect(records).toEqual([{ arn: 'arn:aws:iam::1:user/a', user: 'a', new_column: 'x' }]);
  });

  it('parses back whatever an RFC 4180 writer produced', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ',', '"', '\n', '\r\n', ' ', '/', ':', '<') });
    const quote = (s: string) => (/[",\r\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s);
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), (rows) => {
        const text = rows.map((r) => r.map(quote).join(',')).join('\r\n');
        expect(parseCsv(text)).toEqual(rows);
      }),
    );
  });
});
