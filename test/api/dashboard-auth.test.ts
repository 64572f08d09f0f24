// Dashboard sessions, CSRF and feed capability URLs in-process (fastify inject) on a real ledger: sign-in, cookie
// attributes, CSRF on every POST made with the cookie, expiry and sign-out; feed URLs scoped to the feeds, expiring,
// revocable, stored hashed and never logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { FeedTokens } from '../../src/api/feed-tokens.js';
import { sessionCookie, readCookie } from '../../src/api/session.js';
import { CRIT, RULES, capturingLogger, openLedger, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

const TOKENS = { viewer: 'tok-viewer-' + 'v'.repeat(20), auditor: 'tok-auditor-' + 'u'.repeat(20), admin: 'tok-admin-' + 'd'.repeat(20) };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const framework = { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [{ id: 'CC6.1', title: 'Logical access', rules: [{ id: CRIT.id, evidence: 'direct' }] }] } as unknown as Framework;

describe('dashboard sessions and feed URLs', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  const clock = settableClock('2026-03-01T10:00:00Z');
  const logger = capturingLogger();

  beforeAll(async () => {
    dir = tempDir('vigil-dash-auth-');
    ledger = await openLedger(dir, clock);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'fail' } });
    api = await buildApi({
      ledger,
      rules: RULES,
      framework,
      config: apiConfigSchema.parse({ tokens: Object.entries(TOKENS).map(([role, t]) => ({ name: `${role}-person`, sha256: sha(t), role })) }),
      logger,
      clock,
      sources: [{ source: 'aws', schedule: '0 * * * *' }],
      dataDir: dir,
    });
  });
  afterAll(async () => {
    await api.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (token: string) => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    expect(r.statusCode, r.body).toBe(201);
    const set = String(r.headers['set-cookie']);
    return { cookie: `vigil_session=${readCookie(set.split(';')[0], 'vigil_session')}`, set, body: r.json() as { csrf: string; expiresAt: string; principal: { name: string; role: string }; allowed: string[] } };
  };
  const withCookie = (method: 'GET' | 'POST', url: string, cookie: string, csrf?: string, payload?: object) =>
    api.app.inject({ method, url, headers: { cookie, ...(csrf !== undefined ? { 'x-csrf-token': csrf } : {}) }, ...(payload ? { payload } : method === 'POST' ? { payload: {} } : {}) });

  it('exchanges a valid token for an HttpOnly, SameSite=Strict, expiring cookie; refuses an unknown one without setting a cookie', async () => {
    const bad = await api.app.inject({ method: 'POST', url: '/v1/session', payload: { token: 'not-a-token' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    expect((await api.app.inject({ method: 'POST', url: '/v1/session', payload: {} })).statusCode).toBe(400);
    const { set, body } = await signIn(TOKENS.viewer);
    expect(set).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(body.principal).toEqual({ name: 'viewer-person', role: 'viewer' });
    expect(body.expiresAt).toBe('2026-03-01T18:00:00.000Z');
    // The role's routes come from the route table: a viewer is offered no POST but its own sign-out and the evidence
    // upload and withdrawal, which the route table opens to any role because the handler admits a requirement's owner
    // (or an admin).
    expect(body.allowed).toContain('GET /v1/posture');
    expect(body.allowed.filter((r) => r.startsWith('POST'))).toEqual(['POST /v1/evidence', 'POST /v1/evidence/:id/withdraw', 'POST /v1/session/end']);
    expect(body.allowed).not.toContain('GET /v1/reviews');
    expect(sessionCookie('x', 1000, true)).toMatch(/; Secure$/);
  });

  it('a cookie authenticates GETs; every POST made with it needs the session CSRF token (missing or wrong: 403)', async () => {
    const { cookie, body } = await signIn(TOKENS.admin);
    expect((await withCookie('GET', '/v1/posture', cookie)).statusCode).toBe(200);
    expect((await withCookie('GET', '/v1/session', cookie)).json()).toMatchObject({ principal: { name: 'admin-person' }, csrf: body.csrf });
    // A request: who asks is the session's principal (typed requester/approver names are refused by the API).
    const grant = { ruleId: CRIT.id, resourceId: 'b', reason: 'compensating control', expires: '2026-04-01' };
    const none = await withCookie('POST', '/v1/exceptions', cookie, undefined, grant);
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('x-csrf-token') });
    expect((await withCookie('POST', '/v1/exceptions', cookie, body.csrf.slice(0, -1) + 'A', grant)).statusCode).toBe(403);
    // Another session's CSRF token does not fit this one.
    const other = await signIn(TOKENS.admin);
    expect((await withCookie('POST', '/v1/exceptions', cookie, other.body.csrf, grant)).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'GET', url: '/v1/exceptions', headers: { cookie } })).json()).toEqual({ exceptions: [] });
    const ok = await withCookie('POST', '/v1/exceptions', cookie, body.csrf, grant);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ status: 'pending', exception: { requestedBy: { kind: 'token', name: 'admin-person', role: 'admin' }, origin: 'api:admin-person' } });
    const id = (ok.json() as { exception: { id: string } }).exception.id;
    // Approving is a POST like any other: without the CSRF token 403 csrf; with it, the requester's own session is refused.
    const noCsrf = await withCookie('POST', `/v1/exceptions/${id}/approve`, cookie, undefined, {});
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ message: expect.stringContaining('x-csrf-token') });
    const own = await withCookie('POST', `/v1/exceptions/${id}/approve`, other.cookie, other.body.csrf, {});
    expect(own.statusCode).toBe(403);
    expect(own.json()).toMatchObject({ message: expect.stringContaining('may not approve it') });
  });

  it('a session keeps its role (viewer: 403 on an admin route even with CSRF), ends on sign-out, and expires after 8 hours', async () => {
    const v = await signIn(TOKENS.viewer);
    expect((await withCookie('POST', '/v1/feeds', v.cookie, v.body.csrf, { name: 'x' })).statusCode).toBe(403);
    const end = await withCookie('POST', '/v1/session/end', v.cookie, v.body.csrf);
    expect(end.statusCode).toBe(200);
    expect(String(end.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await withCookie('GET', '/v1/posture', v.cookie)).statusCode).toBe(401);
    const a = await signIn(TOKENS.auditor);
    clock.advance(8 * 3600_000 - 1000);
    expect((await withCookie('GET', '/v1/posture', a.cookie)).statusCode).toBe(200);
    clock.advance(1000);
    const gone = await withCookie('GET', '/v1/posture', a.cookie);
    expect(gone.statusCode).toBe(401);
    expect(gone.json()).toMatchObject({ message: expect.stringContaining('expired') });
    // A bearer token still works beside cookies, and needs no CSRF token (a browser never sends it on its own).
    expect((await api.app.inject({ method: 'POST', url: '/v1/session/end', headers: { authorization: `Bearer ${TOKENS.viewer}` }, payload: {} })).statusCode).toBe(200);
  });

  it('feed URLs: read the feeds only (viewer scope), expire, revoke, are stored hashed and never logged', async () => {
    const auth = { authorization: `Bearer ${TOKENS.admin}` };
    const made = await api.app.inject({ method: 'POST', url: '/v1/feeds', headers: auth, payload: { name: 'team reader', expires: '2026-03-10' } });
    expect(made.statusCode, made.body).toBe(201);
    const { atom, json, feed } = made.json() as { atom: string; json: string; feed: { id: string } };
    const token = new URL(atom).searchParams.get('feed')!;
    expect(token).toMatch(/^vfeed_/);
    expect((await api.app.inject({ method: 'GET', url: new URL(atom).pathname + new URL(atom).search })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: new URL(json).pathname + new URL(json).search })).statusCode).toBe(200);
    // Wrong scope: the capability opens the two feed routes and nothing else.
    for (const url of ['/v1/posture', '/v1/alerts', '/v1/findings', '/v1/feeds']) expect((await api.app.inject({ method: 'GET', url: `${url}?feed=${token}` })).statusCode, url).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/v1/alerts.atom?feed=vfeed_unknown' })).statusCode).toBe(401);
    // Wrong role: only admins manage feed URLs.
    expect((await api.app.inject({ method: 'POST', url: '/v1/feeds', headers: { authorization: `Bearer ${TOKENS.auditor}` }, payload: { name: 'x' } })).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'POST', url: '/v1/feeds', headers: auth, payload: { name: 'x', expires: '2020-01-01' } })).statusCode).toBe(400);
    // Stored as its hash only; a second process reading the same file resolves it.
    const stored = readFileSync(join(dir, 'api-feeds.json'), 'utf8');
    expect(stored).not.toContain(token);
    expect(stored).toContain(sha(token));
    expect(new FeedTokens(clock, dir).resolve(token)).toEqual({ ok: true, principal: { name: 'feed:team reader', role: 'viewer' } });
    // Expired
    clock.set('2026-03-10T00:00:01Z');
    expect((await api.app.inject({ method: 'GET', url: `/v1/alerts.atom?feed=${token}` })).statusCode).toBe(401);
    expect(new FeedTokens(clock, dir).resolve(token)).toEqual({ ok: false, reason: 'expired_feed_token' });
    // Revoked
    const second = (await api.app.inject({ method: 'POST', url: '/v1/feeds', headers: auth, payload: { name: 'second' } })).json() as { atom: string; feed: { id: string } };
    const t2 = new URL(second.atom).searchParams.get('feed')!;
    expect((await api.app.inject({ method: 'GET', url: `/v1/alerts.atom?feed=${t2}` })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'POST', url: `/v1/feeds/${second.feed.id}/revoke`, headers: auth, payload: {} })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: `/v1/alerts.atom?feed=${t2}` })).statusCode).toBe(401);
    const list = (await api.app.inject({ method: 'GET', url: '/v1/feeds', headers: auth })).json() as { feeds: Array<{ id: string; state: string; sha256?: string }> };
    expect(list.feeds.map((f) => [f.id, f.state])).toEqual([[feed.id, 'expired'], [second.feed.id, 'revoked']]);
    expect(list.feeds.every((f) => f.sha256 === undefined)).toBe(true);
    const m = (await api.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
    expect(m).toMatch(/vigil_api_auth_failures_total\{reason="revoked_feed_token",route="\/v1\/alerts.atom"\} 1/);
    const logs = logger.lines.join('\n');
    expect(logs).toContain('api request refused');
    for (const t of [token, t2, ...Object.values(TOKENS)]) expect(logs).not.toContain(t);
  });
});
