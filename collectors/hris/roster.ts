// Turns the roster CSV into `hris.employee` records, or into errors naming each bad line and column: never a partial roster.
import { EMPLOYMENT_STATUSES, type EmploymentStatus, type HrisEmployeeAttributes } from '../../src/core/contracts/hris.js';
import type { HrisConfig } from './config.js';
import { CsvSyntaxError, parseCsvRecords } from './csv.js';

/** One problem with the roster, with a stable code users can match on and a message naming line and column. */
export interface RosterProblem {
  code:
    | 'HrisBadCsv' | 'HrisEmptyRoster' | 'HrisMissingColumn' | 'HrisDuplicateColumn' | 'HrisRaggedRow' | 'HrisEmptyField'
    | 'HrisBadDate' | 'HrisBadEmail' | 'HrisBadStatus' | 'HrisDuplicateEmployeeId' | 'HrisDuplicateEmail' | 'HrisMissingTerminationDate'
    | 'HrisTerminationBeforeStart';
  message: string;
}

export type RosterResult = { ok: true; employees: HrisEmployeeAttributes[] } | { ok: false; problems: RosterProblem[]; total: number };

/** Problems named one by one before the rest are only counted: enough to fix a file, bounded for a run record. */
export const MAX_PROBLEMS_NAMED = 20;

type Field = keyof HrisConfig['columns'];
const REQUIRED: Field[] = ['employeeId', 'workEmail', 'name', 'status', 'startDate', 'terminationDate'];
const OPTIONAL: Field[] = ['manager', 'department'];

// ISO 8601 calendar date, or date-time with seconds optional, fraction optional and a zone (Z or ±hh:mm) required.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

/** Whether `v` is an ISO 8601 date (YYYY-MM-DD) or a zoned date-time naming a real calendar day. */
export function isIsoDate(v: string): boolean {
  const m = ISO_DATE.exec(v) ?? ISO_DATE_TIME.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(v));
}

/** The leading date of an ISO value, for comparing dates with date-times. */
const datePart = (v: string) => v.slice(0, 10);

/**
 * Reads the roster: header row located by the configured column names, every row checked (each required field present,
 * dates ISO 8601, email well-formed, status one of the configured values, termination date on every terminated row,
 * employee ids and work emails unique). Any problem makes the result `ok: false` with every problem found.
 */
export function readRoster(text: string, config: Pick<HrisConfig, 'columns' | 'statusValues'>): RosterResult {
  let records;
  try {
    records = parseCsvRecords(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return fail([{ code: 'HrisBadCsv', message: `not well-formed CSV at ${e.message}` }]);
    throw e;
  }
  const [header, ...rows] = records;
  if (!header) return fail([{ code: 'HrisEmptyRoster', message: 'the roster is empty: no header row and no employees' }]);
  const problems: RosterProblem[] = [];
  const names = header.fields.map((h) => h.trim().toLowerCase());
  names.forEach((h, k) => {
    const first = names.indexOf(h);
    if (first !== k && h !== '') problems.push({ code: 'HrisDuplicateColumn', message: `line ${header.line}: column "${header.fields[k]!.trim()}" appears twice (columns ${first + 1} and ${k + 1})` });
  });
  const index = {} as Record<Field, number | null>;
  for (const f of [...REQUIRED, ...OPTIONAL]) {
    const want = config.columns[f];
    if (want === null) {
      index[f] = null;
      continue;
    }
    const k = names.indexOf(want.toLowerCase());
    if (k === -1) {
      problems.push({ code: 'HrisMissingColumn', message: `line ${header.line}: required column "${want}" (${f}) is missing; the header has ${header.fields.map((h) => `"${h.trim()}"`).join(', ')}${f === 'manager' || f === 'department' ? ` (set columns.${f}: null if the export has none)` : ''}` });
    }
    index[f] = k === -1 ? null : k;
  }
  if (problems.length > 0) return fail(problems);
  if (rows.length === 0) return fail([{ code: 'HrisEmptyRoster', message: `the roster has a header (line ${header.line}) but no employees` }]);

  const statusOf = new Map<string, EmploymentStatus>();
  for (const s of EMPLOYMENT_STATUSES) for (const v of config.statusValues[s]) statusOf.set(v.trim().toLowerCase(), s);
  const known = EMPLOYMENT_STATUSES.map((s) => `${s}: ${config.statusValues[s].join(', ') || '(none)'}`).join('; ');
  const byId = new Map<string, number>();
  const byEmail = new Map<string, number>();
  const employees: HrisEmployeeAttributes[] = [];
  for (const row of rows) {
    const at = (f: Field) => `line ${row.line}, column ${index[f]! + 1} (${config.columns[f]})`;
    if (row.fields.length !== header.fields.length) {
      problems.push({ code: 'HrisRaggedRow', message: `line ${row.line}: ${row.fields.length} fields where the header has ${header.fields.length} (an unquoted comma, or a cut-short row)` });
      continue;
    }
    const get = (f: Field) => (index[f] === null ? null : row.fields[index[f]!]!.trim());
    let bad = false;
    const problem = (code: RosterProblem['code'], message: string) => {
      problems.push({ code, message });
      bad = true;
    };
    for (const f of ['employeeId', 'workEmail', 'name', 'status', 'startDate'] as const) if (get(f) === '') problem('HrisEmptyField', `${at(f)}: empty; every employee needs ${f}`);
    const email = get('workEmail')!.toLowerCase();
    if (email !== '' && !EMAIL.test(email)) problem('HrisBadEmail', `${at('workEmail')}: "${get('workEmail')}" is not an email address`);
    const rawStatus = get('status')!;
    const status = statusOf.get(rawStatus.toLowerCase());
    if (rawStatus !== '' && !status) problem('HrisBadStatus', `${at('status')}: status "${rawStatus}" is not a configured value (statusValues: ${known})`);
    const start = get('startDate')!;
    const term = get('terminationDate')!;
    for (const [f, v] of [['startDate', start], ['terminationDate', term]] as const) {
      if (v !== '' && !isIsoDate(v)) problem('HrisBadDate', `${at(f)}: "${v}" is not an ISO 8601 date (write YYYY-MM-DD, e.g. 2026-03-31, or a date-time with its zone)`);
    }
    if (status === 'terminated' && term === '') problem('HrisMissingTerminationDate', `${at('terminationDate')}: empty, but the status "${rawStatus}" is terminated; a leaver needs a termination date`);
    if (!bad && term !== '' && datePart(term) < datePart(start)) problem('HrisTerminationBeforeStart', `${at('terminationDate')}: ${term} is before the start date ${start}`);
    const id = get('employeeId')!;
    if (id !== '') {
      const prev = byId.get(id);
      if (prev !== undefined) problem('HrisDuplicateEmployeeId', `${at('employeeId')}: employee id "${id}" is also on line ${prev}`);
      else byId.set(id, row.line);
    }
    if (email !== '') {
      const prev = byEmail.get(email);
      if (prev !== undefined) problem('HrisDuplicateEmail', `${at('workEmail')}: work email "${email}" is also on line ${prev}`);
      else byEmail.set(email, row.line);
    }
    if (bad) continue;
    employees.push({
      employeeId: id, workEmail: email, name: get('name')!, status: status!, statusRaw: rawStatus, startDate: start,
      terminationDate: term === '' ? null : term, manager: get('manager') || null, department: get('department') || null, line: row.line,
    });
  }
  return problems.length > 0 ? fail(problems) : { ok: true, employees };
}

function fail(problems: RosterProblem[]): RosterResult {
  return { ok: false, problems: problems.slice(0, MAX_PROBLEMS_NAMED), total: problems.length };
}
