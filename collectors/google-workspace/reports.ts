// Reports API streams read with an overlap window behind the saved cursor, de-duplicated by (time, uniqueQualifier), so late-delivered events are read once.
import type { Logger } from '../../src/core/collector.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GoogleWorkspaceActivityAttributes } from '../../src/core/contracts/google-workspace.js';
import { need, str, time, type ListShape } from './parse.js';
import type { ListAll } from './roles.js';

/** Reports streams read each run: every admin event, and the chosen login events (one stream per event name). */
export function reportStreams(loginEvents: string[]): Array<{ app: 'admin' | 'login'; eventName?: string }> {
  return [{ app: 'admin' }, ...loginEvents.map((eventName) => ({ app: 'login' as const, eventName }))];
}
export const reportCursorKey = (app: string, eventName?: string) => `google-workspace.reports.${app}${eventName ? `.${eventName}` : ''}`;

/** Saved per stream: the newest event time read, and the ids of events read inside the overlap window before it. */
export interface ReportCursor { t: string; ids: string[] }

const ACTIVITIES: ListShape = { kind: 'admin#reports#activities', field: 'items', mayBeEmpty: true };

/** Parses a saved cursor; anything else is logged (never silently reset) and the stream restarts from the lookback window. */
export function parseCursor(saved: string | undefined, key: string, logger: Logger): ReportCursor | null {
  if (saved === undefined) return null;
  try {
    const c = JSON.parse(saved) as Partial<ReportCursor>;
    if (c && typeof c.t === 'string' && !Number.isNaN(Date.parse(c.t)) && Array.isArray(c.ids) && c.ids.every((i) => typeof i === 'string')) return { t: c.t, ids: c.ids };
  } catch { /* logged below */ }
  logger.error({ cursor: key, saved: saved.slice(0, 200) }, 'google-workspace: saved Reports cursor is corrupt; reading the stream again from the lookback window (events in it may be recorded twice)');
  return null;
}

export interface StreamRead {
  activities: Array<{ id: string; name: string; attributes: GoogleWorkspaceActivityAttributes }>;
  cursor: ReportCursor;
}

/**
 * Reads one stream from `cursor.t - overlapMs` (or the lookback floor), skipping ids already read. Google documents that
 * events can arrive after later ones are visible ("Data retention and lag times"), so reading only from the newest time
 * seen would miss them. The new cursor keeps the ids inside the overlap window so the next run skips them.
 */
export async function readStream(
  listAll: ListAll, scopeUrl: string,
  s: { app: 'admin' | 'login'; eventName?: string }, cursor: ReportCursor | null,
  o: { floor: string; overlapMs: number; readAt: string },
): Promise<StreamRead> {
  const op = `admin.reports.activities.list(${s.app}${s.eventName ? `:${s.eventName}` : ''})`;
  const start = cursor ? new Date(Math.max(Date.parse(cursor.t) - o.overlapMs, 0)).toISOString() : o.floor;
  const ev = s.eventName ? `&eventName=${encodeURIComponent(s.eventName)}` : '';
  const items = await listAll(`/admin/reports/v1/activity/users/all/applications/${s.app}?startTime=${encodeURIComponent(start)}&maxResults=1000${ev}`, ACTIVITIES, scopeUrl, op);
  const seen = new Set(cursor?.ids ?? []);
  const activities: StreamRead['activities'] = [];
  let maxT = cursor?.t ?? start;
  const window = new Map<string, string>(); // id → time, of everything read or skipped
  for (const id of seen) window.set(id, id.split('|')[0]!);
  for (const it of items) {
    const idObj = it.id && typeof it.id === 'object' ? (it.id as Record<string, unknown>) : null;
    if (!idObj) throw new MalformedReplyError(op, 'activity without id');
    const t = time(idObj.time);
    const { uniqueQualifier } = need(idObj, ['uniqueQualifier'], op, 'activity id');
    if (!t) throw new MalformedReplyError(op, 'activity id without a valid time');
    const key = `${t}|${uniqueQualifier}`;
    if (Date.parse(t) > Date.parse(maxT)) maxT = t;
    if (seen.has(key)) continue;
    seen.add(key);
    window.set(key, t);
    if (!Array.isArray(it.events)) throw new MalformedReplyError(op, `activity ${key} without events`);
    const actor = it.actor && typeof it.actor === 'object' ? str((it.actor as Record<string, unknown>).email) : undefined;
    const events = (it.events as Array<Record<string, unknown>>).map((e) => {
      const name = str(e?.name);
      if (!name) throw new MalformedReplyError(op, `activity ${key} has an event without a name`);
      const params = Array.isArray(e.parameters) ? (e.parameters as Array<Record<string, unknown>>) : [];
      return {
        type: str(e.type) ?? null, name,
        parameters: Object.fromEntries(params.filter((p) => str(p?.name)).map((p) => [p.name as string, (p.value ?? p.boolValue ?? p.multiValue ?? p.intValue ?? '') as string | boolean | string[]])),
      };
    });
    activities.push({
      id: `${s.app}:${t}:${uniqueQualifier}`, name: events.map((e) => e.name).join(',') || s.app,
      attributes: { application: s.app, time: t, actor: actor?.toLowerCase() ?? null, events, readAt: o.readAt },
    });
  }
  const keepFrom = Date.parse(maxT) - o.overlapMs;
  const ids = [...window].filter(([, t]) => Date.parse(t) >= keepFrom).map(([id]) => id).sort();
  return { activities, cursor: { t: maxT, ids } };
}
