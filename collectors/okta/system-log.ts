// Okta System Log reads: bounded windows that overlap the previous run's, de-duplicated by event uuid, because Okta
// indexes events asynchronously and an event can become readable after later ones were already served.
import type { Logger } from '../../src/core/collector.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { OktaReader } from './reader.js';
import { MAX_PAGES } from './reader.js';
import { asList, parseLogEvent, type RawLogEvent } from './parse.js';

/** Saved between runs: the upper bound of the last window read, and the uuids already read inside the overlap. */
interface LogCursor { v: 2; until: string; seen: string[] }

/**
 * The saved cursor, or null to read from the lookback window. A saved cursor that cannot be read is logged: the
 * lookback re-reads events an earlier run already returned, so the operator must be able to tell why.
 */
export function parseLogCursor(saved: string | undefined, logger?: Logger): LogCursor | null {
  if (!saved) return null;
  let problem = 'not a version 2 cursor';
  try {
    const c = JSON.parse(saved) as Partial<LogCursor>;
    if (c.v === 2 && typeof c.until === 'string' && !Number.isNaN(Date.parse(c.until)) && Array.isArray(c.seen) && c.seen.every((s) => typeof s === 'string')) return c as LogCursor;
  } catch (e) {
    problem = `not JSON (${(e as Error).message.slice(0, 80)})`;
  }
  logger?.error({ cursor: 'okta.systemLog', problem, saved: saved.slice(0, 200) }, 'okta: saved System Log cursor is corrupt; reading again from the lookback window');
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
  /** Where a corrupt saved cursor is reported. */
  logger?: Logger;
}

/** Reads the window, returns new events (never one already returned by an earlier run) and the cursor to save. */
export async function readSystemLog(r: OktaReader, o: LogReadOptions): Promise<{ events: RawLogEvent[]; cursor: string }> {
  const op = 'okta:ListLogEvents';
  const prev = parseLogCursor(o.saved, o.logger);
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
