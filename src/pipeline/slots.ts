// Schedule slots: which instants a cron schedule (UTC) expects a run at, and how a slot names its job.
import { parse as parseCron } from 'node-cron';

interface Matcher {
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

/** Whether the UTC minute containing `d` is a slot of `expr` (standard cron day-of-month/day-of-week OR rule). */
export function matchesSlot(expr: string, d: Date): boolean {
  const m = matcher(expr);
  if (!m.minute.has(d.getUTCMinutes()) || !m.hour.has(d.getUTCHours()) || !m.month.has(d.getUTCMonth() + 1)) return false;
  const domOk = m.dom.has(d.getUTCDate());
  const dowOk = m.dow.has(d.getUTCDay());
  if (m.domStar && m.dowStar) return true;
  if (m.domStar) return dowOk;
  if (m.dowStar) return domOk;
  return domOk || dowOk;
}

const MINUTE = 60_000;

/** Slots s with from < s <= to, oldest first. Bounded by `limit` to keep a long outage cheap to describe. */
export function slotsBetween(expr: string, from: Date, to: Date, limit = 100_000): Date[] {
  const out: Date[] = [];
  let t = Math.floor(from.getTime() / MINUTE) * MINUTE + MINUTE;
  const end = to.getTime();
  for (; t <= end && out.length < limit; t += MINUTE) {
    const d = new Date(t);
    if (matchesSlot(expr, d)) out.push(d);
  }
  return out;
}

/** The latest slot at or before `at`, searching back at most `maxDays`. */
export function slotAtOrBefore(expr: string, at: Date, maxDays = 366): Date | undefined {
  let t = Math.floor(at.getTime() / MINUTE) * MINUTE;
  const stop = t - maxDays * 24 * 60 * MINUTE;
  for (; t >= stop; t -= MINUTE) {
    const d = new Date(t);
    if (matchesSlot(expr, d)) return d;
  }
  return undefined;
}

/** The first slot strictly after `at`. */
export function nextSlot(expr: string, at: Date, maxDays = 366): Date | undefined {
  return slotsBetween(expr, at, new Date(at.getTime() + maxDays * 24 * 60 * MINUTE), 1)[0];
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
