// Okta under degraded replies, over real HTTP to the emulator: no hang, no crash, honest causes, and no pass that the
// healthy tenant would not give; plus group-held admin roles, per-user factor failures, lastLogin and late log events.
import { createServer } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { oktaSource } from '../../collectors/okta/index.js';
import { startOktaEmulator, type OktaEmulator } from '../../collectors/okta/demo.js';
import { oktaConfigSchema } from '../../collectors/okta/config.js';
import type { OktaReplyFault } from '../../collectors/okta/emulator.js';
import { OKTA_LOG_CURSOR } from '../../collectors/okta/collector.js';
import { mulberry32 } from '../../src/core/seeded-random.js';
import { oktaRules } from '../../rules/okta/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import type { Result, Snapshot } from '../../src/core/types.js';
import type { Logger } from '../../src/core/collector.js';
import { byType, ctx, deps, statusOf } from './helpers.js';
import { TestClock } from '../support/test-clock.js';
import type { Clock } from '../../src/core/collector.js';

let emu: OktaEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

const cfg = (url: string, extra: Record<string, unknown> = {}) => oktaConfigSchema.parse({
  orgUrl: url, auth: { type: 'ssws', token: 'emulator-ssws-token' }, maxRetries: 1, requestTimeoutMs: 300, maxRateLimitWaitMs: 1000, ...extra,
});
const collect = async (e: OktaEmulator, extra: Record<string, unknown> = {}, cursors?: Record<string, string>, clock?: Clock) =>
  oktaSource.createCollector(cfg(e.url, extra), deps).collect(ctx(new URL(e.url).host, cursors, clock));
const passes = (rs: Result[]) => new Set(rs.filter((r) => r.status === 'pass').map((r) => `${r.ruleId} ${r.resourceId}`));
const evaluate = (s: Snapshot) => evaluateSnapshot(s, oktaRules, { now: new Date() });

const HTML = '<!DOCTYPE html><html><head><title>Okta - 500</title></head><body>Something went wrong</body></html>';
const USERS = /^\/api\/v1\/users$/;

describe('okta: each failure mode of a reply ends as an error naming its cause', () => {
  const cases: Array<[string, Omit<OktaReplyFault, 'count'>, string]> = [
    ['429 without X-Rate-Limit-* headers', { status: 429, body: JSON.stringify({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit' }) }, 'throttled'],
    ['500 with an HTML page', { status: 500, body: HTML, contentType: 'text/html' }, 'server_error'],
    ['200 with an HTML page', { status: 200, body: HTML, contentType: 'text/html' }, 'malformed'],
    ['200 with an empty body', { status: 200, body: '' }, 'malformed'],
    ['200 with {}', { status: 200, body: '{}' }, 'malformed'],
    ['200 with null', { status: 200, body: 'null' }, 'malformed'],
    ['200 with users lacking ids', { status: 200, body: '[{"status":"ACTIVE"}]' }, 'malformed'],
    ['a next link off the org host', { status: 200, body: '[]', headers: { link: '<https://evil.example.com/api/v1/users?after=x>; rel="next"' } }, 'malformed'],
    ['connection reset', { reset: true }, 'unreachable'],
    ['a reply that never ends', { hang: true }, 'timeout'],
  ];
  for (const [name, fault, cause] of cases) {
    it(`users list: ${name} → ${cause}`, async () => {
      emu = await startOktaEmulator({ faults: [{ count: 10, pathPattern: USERS, ...fault }] });
      const snap = await collect(emu);
      const e = snap.errors.find((x) => x.inputs.includes('okta.user'));
      expect(e).toMatchObject({ operation: 'okta:ListUsers', cause });
      expect(snap.inputs['okta.user']).toBeUndefined();
      const results = evaluate(snap);
      const userRules = results.filter((r) => ['okta.users.mfa_enrolled', 'okta.users.inactive', 'okta.admins.inventory_bounded'].includes(r.ruleId));
      expect(userRules.length).toBeGreaterThan(0);
      expect(userRules.every((r) => r.status === 'error')).toBe(true);
      // Other inputs are still judged.
      expect(statusOf(results, 'okta.policy.mfa_enforced', '00pAccessAdminCons1')).toBe('pass');
    });
  }

  it('a 429 or reset once, without rate-limit headers, is retried and does not wedge the limiter', async () => {
    emu = await startOktaEmulator({ faults: [
      { count: 1, pathPattern: USERS, status: 429, body: '{}' },
      { count: 1, pathPattern: /\/factors$/, reset: true },
      { count: 1, pathPrefix: '/api/v1/policies', status: 200, body: '', headers: {} },
    ] });
    // The retries' back-off passes on a test clock, not in real time.
    const snap = await collect(emu, { maxRetries: 2 }, undefined, new TestClock(Date.now()));
    // The empty 200 is not retried (it is an answer, and a malformed one); the 429 and the reset are.
    expect(snap.errors.map((e) => [e.operation, e.cause])).toEqual([['okta:ListPolicies', 'malformed']]);
    expect(byType(snap, 'okta.user')).toHaveLength(8);
    expect(snap.inputs['okta.user.factors']).toBeDefined();
  });

  it('a 429 whose X-Rate-Limit-Reset is past maxRateLimitWaitMs fails as throttled at once instead of waiting', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    emu = await startOktaEmulator({ faults: [{ count: 5, pathPattern: USERS, status: 429, body: '{"errorCode":"E0000047"}', headers: { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset } }] });
    const snap = await collect(emu, { maxRetries: 5 });
    expect(snap.errors.find((e) => e.operation === 'okta:ListUsers')).toMatchObject({ cause: 'throttled', code: 'E0000047' });
    expect(emu.stats.requests).toBeGreaterThan(0);
  });

  it('a source that is down is unreachable for every input', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const snap = await oktaSource.createCollector(cfg(`http://127.0.0.1:${port}`, { maxRetries: 0 }), deps).collect(ctx('x'));
    expect(snap.errors.length).toBeGreaterThanOrEqual(5);
    expect(new Set(snap.errors.map((e) => e.cause))).toEqual(new Set(['unreachable']));
    expect(Object.keys(snap.inputs)).toEqual([]);
  });

  it('honours ctx.signal: a collection hung on every request ends as soon as it is aborted, naming the operation', async () => {
    emu = await startOktaEmulator({ faults: [{ count: 1000, hang: true }] });
    const controller = new AbortController();
    const ops: string[] = [];
    const collector = oktaSource.createCollector(cfg(emu.url, { requestTimeoutMs: 300_000 }), deps);
    const snap = await collector.collect({ ...ctx('x'), signal: controller.signal, onOperation: (op) => { ops.push(op); if (ops.length === 1) setImmediate(() => controller.abort()); } });
    expect(ops[0]).toBe('okta:ListUsers');
    expect(snap.errors[0]).toMatchObject({ operation: 'okta:ListUsers', cause: 'timeout' });
    expect(snap.errors.every((e) => e.cause === 'timeout')).toBe(true);
  });

  it('a wrong OAuth client id fails fast as unauthenticated after one token request', async () => {
    emu = await startOktaEmulator();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = oktaConfigSchema.parse({
      orgUrl: emu.url, requestTimeoutMs: 1000,
      auth: { type: 'oauth', clientId: '0oaWrongClient', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    });
    const snap = await oktaSource.createCollector(config, deps).collect(ctx('x'));
    expect(snap.apiCalls).toBe(1);
    expect(snap.errors.length).toBeGreaterThanOrEqual(5);
    expect(snap.errors.every((e) => e.cause === 'unauthenticated' && e.operation === 'okta:oauth2/v1/token' && e.code === 'invalid_client')).toBe(true);
    const reasons = evaluate(snap).map((r) => r.reason);
    expect(reasons.every((r) => !r.includes('needs permission'))).toBe(true);
  });
});

describe('okta: completeness per resource', () => {
  it('one user whose factors cannot be read is error for that user only, never fail or pass', async () => {
    emu = await startOktaEmulator();
    const heidi = emu.tenant.users.find((u) => u.profile.login === 'heidi@example.com')!;
    const carol = emu.tenant.users.find((u) => u.profile.login === 'carol@example.com')!;
    emu.faults.push({ count: 5, pathPrefix: `/api/v1/users/${heidi.id}/factors`, status: 500, body: HTML, contentType: 'text/html' });
    emu.faults.push({ count: 5, pathPrefix: `/api/v1/users/${carol.id}/factors`, status: 200, body: '{"factors":[]}' });
    const snap = await collect(emu);
    expect(snap.errors.map((e) => [e.operation, e.cause, e.resources]).sort()).toEqual([
      ['okta:ListFactors', 'malformed', [carol.id]],
      ['okta:ListFactors', 'server_error', [heidi.id]],
    ]);
    const results = evaluate(snap);
    expect(statusOf(results, 'okta.users.mfa_enrolled', heidi.id)).toBe('error');
    // carol has no factor in truth; an unreadable list must not read as "none" (fail) or anything else but error.
    expect(statusOf(results, 'okta.users.mfa_enrolled', carol.id)).toBe('error');
    const alice = emu.tenant.users.find((u) => u.profile.login === 'alice@example.com')!;
    expect(statusOf(results, 'okta.users.mfa_enrolled', alice.id)).toBe('pass');
  });

  it('lastLogin null is "never signed in" (fail), a missing lastLogin is unknown (error)', async () => {
    emu = await startOktaEmulator();
    const heidi = emu.tenant.users.find((u) => u.profile.login === 'heidi@example.com')!;
    delete (heidi as { lastLogin?: unknown }).lastLogin;
    const snap = await collect(emu);
    const results = evaluate(snap);
    expect(statusOf(results, 'okta.users.inactive', heidi.id)).toBe('error');
    const frank = emu.tenant.users.find((u) => u.profile.login === 'frank@example.com')!;
    expect(statusOf(results, 'okta.users.inactive', frank.id)).toBe('fail');
  });

  it('admin roles held through a group are expanded to members, and a failed group read errors the admin rules', async () => {
    emu = await startOktaEmulator();
    const carol = emu.tenant.users.find((u) => u.profile.login === 'carol@example.com')!;
    const snap = await collect(emu);
    expect(byType(snap, 'okta.user').find((u) => u.id === carol.id)!.attributes).toMatchObject({ isAdmin: true, adminRoles: ['USER_ADMIN'] });
    expect(byType(snap, 'okta.admin_role').find((r) => r.id.startsWith(`${carol.id}:`))!.attributes).toMatchObject({ assignmentType: 'GROUP', roleType: 'USER_ADMIN' });
    expect(statusOf(evaluate(snap), 'okta.admins.inventory_bounded', carol.id)).toBe('fail');

    emu.faults.push({ count: 5, pathPattern: /^\/api\/v1\/groups\/[^/]+\/roles$/, status: 403, body: '{"errorCode":"E0000006","errorSummary":"You do not have permission"}' });
    const denied = await collect(emu);
    expect(denied.errors).toEqual([expect.objectContaining({ operation: 'okta:ListGroupAssignedRoles', cause: 'denied', permission: 'okta.roles.read', inputs: ['okta.admin_role'] })]);
    const admin = evaluate(denied).filter((r) => r.ruleId === 'okta.admins.inventory_bounded');
    expect(admin.map((r) => r.status)).toEqual(['error']);
    expect(admin[0]!.reason).toContain('needs permission okta.roles.read');
  });

  it('a System Log event indexed late (published before the last read) is read on the next run, exactly once', async () => {
    emu = await startOktaEmulator();
    const first = await collect(emu);
    expect(byType(first, 'okta.log_event')).toHaveLength(3);
    const cursor = JSON.parse(first.cursors![OKTA_LOG_CURSOR]!) as { until: string };
    // Published five minutes before the first read's window closed, but only indexed now.
    emu.addLogEvent('user.lifecycle.suspend', 'erin@example.com', new Date(Date.parse(cursor.until) - 5 * 60_000));
    const second = await collect(emu, {}, first.cursors);
    expect(byType(second, 'okta.log_event').map((e) => e.name)).toEqual(['user.lifecycle.suspend']);
    const third = await collect(emu, {}, second.cursors);
    expect(byType(third, 'okta.log_event')).toHaveLength(0);
    // Without the overlap the late event would be lost: a zero-minute overlap misses it.
    const emu2 = await startOktaEmulator();
    try {
      const a = await collect(emu2, { logOverlapMinutes: 0 });
      emu2.addLogEvent('user.lifecycle.suspend', 'erin@example.com', new Date(Date.parse((JSON.parse(a.cursors![OKTA_LOG_CURSOR]!) as { until: string }).until) - 60_000));
      expect(byType(await collect(emu2, { logOverlapMinutes: 0 }, a.cursors), 'okta.log_event')).toHaveLength(0);
    } finally { await emu2.close(); }
  });

  it.each([
    ['not JSON', '{"v":2,"until":'],
    ['an unknown version', '{"v":1,"until":"2026-01-01T00:00:00Z","seen":[]}'],
    ['a bare timestamp', '2026-01-01T00:00:00Z'],
  ])('a corrupt saved System Log cursor (%s) is logged and the log read again from the lookback window', async (_n, saved) => {
    emu = await startOktaEmulator();
    const logged: Array<{ msg: string; fields: Record<string, unknown> }> = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (o, m) => { logged.push({ msg: String(m), fields: o as Record<string, unknown> }); } };
    const snap = await oktaSource.createCollector(cfg(emu.url), deps).collect({ ...ctx(new URL(emu.url).host, { [OKTA_LOG_CURSOR]: saved }), logger });
    expect(logged).toEqual([{ msg: 'okta: saved System Log cursor is corrupt; reading again from the lookback window', fields: expect.objectContaining({ cursor: OKTA_LOG_CURSOR, saved }) }]);
    expect(byType(snap, 'okta.log_event')).toHaveLength(3);
  });

  it('a System Log event with a target that is not an object is a malformed reply, not an event with the target dropped', async () => {
    emu = await startOktaEmulator();
    const event = { uuid: 'ev-bad-target', published: new Date().toISOString(), eventType: 'user.lifecycle.deactivate', actor: { id: '00uadmin', type: 'User', alternateId: 'admin@example.com' }, target: [{ id: '00uerin', type: 'User', alternateId: 'erin@example.com', displayName: 'Erin' }, 'erin@example.com'], outcome: { result: 'SUCCESS' } };
    emu.faults.push({ count: 5, pathPrefix: '/api/v1/logs', status: 200, body: JSON.stringify([event]) });
    const snap = await collect(emu);
    expect(snap.errors).toEqual([expect.objectContaining({ operation: 'okta:ListLogEvents', cause: 'malformed', inputs: ['okta.log_event'] })]);
    expect(snap.errors[0]!.message).toContain('event ev-bad-target target 1 is not an object');
    expect(snap.inputs['okta.log_event']).toBeUndefined();
    expect(byType(snap, 'okta.log_event')).toHaveLength(0);
  });

  it('no PASSWORD or no OKTA_SIGN_ON policy listed is a short read (Okta keeps an undeletable Default Policy of each): error, not not_applicable', async () => {
    emu = await startOktaEmulator();
    const healthy = evaluate(await collect(emu));
    expect(healthy.filter((r) => r.ruleId === 'okta.policy.password_and_session').map((r) => r.status)).not.toContain('not_applicable');
    for (const type of ['PASSWORD', 'OKTA_SIGN_ON']) {
      const all = emu.tenant.policies;
      emu.tenant.policies = all.filter((p) => p.type !== type);
      const snap = await collect(emu);
      emu.tenant.policies = all;
      expect(snap.errors).toEqual([expect.objectContaining({ operation: 'okta:ListPolicies', code: 'EMPTY_POLICIES', cause: 'incomplete', inputs: ['okta.policy'] })]);
      expect(snap.errors[0]!.message).toContain(`no ${type} policy returned`);
      const rs = evaluate(snap).filter((r) => r.ruleId.startsWith('okta.policy.'));
      expect(rs.length).toBeGreaterThan(0);
      expect(rs.every((r) => r.status === 'error')).toBe(true);
    }
  });

  it('suspended and deactivated users cannot sign in: no factor read, no MFA or inactivity verdict, status kept', async () => {
    emu = await startOktaEmulator();
    const snap = await collect(emu);
    const results = evaluate(snap);
    for (const login of ['grace@example.com', 'dave@example.com']) {
      const u = byType(snap, 'okta.user').find((x) => x.name === login)!;
      expect(u.attributes).toMatchObject({ active: false, mfaEnrolled: null });
      expect(statusOf(results, 'okta.users.mfa_enrolled', u.id)).toBeUndefined();
      expect(statusOf(results, 'okta.users.inactive', u.id)).toBeUndefined();
    }
    expect(byType(snap, 'okta.user').find((x) => x.name === 'grace@example.com')!.attributes.status).toBe('SUSPENDED');
    expect(emu.stats.byBucket['users/{id}/factors']).toBe(emu.tenant.users.filter((u) => u.status === 'ACTIVE').length);
  });

  it('rejects request timeouts and rate-limit waits outside their bounds, naming them', () => {
    const base = { orgUrl: 'https://a.okta.com', auth: { type: 'ssws', token: 't' } };
    const bad = oktaConfigSchema.safeParse({ ...base, requestTimeoutMs: 0 });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('between 100 and 300000 ms');
    expect(oktaConfigSchema.safeParse({ ...base, maxRateLimitWaitMs: 86_400_000 }).success).toBe(false);
    expect(oktaConfigSchema.safeParse({ ...base, maxRetries: 1000 }).success).toBe(false);
    expect(oktaConfigSchema.parse(base)).toMatchObject({ requestTimeoutMs: 30_000, maxRetries: 4 });
  });
});

describe('okta: degrading any one reply never adds a pass', () => {
  it('holds for each request of the demo collection and each kind of degradation', async () => {
    // Hundreds of collections a minute: lift the per-minute limits so each replay sees the same requests.
    const big = 1_000_000;
    emu = await startOktaEmulator({ rateLimit: { limits: { users: big, logs: big, default: big, groups: big, iam: big, policies: big, 'users/{id}/factors': big, 'users/{id}/roles': big } } });
    const healthy = await collect(emu, { concurrency: 1, maxRetries: 0 });
    expect(healthy.errors).toEqual([]);
    const good = passes(evaluate(healthy));
    const requests = emu.stats.requests;
    const kinds: Array<Omit<OktaReplyFault, 'count' | 'atRequest'>> = [
      { status: 200, body: '' }, { status: 200, body: '{}' }, { status: 200, body: '[]' }, { status: 200, body: 'null' },
      { status: 200, body: HTML, contentType: 'text/html' }, { status: 200, body: '[{"id":"00u1","status":"ACTIVE","profile":{"login":"x@example.com"}}]', truncate: true },
      { status: 401, body: '{"errorCode":"E0000011"}' }, { status: 403, body: '{"errorCode":"E0000006"}' }, { status: 404, body: '{"errorCode":"E0000007"}' },
      { status: 429, body: '{}' }, { status: 500, body: HTML }, { reset: true }, { hang: true },
    ];
    let replays = 0;
    for (let n = 1; n <= requests; n++) {
      for (const kind of kinds) {
        emu.faults.length = 0;
        const fault = { count: 1, atRequest: emu.stats.received + n, ...kind };
        emu.faults.push(fault);
        const snap = await collect(emu, { concurrency: 1, maxRetries: 0 });
        expect(fault.count, `request ${n} was degraded (${JSON.stringify(kind)}, ${emu.stats.received - fault.atRequest + n} requests)`).toBe(0);
        replays++;
        const extra = [...passes(evaluate(snap))].filter((p) => !good.has(p));
        expect(extra, `request ${n}, ${JSON.stringify(kind)}: ${JSON.stringify(extra)}`).toEqual([]);
      }
    }
    console.log(`okta degradation: ${replays} degraded replays over ${requests} requests`);
    expect(replays).toBe(requests * kinds.length);
  }, 120_000);
});

describe('okta: many collections with 5 % of replies corrupted at random (the issue\'s hang scenario)', () => {
  it('every collection ends, none crashes, and none passes what the healthy tenant does not', async () => {
    const big = 1_000_000;
    emu = await startOktaEmulator({ rateLimit: { limits: { users: big, logs: big, default: big, groups: big, iam: big, policies: big, 'users/{id}/factors': big, 'users/{id}/roles': big } } });
    const healthy = await collect(emu, { maxRetries: 1 });
    const good = passes(evaluate(healthy));
    const perRun = emu.stats.received;
    const kinds: Array<Omit<OktaReplyFault, 'count' | 'atRequest'>> = [
      { status: 429, body: '' }, { status: 500, body: '' }, { status: 200, body: HTML, contentType: 'text/html' }, { status: 200, body: '' },
      { status: 200, body: '{}' }, { reset: true }, { hang: true }, { status: 200, body: '[{"id":"00ux"', truncate: true },
    ];
    const rnd = mulberry32(212);
    let degraded = 0;
    for (let run = 0; run < 20; run++) {
      emu.faults.length = 0;
      const start = emu.stats.received;
      // Retries make a run longer than the healthy one: draw over twice its requests.
      for (let i = 1; i <= perRun * 2; i++) {
        if (rnd() < 0.05) { emu.faults.push({ count: 1, atRequest: start + i, ...kinds[Math.floor(rnd() * kinds.length)]! }); degraded++; }
      }
      const snap = await collect(emu, { maxRetries: 1 });
      expect([...passes(evaluate(snap))].filter((p) => !good.has(p)), `run ${run}`).toEqual([]);
    }
    expect(degraded).toBeGreaterThan(10);
  }, 120_000);
});
