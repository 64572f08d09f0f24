// Reads the organization audit log (Enterprise Cloud only): members' last activity over a window, and protection overrides since the cursor.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GithubAuditEventAttributes, GithubAuditLogAttributes } from '../../src/core/contracts/github.js';
import { githubCause } from './failure.js';
import { isObject } from './graphql-read.js';
import { isoSeconds, type RunState } from './run-state.js';

export const AUDIT_ROUTE = 'GET /orgs/{org}/audit-log';
/** Cursor key in Snapshot.cursors: the instant up to which protection overrides were read. */
export const AUDIT_CURSOR = 'github.audit_log.protectionUntil';
/** GitHub keeps 180 days of organization audit log (Git events: 7 days; not read here). */
export const AUDIT_RETENTION_DAYS = 180;
/** Events can take minutes to reach the audit-log API: the protection window ends this far before now. */
export const AUDIT_INGEST_LAG_MS = 10 * 60_000;
/** The protection overrides and removals searched for, one query each (`action:repository_ruleset` is the whole category). */
export const PROTECTION_PHRASES = ['action:protected_branch.policy_override', 'action:protected_branch.destroy', 'action:repository_ruleset'] as const;
const DAY_MS = 86_400_000;

type Stream = GithubAuditLogAttributes['stream'];
type ParsedEvent = { id: string; action: string; actor: string | null; createdAt: string; raw: Record<string, unknown> };

/** Reads both streams; each ends as one `github.audit_log` feed resource (`listed`, `not_available` or `unread`). */
export async function readAuditLog(run: RunState, plan: string | null): Promise<void> {
  if (run.lacksScope(['admin:org', 'read:audit_log'])) {
    for (const stream of ['activity', 'protection'] as const) feed(run, stream, plan, { state: 'unread' });
    run.errors.push({
      operation: AUDIT_ROUTE, code: 'MissingScope', permission: run.perm('auditLog'), inputs: ['github.audit_log'], resources: [`activity:${run.org}`, `protection:${run.org}`],
      retryable: false, cause: 'denied', message: `X-OAuth-Scopes lists ${[...(run.scopes ?? [])].join(', ') || 'nothing'}, without read:audit_log or admin:org`,
    });
    carryCursor(run);
  } else {
    await Promise.all([readActivity(run, plan), readProtection(run, plan)]);
  }
  run.inputs['github.audit_log'] = { observedAt: run.now() };
  run.inputs['github.audit_event'] = { observedAt: run.now() };
}

function feed(run: RunState, stream: Stream, plan: string | null, a: Partial<GithubAuditLogAttributes> & { state: GithubAuditLogAttributes['state'] }): void {
  const attrs: GithubAuditLogAttributes = {
    stream, plan, detail: null, from: null, to: null, lastActivity: {}, addedAt: {}, events: 0, lostFrom: null, lostTo: null, ...a,
  };
  run.add('github.audit_log', `${stream}:${run.org}`, `${stream} audit log of ${run.org}`, attrs, run.now());
}

/** 404 on the audit-log route of an org that was just read: GitHub's answer for an org without Enterprise Cloud. */
function notAvailable(e: unknown): string | null {
  const { cause } = githubCause(e);
  if (cause !== 'not_found') return null;
  const msg = (e as { response?: { data?: { message?: unknown } } }).response?.data?.message;
  return `GitHub answered 404 ${typeof msg === 'string' ? msg.slice(0, 100) : 'Not Found'}: the organization audit-log API exists on Enterprise Cloud only`;
}

function failed(run: RunState, stream: Stream, plan: string | null, e: unknown, operation: string): void {
  const detail = notAvailable(e);
  if (detail !== null) {
    feed(run, stream, plan, { state: 'not_available', detail });
    run.minApiCalls += 1;
    return;
  }
  feed(run, stream, plan, { state: 'unread' });
  run.fail(operation, 'auditLog', ['github.audit_log'], e, [`${stream}:${run.org}`]);
}

/** One audit-log event as the collector needs it; GitHub sends times as epoch milliseconds. */
function parseEvent(e: Record<string, unknown>, phrase: string): ParsedEvent {
  const ms = typeof e['@timestamp'] === 'number' ? e['@timestamp'] : e.created_at;
  if (typeof e.action !== 'string' || typeof ms !== 'number' || !Number.isFinite(ms) || typeof e._document_id !== 'string') {
    throw new MalformedReplyError(`${AUDIT_ROUTE}?phrase=${phrase}`, 'an event lacks action, @timestamp or _document_id');
  }
  return { id: e._document_id, action: e.action, actor: typeof e.actor === 'string' ? e.actor : null, createdAt: isoSeconds(new Date(ms)), raw: e };
}

async function search(run: RunState, phrase: string): Promise<ParsedEvent[]> {
  const list = await run.listAll(AUDIT_ROUTE, { phrase, include: 'web', order: 'asc' });
  return list.map((e) => parseEvent(e, phrase));
}

/** Every web event of the last `auditLogActivityDays` days, aggregated by actor (and `org.add_member` by added user). */
async function readActivity(run: RunState, plan: string | null): Promise<void> {
  const days = run.opts.auditLogActivityDays ?? 90;
  const now = run.ctx.clock.now();
  // Day precision: runs of one day send the same query, so an unchanged log is answered 304.
  const from = dayFloor(now.getTime() - days * DAY_MS);
  const phrase = `created:>=${from.toISOString().slice(0, 10)}`;
  try {
    const events = await search(run, phrase);
    const last: Record<string, string> = {};
    const added: Record<string, string> = {};
    for (const ev of events) {
      if (ev.actor !== null && (last[ev.actor] === undefined || last[ev.actor]! < ev.createdAt)) last[ev.actor] = ev.createdAt;
      const user = ev.raw.user;
      if (ev.action === 'org.add_member' && typeof user === 'string' && (added[user] === undefined || added[user]! < ev.createdAt)) added[user] = ev.createdAt;
    }
    feed(run, 'activity', plan, { state: 'listed', from: isoSeconds(from), lastActivity: sortKeys(last), addedAt: sortKeys(added), events: events.length });
  } catch (e) {
    failed(run, 'activity', plan, e, `${AUDIT_ROUTE}?phrase=${phrase}`);
  }
}

/**
 * Protection overrides and removals from the previous run's cursor (first run: as far back as GitHub keeps). Queries
 * start at a whole day, so the runs of one day send the same three queries (answered 304 while nothing happened) and
 * every window overlaps the last by the ingest lag; events are judged once by id. A cursor older than the retention
 * leaves a span no run can read: declared as a gap and named on the feed.
 */
async function readProtection(run: RunState, plan: string | null): Promise<void> {
  const now = run.ctx.clock.now();
  const until = isoSeconds(new Date(now.getTime() - AUDIT_INGEST_LAG_MS));
  const firstKept = dayCeil(now.getTime() - AUDIT_RETENTION_DAYS * DAY_MS + 60_000);
  const prev = run.ctx.cursors?.[AUDIT_CURSOR];
  const prevMs = prev ? Date.parse(prev) : NaN;
  const lost = !Number.isNaN(prevMs) && prevMs < firstKept.getTime() ? { from: isoSeconds(new Date(prevMs)), to: isoSeconds(firstKept) } : null;
  const from = Number.isNaN(prevMs) || lost ? firstKept : dayFloor(prevMs - AUDIT_INGEST_LAG_MS);
  const window = `created:>=${from.toISOString().slice(0, 10)}`;
  try {
    const seen = new Set<string>();
    const events: ParsedEvent[] = [];
    for (const p of PROTECTION_PHRASES) {
      for (const ev of await search(run, `${p} ${window}`)) if (!seen.has(ev.id)) { seen.add(ev.id); events.push(ev); }
    }
    const observedAt = run.now();
    for (const ev of events) {
      const repo = typeof ev.raw.repo === 'string' ? ev.raw.repo : null;
      const target = [ev.raw.ruleset_name, ev.raw.name, ev.raw.branch].find((x): x is string => typeof x === 'string') ?? null;
      const attrs: GithubAuditEventAttributes = { action: ev.action, actor: ev.actor, repository: repo, target, createdAt: ev.createdAt };
      run.add('github.audit_event', ev.id, `${ev.action} ${repo ?? run.org}`, attrs, observedAt);
    }
    if (Number.isNaN(prevMs)) declareGap(run, new Date(now.getTime() - 365 * DAY_MS), from, `GitHub keeps ${AUDIT_RETENTION_DAYS} days of organization audit log; protection changes before ${isoSeconds(from)} were out of reach on the first run`);
    if (lost) declareGap(run, new Date(lost.from), from, `no run read the GitHub audit log between ${lost.from} and ${lost.to}, which GitHub no longer keeps (${AUDIT_RETENTION_DAYS} days)`);
    feed(run, 'protection', plan, { state: 'listed', from: isoSeconds(from), to: until, events: events.length, lostFrom: lost?.from ?? null, lostTo: lost?.to ?? null });
    run.cursors[AUDIT_CURSOR] = until;
  } catch (e) {
    run.dropType('github.audit_event');
    failed(run, 'protection', plan, e, `${AUDIT_ROUTE}?phrase=${PROTECTION_PHRASES.join('|')}`);
    carryCursor(run);
  }
}

function dayFloor(ms: number): Date {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS);
}

function dayCeil(ms: number): Date {
  return new Date(Math.ceil(ms / DAY_MS) * DAY_MS);
}

/** A failed or refused read keeps the previous cursor, so the next run starts where the last complete read ended. */
function carryCursor(run: RunState): void {
  const prev = run.ctx.cursors?.[AUDIT_CURSOR];
  if (prev !== undefined) run.cursors[AUDIT_CURSOR] = prev;
}

function declareGap(run: RunState, from: Date, to: Date, reason: string): void {
  if (from.getTime() >= to.getTime()) return;
  run.declaredGaps.push({ from: isoSeconds(dayFloor(from.getTime())), to: isoSeconds(to), reason });
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
