// Per-hire manual evidence (`cadence: on-hire:Nd`): each employee the HR roster shows hired in the window needs a record
// naming them (`subject`) whose effective date is within N days of the hire date. Pure (no I/O, no node: imports): the
// roster is read by src/evidence/roster.ts and handed in, so status, the due list, alerts and the report judge alike.

/** One employee of the HR roster as the check needs it (from the `hris.employee` resources, src/core/contracts/hris.ts). */
export interface RosterEmployee {
  employeeId: string;
  /** Lower-cased work email: the key evidence names as its subject. */
  workEmail: string;
  name: string;
  status: 'active' | 'leave' | 'terminated';
  /** ISO 8601 date (`YYYY-MM-DD`, a UTC day) or a date-time with its zone, as the roster wrote it. */
  startDate: string;
  terminationDate: string | null;
}

/**
 * The HR roster as far as the check can trust it:
 * - `not-configured`: no `hris` source, so no population: the requirement is not assessed (as before the roster existed);
 * - `error`: configured, but no complete read recent enough to judge by (never read, the latest read failed and the
 *   last good one is too old, or the last good one is too old): the requirement is `error`, never evidenced;
 * - `read`: the employees of the latest complete read(s) and when they were read.
 */
export type RosterState =
  | { kind: 'not-configured' }
  | { kind: 'error'; reason: string }
  | { kind: 'read'; employees: RosterEmployee[]; readAt: string };

/** A record as the check reads it (structurally an EvidenceRecord of src/rules/manual-evidence.ts). */
export interface HireEvidence {
  id: string;
  criterion: string;
  requirement: string;
  subject?: string;
  effectiveAt: string;
  recordedAt: string;
  withdrawn?: { at: string };
}

/** `pass`: evidence in the window; `fail`: none and the deadline passed; `pending`: none yet, deadline not reached; `not_applicable`: left before the deadline without it. */
export type HireStatus = 'pass' | 'fail' | 'pending' | 'not_applicable';

export interface HireVerdict {
  email: string;
  name: string;
  employeeId: string;
  /** The start date as the roster wrote it. */
  hired: string;
  /** The last instant evidence may be effective (inclusive). */
  dueBy: string;
  status: HireStatus;
  /** The records that evidence it (oldest effective first). */
  evidence: string[];
  reason: string;
}

/** At an instant (`vigil status`, Type 1), hires whose start falls in the days before it are judged. */
export const ON_HIRE_LOOKBACK_DAYS = 365;

const DAY = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The hire instant: a date-only start is the beginning of that UTC day; a date-time is taken as written (its zone). */
export function hireInstant(startDate: string): number {
  return DATE_ONLY.test(startDate) ? Date.parse(`${startDate}T00:00:00Z`) : Date.parse(startDate);
}

/**
 * The last instant (inclusive) evidence may be effective: N days after the hire. A date-only start counts whole UTC days —
 * hired 2027-03-01 with 30 days: evidence effective any time on 2027-03-31 is in time, on 2027-04-01 it is not. A
 * date-time start counts exactly N × 24 h from the instant written (2027-03-01T09:00-08:00 + 30d = 2027-03-31T17:00Z).
 */
export function hireDueBy(startDate: string, days: number): number {
  return DATE_ONLY.test(startDate) ? hireInstant(startDate) + (days + 1) * DAY - 1 : hireInstant(startDate) + days * DAY;
}

/** The termination instant (date-only: the end of that UTC day, as offboarding measures it), or null. */
function leftAt(e: RosterEmployee): number | null {
  if (e.status !== 'terminated' || e.terminationDate === null) return null;
  return DATE_ONLY.test(e.terminationDate) ? Date.parse(`${e.terminationDate}T00:00:00Z`) + DAY : Date.parse(e.terminationDate);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One hire at instant `at` (ms). Evidence counts when it names the hire, was recorded by `at`, was not withdrawn by
 * then, and is effective from N days before the hire (pre-boarding training) up to the deadline.
 */
export function judgeHire(e: RosterEmployee, criterion: string, requirement: string, days: number, records: readonly HireEvidence[], at: number): HireVerdict {
  const from = hireInstant(e.startDate) - days * DAY;
  const dueBy = hireDueBy(e.startDate, days);
  const evidence = records
    .filter((r) => r.criterion === criterion && r.requirement === requirement && r.subject === e.workEmail)
    .filter((r) => Date.parse(r.recordedAt) <= at && (r.withdrawn === undefined || Date.parse(r.withdrawn.at) > at))
    .filter((r) => Date.parse(r.effectiveAt) >= from && Date.parse(r.effectiveAt) <= dueBy)
    .sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt))
    .map((r) => r.id);
  const base = { email: e.workEmail, name: e.name, employeeId: e.employeeId, hired: e.startDate, dueBy: iso(dueBy), evidence };
  if (evidence.length > 0) return { ...base, status: 'pass', reason: `evidenced by ${evidence.join(', ')}` };
  const left = leftAt(e);
  if (left !== null && left <= dueBy && left <= at) return { ...base, status: 'not_applicable', reason: `left ${e.terminationDate} before the deadline ${iso(dueBy)}` };
  if (at > dueBy) return { ...base, status: 'fail', reason: `no evidence effective by ${iso(dueBy)} (${days} days after hire)` };
  return { ...base, status: 'pending', reason: `due by ${iso(dueBy)}` };
}

/** The window evidence is judged over, as manual-evidence.ts defines it. */
export type HireWindow = { at: string } | { start: string; end: string };

/** The hires of the window and the instant they are judged at: at an instant, the year before it; over a period, its hires, judged at its end. */
export function hiresFor(employees: readonly RosterEmployee[], w: HireWindow): { hires: RosterEmployee[]; at: number } {
  const [lo, hi, at] = 'at' in w ? [Date.parse(w.at) - ON_HIRE_LOOKBACK_DAYS * DAY, Date.parse(w.at) + 1, Date.parse(w.at)] : [Date.parse(w.start), Date.parse(w.end), Date.parse(w.end) - 1];
  const hires = employees
    .filter((e) => hireInstant(e.startDate) >= lo && hireInstant(e.startDate) < hi)
    .sort((a, b) => hireInstant(a.startDate) - hireInstant(b.startDate) || (a.workEmail < b.workEmail ? -1 : 1));
  return { hires, at };
}

/** How a per-hire requirement stands: as coverage states it and as the due list states it. */
export interface OnHireJudgement {
  state: 'evidenced' | 'missing' | 'error' | 'not-assessed';
  due: 'current' | 'due' | 'overdue' | 'error' | 'not-assessed';
  reason: string;
  hires: HireVerdict[];
  /** Every record that evidences a hire. */
  evidence: string[];
}

const names = (vs: readonly HireVerdict[]): string => vs.slice(0, 5).map((v) => `${v.email} (hired ${v.hired}, due by ${v.dueBy.slice(0, 10)})`).join(', ') + (vs.length > 5 ? ` and ${vs.length - 5} more` : '');

/**
 * The requirement over the window. A failed hire makes it `missing` (overdue); pending hires leave it evidenced so far
 * (due); a roster that cannot be trusted is `error` naming why; no `hris` source leaves it not assessed.
 */
export function judgeOnHire(criterion: string, requirement: string, days: number, records: readonly HireEvidence[], roster: RosterState, w: HireWindow): OnHireJudgement {
  if (roster.kind === 'not-configured') return { state: 'not-assessed', due: 'not-assessed', reason: 'per new hire: no HR roster source is configured (sources.hris, docs/hris.md)', hires: [], evidence: [] };
  if (roster.kind === 'error') return { state: 'error', due: 'error', reason: `per new hire: cannot judge: ${roster.reason}`, hires: [], evidence: [] };
  const { hires: people, at } = hiresFor(roster.employees, w);
  const hires = people.map((e) => judgeHire(e, criterion, requirement, days, records, at));
  const evidence = hires.flatMap((h) => h.evidence);
  const failed = hires.filter((h) => h.status === 'fail');
  const pending = hires.filter((h) => h.status === 'pending');
  const span = 'at' in w ? `in the ${ON_HIRE_LOOKBACK_DAYS} days before ${w.at.slice(0, 10)}` : `in the period`;
  const tally = `${hires.length} hire${hires.length === 1 ? '' : 's'} ${span} (roster read ${roster.readAt}): ${hires.filter((h) => h.status === 'pass').length} evidenced, ${failed.length} overdue, ${pending.length} pending`;
  if (failed.length > 0) return { state: 'missing', due: 'overdue', reason: `${tally}; overdue: ${names(failed)}`, hires, evidence };
  if (pending.length > 0) return { state: 'evidenced', due: 'due', reason: `${tally}; due: ${names(pending)}`, hires, evidence };
  return { state: 'evidenced', due: 'current', reason: tally, hires, evidence };
}
