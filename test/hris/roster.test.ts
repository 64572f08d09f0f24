// The HR roster CSV: RFC 4180 records with their lines, and every kind of bad roster turned into a named error.
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsvRecords } from '../../collectors/hris/csv.js';
import { isIsoDate, readRoster, MAX_PROBLEMS_NAMED } from '../../collectors/hris/roster.js';
import { hrisConfigSchema } from '../../collectors/hris/config.js';

const config = hrisConfigSchema.parse({ file: 'x.csv' });
const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';
const roster = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
const problems = (text: string, cfg = config) => {
  const r = readRoster(text, cfg);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
};

describe('parseCsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and gives each record its starting line', () => {
    const text = 'a,b,c\r\n"x, y","he said ""hi""","two\r\nlines"\r\nlast,,\r\n';
    expect(parseCsvRecords(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'he said "hi"', 'two\r\nlines'] },
      { line: 4, fields: ['last', '', ''] },
    ]);
  });

  it('skips a UTF-8 byte-order mark and blank lines, and takes a last record with no final newline', () => {
    expect(parseCsvRecords('\uFEFFa,b\n\nc,d')).toEqual([{ line: 1, fields: ['a', 'b'] }, { line: 3, fields: ['c', 'd'] }]);
  });

  it.each([
    ['a,"b\nc,d\n', 1, 3, 'never closed'],
    ['a,b\nc,d"e\n', 2, 4, 'double quote inside an unquoted field'],
    ['a,b\n"c"x,d\n', 2, 4, 'after the closing quote'],
  ])('refuses %j at line %i column %i', (text, line, column, what) => {
    try {
      parseCsvRecords(text);
      throw new Error('expected a CsvSyntaxError');
    } catch (e) {
      expect(e).toBeInstanceOf(CsvSyntaxError);
      expect(e).toMatchObject({ line, column });
      expect((e as Error).message).toContain(what);
    }
  });
});

describe('isIsoDate', () => {
  it.each(['2026-03-31', '2024-02-29', '2026-03-31T17:00:00Z', '2026-03-31T17:00+02:00'])('accepts %s', (v) => expect(isIsoDate(v)).toBe(true));
  it.each(['31/03/2026', '03/31/2026', '2026-02-30', '2025-02-29', '2026-3-31', '2026-03-31T17:00:00', 'March 31, 2026', '20260331'])('refuses %s', (v) => expect(isIsoDate(v)).toBe(false));
});

describe('readRoster', () => {
  it('reads a good roster: leavers, leave, quoted names, BOM and CRLF, and lower-cases emails', () => {
    const text = '\uFEFF' + [HEADER, 'E1,Ann@X.io,"Doe, Ann",Active,2024-01-15,,,Eng', 'E2,bo@x.io,"Bo ""B"" Li",Terminated,2020-05-01,2026-11-30,ann@x.io,"Sales, EMEA"', 'E3,cy@x.io,Cy,On Leave,2023-01-01,,ann@x.io,Eng'].join('\r\n') + '\r\n';
    const r = readRoster(text, config);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.employees).toEqual([
      { employeeId: 'E1', workEmail: 'ann@x.io', name: 'Doe, Ann', status: 'active', statusRaw: 'Active', startDate: '2024-01-15', terminationDate: null, manager: null, department: 'Eng', line: 2 },
      { employeeId: 'E2', workEmail: 'bo@x.io', name: 'Bo "B" Li', status: 'terminated', statusRaw: 'Terminated', startDate: '2020-05-01', terminationDate: '2026-11-30', manager: 'ann@x.io', department: 'Sales, EMEA', line: 3 },
      { employeeId: 'E3', workEmail: 'cy@x.io', name: 'Cy', status: 'leave', statusRaw: 'On Leave', startDate: '2023-01-01', terminationDate: null, manager: 'ann@x.io', department: 'Eng', line: 4 },
    ]);
  });

  it('maps column names and status values from config, in any column order', () => {
    const cfg = hrisConfigSchema.parse({
      file: 'x.csv',
      columns: { employeeId: 'Employee #', workEmail: 'Email', terminationDate: 'Term Date', manager: null, department: null },
      statusValues: { active: ['A'], terminated: ['T'], leave: [] },
    });
    const r = readRoster('Email,Name,Employee #,Status,Start Date,Term Date\nann@x.io,Ann,7,a,2024-01-15,\nbo@x.io,Bo,8,T,2020-01-01,2026-01-01\n', cfg);
    expect(r.ok && r.employees.map((e) => [e.employeeId, e.status, e.manager])).toEqual([['7', 'active', null], ['8', 'terminated', null]]);
  });

  it('a missing column names it, and the header found', () => {
    const [p] = problems('Employee ID,Work Email,Name,Status,Start Date,Manager,Department\nE1,a@x.io,A,Active,2024-01-01,,\n');
    expect(p).toMatchObject({ code: 'HrisMissingColumn' });
    expect(p!.message).toContain('required column "Termination Date" (terminationDate) is missing');
    expect(p!.message).toContain('"Start Date"');
  });

  it('bad dates name line, column and the ISO 8601 format expected', () => {
    const ps = problems(roster('E1,a@x.io,A,Active,03/15/2024,,,Eng', 'E2,b@x.io,B,Terminated,2024-01-01,2026-02-30,,Eng'));
    expect(ps.map((p) => p.code)).toEqual(['HrisBadDate', 'HrisBadDate']);
    expect(ps[0]!.message).toBe('line 2, column 5 (Start Date): "03/15/2024" is not an ISO 8601 date (write YYYY-MM-DD, e.g. 2026-03-31, or a date-time with its zone)');
    expect(ps[1]!.message).toContain('line 3, column 6 (Termination Date): "2026-02-30"');
  });

  it('duplicate employee ids and work emails name both lines', () => {
    const ps = problems(roster('E1,a@x.io,A,Active,2024-01-01,,,Eng', 'E2,b@x.io,B,Active,2024-01-01,,,Eng', 'E1,c@x.io,C,Active,2024-01-01,,,Eng', 'E4,B@X.IO,D,Active,2024-01-01,,,Eng'));
    expect(ps).toEqual([
      { code: 'HrisDuplicateEmployeeId', message: 'line 4, column 1 (Employee ID): employee id "E1" is also on line 2' },
      { code: 'HrisDuplicateEmail', message: 'line 5, column 2 (Work Email): work email "b@x.io" is also on line 3' },
    ]);
  });

  it('an unknown status names the value and the configured ones', () => {
    const [p] = problems(roster('E1,a@x.io,A,Retired,2024-01-01,2025-01-01,,Eng'));
    expect(p!.code).toBe('HrisBadStatus');
    expect(p!.message).toContain('line 2, column 4 (Status): status "Retired" is not a configured value (statusValues: active: active, employed, current;');
  });

  it.each([
    ['a terminated row without a termination date', 'E1,a@x.io,A,Terminated,2024-01-01,,,Eng', 'HrisMissingTerminationDate'],
    ['an empty required field', 'E1,,A,Active,2024-01-01,,,Eng', 'HrisEmptyField'],
    ['a malformed email', 'E1,not-an-email,A,Active,2024-01-01,,,Eng', 'HrisBadEmail'],
    ['a termination before the start', 'E1,a@x.io,A,Terminated,2024-01-01,2023-01-01,,Eng', 'HrisTerminationBeforeStart'],
    ['a row with too few fields', 'E1,a@x.io,A,Active,2024-01-01', 'HrisRaggedRow'],
    ['an unquoted comma shifting columns', 'E1,a@x.io,Doe, Ann,Active,2024-01-01,,,Eng', 'HrisRaggedRow'],
  ])('%s is an error naming line 2', (_name, row, code) => {
    const [p] = problems(roster(row));
    expect(p).toMatchObject({ code });
    expect(p!.message).toMatch(/^line 2\b/);
  });

  it('an empty file, a header alone, a duplicated column and broken quoting are errors too', () => {
    expect(problems('')[0]!.code).toBe('HrisEmptyRoster');
    expect(problems(roster())[0]!.code).toBe('HrisEmptyRoster');
    expect(problems(`${HEADER},Status\nE1,a@x.io,A,Active,2024-01-01,,,Eng,x\n`)[0]!.code).toBe('HrisDuplicateColumn');
    const [p] = problems(roster('E1,a@x.io,"Ann,Active,2024-01-01,,,Eng'));
    expect(p).toMatchObject({ code: 'HrisBadCsv', message: 'not well-formed CSV at line 2, column 11: quoted field is never closed' });
  });

  it('names at most MAX_PROBLEMS_NAMED problems and counts the rest', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `E${i},u${i}@x.io,U,Active,01/01/2024,,,Eng`);
    const r = readRoster(roster(...rows), config);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(MAX_PROBLEMS_NAMED);
    expect(r.total).toBe(30);
  });
});

describe('hris config', () => {
  it('needs exactly one of file or url, and an https URL (http only to this machine)', () => {
    expect(hrisConfigSchema.safeParse({}).success).toBe(false);
    expect(hrisConfigSchema.safeParse({ file: 'a.csv', url: 'https://hr.example.com/r.csv' }).success).toBe(false);
    expect(hrisConfigSchema.safeParse({ url: 'http://hr.example.com/r.csv' }).success).toBe(false);
    expect(hrisConfigSchema.safeParse({ url: 'https://hr.example.com/r.csv' }).success).toBe(true);
    expect(hrisConfigSchema.safeParse({ url: 'http://127.0.0.1:8080/r.csv' }).success).toBe(true);
  });

  it('refuses a status value listed under two states', () => {
    const r = hrisConfigSchema.safeParse({ file: 'a.csv', statusValues: { active: ['Active'], terminated: ['active'] } });
    expect(r.success).toBe(false);
  });
});
