// Day-level time helpers every rule family shares: parsing instants, age checks and the dates reasons carry.

export const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an ISO instant: reasons carry dates, never ages, so they stay byte-identical while nothing changes. */
export function day(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 10);
}

/** Parses an ISO instant; undefined for null, empty or unparseable (the credential report's `N/A`, `no_information`). */
export function instant(iso: string | null | undefined): number | undefined {
  if (iso === null || iso === undefined || iso === '') return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * True when `at` (an ISO instant, or epoch milliseconds from {@link instant}) lies strictly more than `days` days
 * before `now`; exactly `days` days is not older. An unparseable instant is never older: callers that must not read
 * "unknown" as "recent" check for it first (see {@link instant}).
 */
export function olderThanDays(at: string | number, now: Date, days: number): boolean {
  const t = typeof at === 'number' ? at : Date.parse(at);
  return !Number.isNaN(t) && now.getTime() - t > days * DAY_MS;
}

/** Whole days between two instants, floored, so reasons stay stable within a day. */
export function daysBetween(fromIso: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(fromIso)) / DAY_MS);
}
