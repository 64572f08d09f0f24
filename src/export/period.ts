// Calendar dates in an IANA time zone → half-open UTC instants, with Intl only (no tz library), DST-safe.
import { UsageError } from '../core/errors.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Throws UsageError unless `tz` is an IANA zone this Node knows. */
export function checkTimeZone(tz: string, where = '--tz'): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    throw new UsageError('EXPORT_BAD_TZ', `${where}: ${JSON.stringify(tz)} is not an IANA time zone (like UTC or America/New_York)`);
  }
}

/** Parses YYYY-MM-DD strictly (no 2025-02-30, no times, no 23:59:60). */
export function parseDate(text: string, where: string): { y: number; m: number; d: number } {
  const m = DATE_RE.exec(text);
  if (!m) throw new UsageError('EXPORT_BAD_DATE', `${where}: ${JSON.stringify(text)} is not a date YYYY-MM-DD`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
    throw new UsageError('EXPORT_BAD_DATE', `${where}: ${text} is not a calendar date`);
  }
  return { y, m: mo, d };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of instant `t` in `tz`. */
export function wallClock(t: number, tz: string): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
  const parts: Record<string, number> = {};
  for (const p of fmt(tz).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year!, m: parts.month!, d: parts.day!, hh: parts.hour! % 24, mm: parts.minute!, ss: parts.second! };
}

/** Offset of `tz` from UTC at instant `t`, in ms (local − UTC). */
export function offsetAt(t: number, tz: string): number {
  const w = wallClock(t, tz);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, w.ss);
  return asUtc - (t - (t % 1000 + 1000) % 1000);
}

/**
 * The first instant of local date (y, m, d) in `tz`. Where midnight does not exist (a DST jump at 00:00), the day
 * starts when the clocks resume, which is still the first instant whose local date is that day.
 */
export function startOfLocalDay(y: number, m: number, d: number, tz: string): number {
  const guess = Date.UTC(y, m - 1, d);
  // Two rounds settle any offset; then step back while the instant before is still the same local date.
  let t = guess - offsetAt(guess, tz);
  t = guess - offsetAt(t, tz);
  const sameDay = (x: number): boolean => {
    const w = wallClock(x, tz);
    return w.y === y && w.m === m && w.d === d;
  };
  if (!sameDay(t)) {
    // Midnight skipped forward: search the next few hours for the first instant of the day.
    for (let step = 0; step < 4 * 60 && !sameDay(t); step++) t += 60_000;
  }
  while (sameDay(t - 60_000)) t -= 60_000;
  return t;
}

export interface Period {
  /** Dates as given. */
  from: string;
  to: string;
  tz: string;
  /** Half-open [start, end) as ISO UTC instants. */
  start: string;
  end: string;
}

function nextDate(p: { y: number; m: number; d: number }): { y: number; m: number; d: number } {
  const n = new Date(Date.UTC(p.y, p.m - 1, p.d) + DAY_MS);
  return { y: n.getUTCFullYear(), m: n.getUTCMonth() + 1, d: n.getUTCDate() };
}

/**
 * `--from A --to B` → [start of A, start of the day after B) in `tz`: the `to` date is included, as auditors write
 * periods ("1 January to 30 June"). A period whose last day is today ends now. Refuses to < from, a `to` in the future, and
 * a period outside the ledger's life.
 */
export function periodFromDates(from: string, to: string, tz: string, bounds: { now: Date; ledgerStart?: string }): Period {
  const zone = checkTimeZone(tz);
  const a = parseDate(from, '--from');
  const b = parseDate(to, '--to');
  const start = startOfLocalDay(a.y, a.m, a.d, zone);
  const nb = nextDate(b);
  const end = startOfLocalDay(nb.y, nb.m, nb.d, zone);
  if (end <= start || to < from) throw new UsageError('EXPORT_BAD_RANGE', `--to ${to} is before --from ${from}; a period needs at least one day`);
  const now = Math.floor(bounds.now.getTime() / 1000) * 1000;
  const lastDayStart = startOfLocalDay(b.y, b.m, b.d, zone);
  if (lastDayStart > now) {
    throw new UsageError('EXPORT_BAD_RANGE', `--to ${to} is in the future (${zone}); the last day of a period can be today at the latest`);
  }
  // A period whose last day is today ends at the export instant: evidence so far, not evidence yet to come.
  const effectiveEnd = Math.min(end, now);
  if (bounds.ledgerStart !== undefined && effectiveEnd <= Date.parse(bounds.ledgerStart)) {
    throw new UsageError('EXPORT_BAD_RANGE', `the period ${from}..${to} (${zone}) ends before the ledger began at ${bounds.ledgerStart}`);
  }
  if (bounds.ledgerStart !== undefined && start < Date.parse(bounds.ledgerStart) - DAY_MS) {
    throw new UsageError('EXPORT_BAD_RANGE', `--from ${from} is before the ledger began at ${bounds.ledgerStart}; start the period on or after ${bounds.ledgerStart.slice(0, 10)}`);
  }
  return { from, to, tz: zone, start: new Date(start).toISOString(), end: new Date(effectiveEnd).toISOString() };
}

/** `--as-of D` → the instant D ends in `tz` (the state at close of that day), or now when D is today. */
export function asOfInstant(date: string, tz: string, now: Date): { asOf: string; tz: string; at: string } {
  const zone = checkTimeZone(tz);
  const p = parseDate(date, '--as-of');
  const nd = nextDate(p);
  const at = startOfLocalDay(nd.y, nd.m, nd.d, zone);
  const nowS = Math.floor(now.getTime() / 1000) * 1000;
  if (startOfLocalDay(p.y, p.m, p.d, zone) > nowS) throw new UsageError('EXPORT_BAD_RANGE', `--as-of ${date} is in the future (${zone})`);
  // As of today means as of now.
  return { asOf: date, tz: zone, at: new Date(Math.min(at, nowS)).toISOString() };
}

/** Local date (YYYY-MM-DD) of instant `iso` in `tz`: the day bucket used by timelines and snapshots. */
export function localDate(iso: string, tz: string): string {
  const w = wallClock(Date.parse(iso), tz);
  return `${String(w.y).padStart(4, '0')}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** Every local date in [start, end) in `tz`. */
export function datesInPeriod(start: string, end: string, tz: string): string[] {
  const out: string[] = [];
  const last = localDate(new Date(Date.parse(end) - 1).toISOString(), tz);
  let cur = localDate(start, tz);
  for (let i = 0; i < 5000; i++) {
    out.push(cur);
    if (cur >= last) break;
    const p = parseDate(cur, 'date');
    const n = nextDate(p);
    cur = `${String(n.y).padStart(4, '0')}-${String(n.m).padStart(2, '0')}-${String(n.d).padStart(2, '0')}`;
  }
  return out;
}
