// Manual evidence requirements as data: the `manual:` list of a framework criterion (id, title, cadence, owner) and cadence arithmetic.
// Pure: frameworks.ts validates with it, coverage and the bundled verifier read the parsed form.

/**
 * How often a requirement must be evidenced anew.
 * - `months`/`days`: a piece of evidence is in force from its effective date for that long (`12mo`, `90d`);
 * - `once`: in force from its effective date with no expiry (a charter adopted once, until replaced);
 * - `on-hire`: per new hire, within `days` of the hire date (`on-hire:30d`), judged per person on the HR roster
 *   (src/rules/on-hire.ts); without a `hris` source it is not assessed, never evidenced or due.
 */
export type Cadence = { kind: 'months'; n: number } | { kind: 'days'; n: number } | { kind: 'once' } | { kind: 'on-hire'; days: number };

/** One manual evidence requirement of a criterion, as a framework file states it. */
export interface ManualRequirement {
  /** Unique within its criterion; evidence names it with `--requirement`. */
  id: string;
  /** What a person must supply. */
  title: string;
  /** As written in the file (`12mo`, `90d`, `once`, `on-hire:30d`); parse it with parseCadence. */
  cadence: string;
  /** An owner key; the config's `evidence.owners` maps it to a person. Absent: no owner named. */
  owner?: string;
}

export const REQUIREMENT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const OWNER_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** What a cadence string means, or a message saying what was expected. */
export function parseCadence(s: string): Cadence | { error: string } {
  const expected = 'expected Nmo (months, e.g. 12mo), Nd (days, e.g. 90d), once, or on-hire:Nd';
  if (s === 'once') return { kind: 'once' };
  const m = /^(?:(on-hire):)?([1-9][0-9]{0,3})(mo|d)$/.exec(s);
  if (!m) return { error: `${JSON.stringify(s)}: ${expected}` };
  const n = Number(m[2]);
  if (m[1] === 'on-hire') return m[3] === 'd' ? { kind: 'on-hire', days: n } : { error: `${JSON.stringify(s)}: on-hire takes days (on-hire:30d)` };
  if (m[3] === 'mo') return n <= 120 ? { kind: 'months', n } : { error: `${JSON.stringify(s)}: at most 120mo` };
  return n <= 3660 ? { kind: 'days', n } : { error: `${JSON.stringify(s)}: at most 3660d` };
}

/** A cadence string known to be valid (framework files are validated at load). */
export function cadenceOf(s: string): Cadence {
  const c = parseCadence(s);
  if ('error' in c) throw new Error(`invalid cadence ${c.error}`);
  return c;
}

/** Whether one piece of evidence can satisfy the requirement (every cadence but on-hire, which is per person). */
export const isPeriodic = (c: Cadence): boolean => c.kind !== 'on-hire';

/**
 * `from` plus the cadence, as an ISO instant; null for `once` and `on-hire` (no expiry). Months are calendar months in UTC, clamped
 * to the month's last day (2027-01-31 + 1mo = 2027-02-28), so 12mo from 2027-03-01 is 2028-03-01.
 */
export function addCadence(from: string, c: Cadence): string | null {
  const t = new Date(from);
  // A per-hire record (training done by one person) does not lapse; the next hire needs their own.
  if (c.kind === 'once' || c.kind === 'on-hire') return null;
  if (c.kind === 'days') return new Date(t.getTime() + c.n * 86_400_000).toISOString();
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + c.n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = new Date(t);
  d.setUTCFullYear(y, m, Math.min(t.getUTCDate(), last));
  return d.toISOString();
}
