// The Okta emulator's resource routes: users, factors, roles, groups, admin assignees, policies, log streams, API tokens
// and the System Log, each served as Okta documents it (paging by `after` and Link headers, error bodies).
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { EmuLogEvent, EmuUser, OktaTenant } from './emulator-tenant.js';

const DAY = 86_400_000;

/** What the routes read: the tenant, its user index, the instant its timestamps count from, and the server's base URL. */
export interface OktaEmuState {
  tenant: OktaTenant;
  /** Users are mutated in place, never added, so one index serves the whole run. */
  userById: Map<string, EmuUser>;
  /** Epoch ms generated timestamps count back from. */
  now: number;
  maxUserPage: number;
  /** Set once the server listens. */
  base: string;
}

export const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
};
export const oktaError = (res: ServerResponse, status: number, code: string, summary: string, headers: Record<string, string> = {}) =>
  send(res, status, { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${randomUUID().replace(/-/g, '').slice(0, 19)}`, errorCauses: [] }, headers);

const userJson = (base: string, u: EmuUser) => ({
  id: u.id, status: u.status, created: u.created, activated: u.activated, statusChanged: u.statusChanged, lastLogin: u.lastLogin,
  lastUpdated: u.lastUpdated, passwordChanged: u.passwordChanged, type: { id: 'oty1EmulatorDefault' },
  profile: { ...u.profile, mobilePhone: null, secondEmail: null },
  credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
  _links: { self: { href: `${base}/api/v1/users/${u.id}` } },
});

/** Cursor paging as Okta does it: `after` is the id of the last item of the previous page. */
const page = <T>(base: string, res: ServerResponse, items: T[], idOf: (t: T) => string, url: URL, max: number, rl: Record<string, string>, render: (t: T) => unknown = (t) => t) => {
  const limit = Math.min(Number(url.searchParams.get('limit') ?? max) || max, max);
  const after = url.searchParams.get('after');
  let start = 0;
  if (after) {
    const i = items.findIndex((t) => idOf(t) === after);
    start = i < 0 ? items.length : i + 1;
  }
  const slice = items.slice(start, start + limit);
  const self = `<${base}${url.pathname}${url.search}>; rel="self"`;
  const links = [self];
  if (start + limit < items.length && slice.length > 0) {
    const nu = new URL(url.pathname + url.search, base);
    nu.searchParams.set('after', idOf(slice[slice.length - 1]!));
    nu.searchParams.set('limit', String(limit));
    links.push(`<${nu.toString()}>; rel="next"`);
  }
  send(res, 200, slice.map(render), { ...rl, link: links.join(', ') });
};

/** A GET the caller was admitted to (authenticated, within its rate limit, holding the scope): the resource itself. */
export function serveResource(st: OktaEmuState, res: ServerResponse, url: URL, headers: Record<string, string>): void {
  const { base } = st;
  const path = url.pathname;
  const userId = /^\/api\/v1\/users\/([^/]+)\//.exec(path)?.[1];
  if (path === '/api/v1/users') {
    const search = url.searchParams.get('search');
    const m = search ? /^status eq "([A-Z_]+)"$/.exec(search) : null;
    if (search && !m) return oktaError(res, 400, 'E0000031', 'Invalid search.');
    const list = m ? st.tenant.users.filter((u) => u.status === m[1]) : st.tenant.users.filter((u) => u.status !== 'DEPROVISIONED');
    return page(base, res, list, (u) => u.id, url, st.maxUserPage, headers, (u) => userJson(base, u));
  }
  if (userId) {
    const u = st.userById.get(decodeURIComponent(userId));
    if (!u) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${userId} (User)`, headers);
    if (path.endsWith('/factors')) {
      return send(res, 200, u.factors.map((f) => ({ ...f, profile: {}, _links: { self: { href: `${base}/api/v1/users/${u.id}/factors/${f.id}` } } })), headers);
    }
    return send(res, 200, u.roles, headers);
  }
  const groupPath = /^\/api\/v1\/groups\/([^/]+)\/(roles|users)$/.exec(path);
  if (groupPath) {
    const g = st.tenant.groups.find((x) => x.id === decodeURIComponent(groupPath[1]!));
    if (!g) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${groupPath[1]} (UserGroup)`, headers);
    if (groupPath[2] === 'roles') return send(res, 200, g.roles, headers);
    const members = g.members.map((id) => st.userById.get(id)).filter((u): u is EmuUser => u !== undefined);
    return page(base, res, members, (u) => u.id, url, 1000, headers, (u) => userJson(base, u));
  }
  if (path === '/api/v1/groups') {
    return page(base, res, st.tenant.groups, (g) => g.id, url, 10_000, headers, (g) => ({
      id: g.id, created: new Date(st.now - 300 * DAY).toISOString(), type: g.type, profile: g.profile,
      _links: { users: { href: `${base}/api/v1/groups/${g.id}/users` } },
    }));
  }
  if (path === '/api/v1/iam/assignees/users') {
    const admins = st.tenant.users.filter((u) => u.roles.length > 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 200);
    const after = url.searchParams.get('after');
    const start = after ? admins.findIndex((u) => u.id === after) + 1 : 0;
    const slice = admins.slice(start, start + limit);
    const links: Record<string, { href: string }> = { self: { href: `${base}${path}${url.search}` } };
    if (start + limit < admins.length && slice.length) links.next = { href: `${base}${path}?limit=${limit}&after=${slice[slice.length - 1]!.id}` };
    return send(res, 200, {
      value: slice.map((u) => ({ id: u.id, orn: `orn:okta:directory:emulator:users:${u.id}`, _links: { roles: { href: `${base}/api/v1/users/${u.id}/roles` } } })),
      _links: links,
    }, headers);
  }
  if (path.startsWith('/api/v1/policies')) {
    const rulesOf = /^\/api\/v1\/policies\/([^/]+)\/rules$/.exec(path)?.[1];
    if (rulesOf) {
      const p = st.tenant.policies.find((x) => x.id === rulesOf);
      if (!p) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${rulesOf} (Policy)`, headers);
      return send(res, 200, p.rules, headers);
    }
    const type = url.searchParams.get('type');
    if (!type) return oktaError(res, 400, 'E0000001', 'Api validation failed: type', headers);
    return send(res, 200, st.tenant.policies.filter((p) => p.type === type).map(({ rules: _r, ...p }) => ({
      ...p, conditions: null, created: new Date(st.now - 400 * DAY).toISOString(), lastUpdated: new Date(st.now - 400 * DAY).toISOString(),
      _links: { self: { href: `${base}/api/v1/policies/${p.id}` }, rules: { href: `${base}/api/v1/policies/${p.id}/rules` } },
    })), headers);
  }
  if (path === '/api/v1/logStreams') return send(res, 200, st.tenant.logStreams, headers);
  if (path === '/api/v1/api-tokens') return send(res, 200, st.tenant.apiTokens.map((t) => ({ ...t, _links: { self: { href: `${base}/api/v1/api-tokens/${t.id}` } } })), headers);
  if (path === '/api/v1/logs') {
    const since = url.searchParams.get('since');
    const until = url.searchParams.get('until');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 1000);
    const filter = url.searchParams.get('filter');
    const wanted = filter ? new Set([...filter.matchAll(/eventType eq "([^"]+)"/g)].map((m) => m[1])) : null;
    const after = url.searchParams.get('after');
    // `after` is an opaque position: here the index just past the last event returned.
    const startIdx = after ? Number(after) : 0;
    const events: Array<{ ev: EmuLogEvent; idx: number }> = [];
    for (let i = startIdx; i < st.tenant.logs.length && events.length < limit; i++) {
      const ev = st.tenant.logs[i]!;
      if (since && ev.published < since) continue;
      if (until && ev.published >= until) continue;
      if (wanted && !wanted.has(ev.eventType)) continue;
      events.push({ ev, idx: i });
    }
    const nextIdx = events.length ? events[events.length - 1]!.idx + 1 : Math.max(startIdx, st.tenant.logs.length);
    const nu = new URL('/api/v1/logs', base);
    for (const [k, v] of url.searchParams) if (k !== 'after') nu.searchParams.set(k, v);
    nu.searchParams.set('after', String(nextIdx));
    // Ascending polling always carries a next link, even when the page is empty.
    return send(res, 200, events.map((e) => ({ ...e.ev, legacyEventType: null, version: '0', client: null, transaction: { type: 'WEB', id: 'emu' } })), {
      ...headers, link: `<${base}${path}${url.search}>; rel="self", <${nu.toString()}>; rel="next"`,
    });
  }
  return oktaError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method', headers);
}
