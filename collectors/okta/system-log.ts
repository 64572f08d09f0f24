// Okta System Log reads: bounded windows that overlap the previous run's, de-duplicated by event uuid, because Okta
// indexes events asynchronously and an event can become readable after later ones were already served.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { OktaReader } from './reader.js';
import { MAX_PAGES } from './reader.js';
import { asList, parseLogEvent, type RawLogEvent } from './parse.js';

/** Saved between runs: the upper bound of the last window read, and the uuids already read inside the overlap. */
interface LogCursor { v: 2; until: string; seen: string[] }

export function parseLogCursor(saved: string | undefined): LogCursor | null {
  if (!saved || !saved.startsWith('{')) return null;
  try {
    const c = JSON.parse(saved) as Partial<LogCursor>;
    if (c.v === 2 && typeof c.until === 'string' && !Number.isNaN(Date.parse(c.until)) && Array.isArray(c.seen) && c.seen.every((s) => typeof s === 'string')) return c as LogCursor;
  } catch { /* an unreadable cursor is treated as none: the lookback re-reads, and uuids still de-duplicate within the run */ }
  return null;
}

export interface LogReadOptions {
  filter: string;
  pageSize: number;
  lookbackDays: number;
  overlapMinutes: number;
  /** The scheduled slot, which anchors the first run's lookback. */
  slot: string;
  /** Upper bound of this window (the time of the read). */
  until: Date;
  saved: string | undefined;
}

/** Reads the window, returns new events (never one already returned by an earlier run) and the cursor to save. */
export async function readSystemLog(r: OktaReader, o: LogReadOptions): Promise<{ events: RawLogEvent[]; cursor: string }> {
  const op = 'okta:ListLogEvents';
  const prev = parseLogCursor(o.saved);
  const overlapMs = o.overlapMinutes * 60_000;
  const since = prev
    ? new Date(Date.parse(prev.until) - overlapMs)
    : new Date(Date.parse(o.slot) - o.lookbackDays * 86_400_000);
  const until = o.until.toISOString();
  const seen = new Set(prev?.seen ?? []);
  const events: RawLogEvent[] = [];
  const all: RawLogEvent[] = [];
  let next: string | null = `/api/v1/logs?${new URLSearchParams({ since: since.toISOString(), until, sortOrder: 'ASCENDING', limit: String(o.pageSize), filter: o.filter })}`;
  const visited = new Set<string>();
  for (let n = 1; next; n++) {
    if (n > MAX_PAGES) throw new MalformedReplyError(op, `more than ${MAX_PAGES} pages`);
    if (visited.has(next)) throw new MalformedReplyError(op, 'next link repeats an earlier page');
    visited.add(next);
    const page: { items: unknown; next: string | null } = await r.page(next, op, `${op}#${n}`);
    const items = asList(op, page.items).map((x) => parseLogEvent(op, x));
    for (const ev of items) {
      all.push(ev);
      if (seen.has(ev.uuid)) continue;
      seen.add(ev.uuid);
      events.push(ev);
    }
    // A bounded query ends with a short page (Okta keeps linking `next` on ascending reads even when caught up).
    next = items.length < o.pageSize ? null : page.next;
  }
  // Keep the uuids the next run's overlap will re-read, and no more.
  const keepFrom = new Date(Date.parse(until) - overlapMs).toISOString();
  const keep = [...new Set(all.filter((e) => e.published >= keepFrom).map((e) => e.uuid))];
  return { events, cursor: JSON.stringify({ v: 2, until, seen: keep } satisfies LogCursor) };
}
