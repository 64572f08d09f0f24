// The emulator's organization audit-log search: GitHub's phrase qualifiers, 180-day retention, three-month default window, cursor pages.
import type { EmuOrg } from './state.js';
import { auditEventBody } from './rest-shapes.js';

const DAY_MS = 86_400_000;
const DOCS = 'https://docs.github.com/rest';
/** GitHub keeps web events of the organization audit log for 180 days. */
export const AUDIT_RETENTION_DAYS = 180;
/** Without a `created` qualifier GitHub returns the last three months only. */
const DEFAULT_WINDOW_DAYS = 90;

type Reply =
  | { kind: 'cached'; body: unknown; headers: Record<string, string> }
  | { kind: 'error'; status: number; body: unknown; headers: Record<string, string> };

interface Phrase { from: number; to: number; actions: string[]; actors: string[]; explicitCreated: boolean }

/** `2024-01-31` (that whole day in UTC) or an ISO instant; NaN when unreadable. */
function instant(s: string, end: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00Z`) + (end ? DAY_MS - 1 : 0);
  return /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
}

/** The qualifiers GitHub documents for the audit-log search: `created:` (>=, <=, >, <, A..B, a day), `action:` (an action or its category), `actor:`. */
export function parsePhrase(phrase: string): Phrase | string {
  const out: Phrase = { from: -Infinity, to: Infinity, actions: [], actors: [], explicitCreated: false };
  for (const term of phrase.split(/\s+/).filter(Boolean)) {
    const m = /^(created|action|actor):(.+)$/.exec(term);
    if (!m) return `unsupported search term ${term}`;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'action') { out.actions.push(value); continue; }
    if (key === 'actor') { out.actors.push(value); continue; }
    out.explicitCreated = true;
    const range = /^(.+)\.\.(.+)$/.exec(value);
    const cmp = /^(>=|<=|>|<)(.+)$/.exec(value);
    if (range) { out.from = Math.max(out.from, instant(range[1]!, false)); out.to = Math.min(out.to, instant(range[2]!, true)); }
    else if (cmp) {
      const t = instant(cmp[2]!, cmp[1] === '<=' || cmp[1] === '>');
      if (cmp[1] === '>=') out.from = Math.max(out.from, t);
      else if (cmp[1] === '>') out.from = Math.max(out.from, t + 1);
      else if (cmp[1] === '<=') out.to = Math.min(out.to, t);
      else out.to = Math.min(out.to, t - 1);
    } else { out.from = Math.max(out.from, instant(value, false)); out.to = Math.min(out.to, instant(value, true)); }
    if (Number.isNaN(out.from) || Number.isNaN(out.to)) return `cannot read the date in ${term}`;
  }
  return out;
}

function invalid(message: string): Reply {
  return { kind: 'error', status: 422, body: { message, documentation_url: `${DOCS}/orgs/orgs#get-the-audit-log-for-an-organization`, status: '422' }, headers: {} };
}

/** GET /orgs/{org}/audit-log: matching web events, newest first unless `order=asc`, in pages linked by an opaque `after` cursor. */
export function auditLogReply(url: URL, base: string, org: EmuOrg, now: Date, perPage: number, scopeHeaders: Record<string, string>): Reply {
  const parsed = parsePhrase(url.searchParams.get('phrase') ?? '');
  if (typeof parsed === 'string') return invalid(parsed);
  const include = url.searchParams.get('include') ?? 'web';
  if (!['web', 'git', 'all'].includes(include)) return invalid(`include must be one of web, git, all`);
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return invalid('order must be one of asc, desc');
  const kept = now.getTime() - AUDIT_RETENTION_DAYS * DAY_MS;
  const from = Math.max(parsed.from, kept, parsed.explicitCreated ? -Infinity : now.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  const list = include === 'git' ? [] : org.auditLog.filter((e) => {
    const t = Date.parse(e.createdAt);
    return t >= from && t <= parsed.to && t <= now.getTime()
      && (parsed.actions.length === 0 || parsed.actions.some((a) => e.action === a || e.action.startsWith(`${a}.`)))
      && (parsed.actors.length === 0 || (e.actor !== null && parsed.actors.includes(e.actor)));
  }).sort((a, b) => (order === 'asc' ? 1 : -1) * (Date.parse(a.createdAt) - Date.parse(b.createdAt)) || a.id.localeCompare(b.id));
  const after = url.searchParams.get('after');
  let start = 0;
  if (after !== null) {
    const decoded = /^MS4(\d+)$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
    if (!decoded) return invalid('the cursor is not valid');
    start = Number(decoded[1]);
  }
  const headers: Record<string, string> = { ...scopeHeaders };
  if (start + perPage < list.length) {
    const next = new URL(url.toString());
    next.searchParams.set('after', Buffer.from(`MS4${start + perPage}`).toString('base64url'));
    headers.link = `<${base}${next.pathname}${next.search}>; rel="next"`;
  }
  return { kind: 'cached', body: list.slice(start, start + perPage).map((e) => auditEventBody(org, e)), headers };
}

/**
 * GitHub's own limit on audit-log queries (1,750 an hour per user and IP address), beyond the primary limit: counted per
 * token for the emulator's life (tests never run an hour); past it, a 403 secondary-limit reply with `retry-after`.
 */
export function auditLogThrottle(limit: number): (token: string) => { status: number; body: unknown; headers: Record<string, string> } | undefined {
  const counts = new Map<string, number>();
  return (token) => {
    const n = (counts.get(token) ?? 0) + 1;
    counts.set(token, n);
    if (n <= limit) return undefined;
    return {
      status: 403, headers: { 'retry-after': '60' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
    };
  };
}
