// Schedule slots: which instants a cron schedule (UTC) expects a run at, and how a slot names its job.
import { parse as parseCron } from 'node-cron';

interface Matcher {
  /** Seconds of a 6-field cron, ascending; `[0]` for the usual 5 fields. */
  seconds: number[];
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
}

const cache = new Map<string, Matcher>();

function matcher(expr: string): Matcher {
  let m = cache.get(expr);
  if (m) return m;
  const f = parseCron(expr);
  const nums = (xs: Array<number | string>) => new Set(xs.map((x) => Number(x)).filter((x) => Number.isFinite(x)));
  const fields = expr.trim().split(/\s+/);
  const [domField, dowField] = fields.length === 6 ? [fields[3], fields[5]] : [fields[2], fields[4]];
  const dow = nums(f.dayOfWeek);
  if (dow.has(7)) dow.add(0);
  m = {
    seconds: [...new Set(f.second.map((x) => Number(x)))].sort((a, b) => a - b),
    minute: new Set(f.minute),
    hour: new Set(f.hour),
    dom: nums(f.dayOfMonth),
    month: new Set(f.month),
    dow,
    domStar: domField === '*',
    dowStar: dowField === '*',
  };
  cache.set(expr, m);
  return m;
}

/** Whether the UTC minute containing `d` holds slots of `expr` (standard cron day-of-month/day-of-week OR rule). */
function matchesMinute(expr: string, d: Date): boolean {
  const m = matcher(expr);
  if (!m.minute.has(d.getUTCMinutes()) || !m.hour.has(d.getUTCHours()) || !m.month.has(d.getUTCMonth() + 1)) return false;
  const domOk = m.dom.has(d.getUTCDate());
  const dowOk = m.dow.has(d.getUTCDay());
  if (m.domStar && m.dowStar) return true;
  if (m.domStar) return dowOk;
  if (m.dowStar) return domOk;
  return domOk || dowOk;
}

/** Whether `d`, to the second, is a slot of `expr` (5-field crons: its whole minute). */
export function matchesSlot(expr: string, d: Date): boolean {
  if (!matchesMinute(expr, d)) return false;
  return !hasSecondsField(expr) || matcher(expr).seconds.includes(d.getUTCSeconds());
}

/** Whether `expr` names seconds (6 fields, as node-cron accepts): its slots then fall on seconds, not minutes. */
export function hasSecondsField(expr: string): boolean {
  return expr.trim().split(/\s+/).length === 6;
}

const MINUTE = 60_000;

/** Slots s with from < s <= to, oldest first. Bounded by `limit` to keep a long outage cheap to describe. */
export function slotsBetween(expr: string, from: Date, to: Date, limit = 100_000): Date[] {
  const out: Date[] = [];
  const secs = matcher(expr).seconds;
  const start = from.getTime();
  const end = to.getTime();
  for (let t = Math.floor(start / MINUTE) * MINUTE; t <= end && out.length < limit; t += MINUTE) {
    if (!matchesMinute(expr, new Date(t))) continue;
    for (const s of secs) {
      const at = t + s * 1000;
      if (at > start && at <= end && out.length < limit) out.push(new Date(at));
    }
  }
  return out;
}

/** The latest slot at or before `at`, searching back at most `maxDays`. */
export function slotAtOrBefore(expr: string, at: Date, maxDays = 366): Date | undefined {
  const secs = matcher(expr).seconds;
  const limit = at.getTime();
  let t = Math.floor(limit / MINUTE) * MINUTE;
  const stop = t - maxDays * 24 * 60 * MINUTE;
  for (; t >= stop; t -= MINUTE) {
    if (!matchesMinute(expr, new Date(t))) continue;
    for (let i = secs.length - 1; i >= 0; i--) {
      const s = t + secs[i]! * 1000;
      if (s <= limit) return new Date(s);
    }
  }
  return undefined;
}

/** The first slot strictly after `at`. */
export function nextSlot(expr: string, at: Date, maxDays = 366): Date | undefined {
  return slotsBetween(expr, at, new Date(at.getTime() + maxDays * 24 * 60 * MINUTE), 1)[0];
}

const intervals = new Map<string, number>();

/**
 * The smallest time between two consecutive slots of `expr`, over a year of its slots (four for a leap-day cron): the
 * longest a collection may take without holding its source's next slot, hence the ceiling of its deadline.
 */
export function minSlotIntervalMs(expr: string): number {
  const known = intervals.get(expr);
  if (known !== undefined) return known;
  const origin = new Date(Date.UTC(2025, 0, 1));
  let best = Infinity;
  for (const years of [1, 4]) {
    const slots = slotsBetween(expr, origin, new Date(origin.getTime() + years * 366 * 24 * 60 * MINUTE), 600_000);
    for (let i = 1; i < slots.length; i++) best = Math.min(best, slots[i]!.getTime() - slots[i - 1]!.getTime());
    if (best !== Infinity) break;
  }
  // A cron that matches no instant in four years (30 February) expects nothing; a day is as good a ceiling as any.
  const out = best === Infinity ? 24 * 60 * MINUTE : best;
  intervals.set(expr, out);
  return out;
}

/** `2026-11-28T07:00:00.000Z` → `20261128T0700Z`: the slot as it appears in job ids (BullMQ forbids extra colons). */
export function compactSlot(slot: string | Date): string {
  const iso = typeof slot === 'string' ? slot : slot.toISOString();
  const basic = iso.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  // Scheduled slots fall on whole minutes; manual runs keep their seconds so each is its own job.
  return basic.replace(/^(\d{8}T\d{4})00Z$/, '$1Z');
}

/** BullMQ job id for a collection: `source:scope:slot`, identical from every scheduler so two schedulers make one job. */
export function collectJobId(source: string, scope: string, slot: string | Date): string {
  return `${source}:${scope.replace(/:/g, '_')}:${compactSlot(slot)}`;
}
