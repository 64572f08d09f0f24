// Okta collector against its emulator over real HTTP: demo verdicts, paging, rate limits, permissions, System Log cursor.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { oktaSource } from '../../collectors/okta/index.js';
import { oktaDemo, startOktaEmulator, type OktaEmulator } from '../../collectors/okta/demo.js';
import { oktaConfigSchema } from '../../collectors/okta/config.js';
import { OKTA_LOG_CURSOR } from '../../collectors/okta/collector.js';
import { OKTA_RESOURCE_TYPES } from '../../src/core/contracts/okta.js';
import { oktaRules } from '../../rules/okta/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { byType, ctx, deps, statusOf } from './helpers.js';
import { TestClock } from '../support/test-clock.js';

let emu: OktaEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

const ssws = (url: string, extra: Record<string, unknown> = {}) =>
  oktaConfigSchema.parse({ orgUrl: url, auth: { type: 'ssws', token: 'emulator-ssws-token' }, ...extra });

describe('okta collector', () => {
  it('collects the demo tenant and the rules flag its known violations', async () => {
    emu = await startOktaEmulator();
    const collector = oktaSource.createCollector(oktaDemo.demoConfig(emu).config, deps);
    const [scope] = await collector.scopes();
    const snap = await collector.collect(ctx(scope!));
    expect(snap.errors).toEqual([]);
    expect(Object.keys(snap.inputs).sort()).toEqual([...OKTA_RESOURCE_TYPES].sort());
    const users = byType(snap, 'okta.user');
    expect(users.map((u) => u.name).sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map((n) => `${n}@example.com`));
    const dave = users.find((u) => u.name === 'dave@example.com')!;
    expect(dave.attributes).toMatchObject({ status: 'DEPROVISIONED', active: false, mfaEnrolled: null });
    const alice = users.find((u) => u.name === 'alice@example.com')!;
    expect(alice.attributes).toMatchObject({ isAdmin: true, adminRoles: ['SUPER_ADMIN'], phishingResistant: true, mfaMethods: ['push', 'webauthn'] });
    expect(byType(snap, 'okta.log_event').map((e) => e.name)).toEqual(['user.account.privilege.grant', 'user.lifecycle.suspend', 'user.lifecycle.deactivate']);
    expect(snap.apiCalls).toBe(snap.minApiCalls);
    expect(snap.artifacts.every((a) => !a.body.toString().includes('emulator-ssws-token'))).toBe(true);

    const results = evaluateSnapshot(snap, oktaRules, { now: new Date() });
    const id = (login: string) => users.find((u) => u.name === login)!.id;
    expect(statusOf(results, 'okta.users.mfa_enrolled', id('alice@example.com'))).toBe('pass');
    expect(statusOf(results, 'okta.users.mfa_enrolled', id('carol@example.com'))).toBe('fail');
    expect(statusOf(results, 'okta.users.mfa_enrolled', id('bob@example.com'))).toBe('fail');
    expect(statusOf(results, 'okta.users.mfa_enrolled', id('dave@example.com'))).toBeUndefined();
    expect(statusOf(results, 'okta.users.inactive', id('erin@example.com'))).toBe('fail');
    expect(statusOf(results, 'okta.users.inactive', id('frank@example.com'))).toBe('fail');
    expect(statusOf(results, 'okta.users.inactive', id('heidi@example.com'))).toBe('pass');
    expect(statusOf(results, 'okta.admins.inventory_bounded', scope!)).toBe('fail');
    expect(statusOf(results, 'okta.admins.inventory_bounded', id('bob@example.com'))).toBe('fail');
    expect(statusOf(results, 'okta.admins.inventory_bounded', id('alice@example.com'))).toBe('pass');
    expect(statusOf(results, 'okta.policy.mfa_enforced', '00pAccessDashboard1')).toBe('fail');
    expect(statusOf(results, 'okta.policy.mfa_enforced', '00pAccessAdminCons1')).toBe('pass');
    expect(statusOf(results, 'okta.policy.password_and_session', '00pPasswordDefault01')).toBe('fail');
    expect(statusOf(results, 'okta.policy.password_and_session', '00pSignOnDefault001')).toBe('fail');
    expect(statusOf(results, 'okta.logs.retained_externally', scope!)).toBe('fail');
    expect(statusOf(results, 'okta.admins.api_tokens_restricted', '00Tdemo0001')).toBe('fail');
    expect(results.find((r) => r.ruleId === 'okta.admins.api_tokens_restricted')!.reason).toBe('API token "terraform" is owned by super admin alice@example.com and usable from any network');
    // Unchanged state gives byte-identical reasons on the next run.
    const again = evaluateSnapshot(await collector.collect(ctx(scope!)), oktaRules, { now: new Date() });
    expect(again.map((r) => `${r.ruleId} ${r.resourceId} ${r.status} ${r.reason}`)).toEqual(results.map((r) => `${r.ruleId} ${r.resourceId} ${r.status} ${r.reason}`));
  });

  it('follows Link-header paging with small pages and makes no more calls than needed', async () => {
    emu = await startOktaEmulator({ estate: { users: 47, seed: 3 } });
    const snap = await oktaSource.createCollector(ssws(emu.url, { pageSize: 5, logPageSize: 2 }), deps).collect(ctx('x'));
    expect(snap.errors).toEqual([]);
    expect(byType(snap, 'okta.user')).toHaveLength(47);
    expect(new Set(byType(snap, 'okta.user').map((u) => u.id)).size).toBe(47);
    const deprovisioned = emu.tenant.users.filter((u) => u.status === 'DEPROVISIONED').length;
    expect(byType(snap, 'okta.log_event')).toHaveLength(deprovisioned);
    expect(emu.stats.byBucket.users).toBeGreaterThanOrEqual(Math.ceil((47 - deprovisioned) / 5));
    expect(snap.apiCalls).toBe(snap.minApiCalls);
    expect(snap.apiCalls).toBe(emu.stats.requests);
  });

  it('paces itself by X-Rate-Limit-* headers so a small bucket never answers 429', async () => {
    // Emulator and collector share a test clock: the windows reset as the collector waits on it, with no real wait.
    const clock = new TestClock(Date.now());
    emu = await startOktaEmulator({ estate: { users: 10, seed: 9 }, rateLimit: { windowMs: 1000, limits: { 'users/{id}/factors': 4 } }, clock });
    const snap = await oktaSource.createCollector(ssws(emu.url, { concurrency: 8, rateLimitReserve: 0 }), deps).collect(ctx('x', undefined, clock));
    expect(snap.errors).toEqual([]);
    const active = emu.tenant.users.filter((u) => u.status === 'ACTIVE').length;
    expect(active).toBeGreaterThan(8);
    expect(emu.stats.byBucket['users/{id}/factors']).toBe(active);
    expect(emu.stats.rejected429).toBe(0);
    // Three windows of four are needed, so at least two window resets were waited for.
    expect(clock.elapsed()).toBeGreaterThanOrEqual(1000);
    expect(byType(snap, 'okta.user').filter((u) => u.attributes.active).every((u) => u.attributes.mfaEnrolled !== null)).toBe(true);
  });

  it('retries a 429 after X-Rate-Limit-Reset and counts the retry', async () => {
    const clock = new TestClock(Date.now());
    emu = await startOktaEmulator({ force429: 2, rateLimit: { windowMs: 1000 }, clock });
    const snap = await oktaSource.createCollector(ssws(emu.url), deps).collect(ctx('x', undefined, clock));
    expect(snap.errors).toEqual([]);
    expect(emu.stats.rejected429).toBe(2);
    expect(snap.metrics?.throttled).toBe(2);
    expect(snap.apiCalls).toBe(snap.minApiCalls! + 2);
    expect(byType(snap, 'okta.user')).toHaveLength(8);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(300);
  });

  it('names the missing OAuth scope and errors only the rules that need it', async () => {
    emu = await startOktaEmulator({ deniedScopes: ['okta.roles.read', 'okta.logs.read', 'okta.apiTokens.read'] });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = oktaConfigSchema.parse({
      orgUrl: emu.url,
      auth: { type: 'oauth', clientId: '0oaEmulatorClient', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), keyId: 'k1' },
    });
    const snap = await oktaSource.createCollector(config, deps).collect(ctx('x'));
    expect(snap.errors.map((e) => [e.operation, e.code, e.permission, e.inputs])).toEqual([
      ['okta:ListRoleAssignees', 'E0000006', 'okta.roles.read', ['okta.admin_role']],
      ['okta:ListApiTokens', 'E0000006', 'okta.apiTokens.read', ['okta.api_token']],
      ['okta:ListLogEvents', 'E0000006', 'okta.logs.read', ['okta.log_event']],
    ]);
    expect(snap.inputs['okta.user']).toBeDefined();
    const results = evaluateSnapshot(snap, oktaRules, { now: new Date() });
    const admin = results.filter((r) => r.ruleId === 'okta.admins.inventory_bounded');
    expect(admin).toHaveLength(1);
    expect(admin[0]).toMatchObject({ status: 'error' });
    expect(admin[0]!.reason).toContain('okta.roles.read');
    expect(results.some((r) => r.ruleId === 'okta.users.mfa_enrolled' && r.status === 'pass')).toBe(true);
  });

  it('reads each System Log event once across runs, resuming from the saved cursor', async () => {
    emu = await startOktaEmulator();
    const collector = oktaSource.createCollector(ssws(emu.url), deps);
    const first = await collector.collect(ctx('x'));
    expect(byType(first, 'okta.log_event')).toHaveLength(3);
    // The cursor is the end of the window read (plus uuids inside the overlap), not a next link: see okta-soundness.test.ts.
    expect(JSON.parse(first.cursors![OKTA_LOG_CURSOR]!)).toMatchObject({ v: 2, seen: [] });
    emu.deactivateUser('erin@example.com');
    const second = await collector.collect(ctx('x', first.cursors));
    const events = byType(second, 'okta.log_event');
    expect(events.map((e) => [e.name, (e.attributes.targets as Array<{ alternateId: string }>)[0]!.alternateId])).toEqual([
      ['user.lifecycle.deactivate', 'erin@example.com'],
    ]);
    expect(byType(second, 'okta.user').find((u) => u.name === 'erin@example.com')!.attributes.status).toBe('DEPROVISIONED');
    const third = await collector.collect(ctx('x', second.cursors));
    expect(byType(third, 'okta.log_event')).toHaveLength(0);
  });

  it('rejects a config with unknown keys or both key forms', () => {
    expect(oktaConfigSchema.safeParse({ orgUrl: 'https://a.okta.com', auth: { type: 'ssws', token: 't' }, extra: 1 }).success).toBe(false);
    expect(oktaConfigSchema.safeParse({ orgUrl: 'https://a.okta.com', auth: { type: 'oauth', clientId: 'c', privateKey: 'k', privateKeyFile: 'f' } }).success).toBe(false);
    expect(oktaConfigSchema.safeParse({ orgUrl: 'not a url', auth: { type: 'ssws', token: 't' } }).success).toBe(false);
  });
});
