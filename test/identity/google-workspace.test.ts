// Google Workspace collector against its Admin SDK emulator over real HTTP: demo verdicts, pageToken paging, quota backoff, DWD scopes, Reports cursor.
import { afterEach, describe, expect, it } from 'vitest';
import { googleWorkspaceSource } from '../../collectors/google-workspace/index.js';
import { googleWorkspaceDemo, startGwsEmulator, emulatorPrivateKey, type GwsEmulator } from '../../collectors/google-workspace/demo.js';
import { GOOGLE_WORKSPACE_SCOPES, googleWorkspaceConfigSchema } from '../../collectors/google-workspace/config.js';
import { reportCursorKey } from '../../collectors/google-workspace/collector.js';
import { GOOGLE_WORKSPACE_RESOURCE_TYPES } from '../../src/core/contracts/google-workspace.js';
import { googleWorkspaceRules } from '../../rules/google-workspace/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { byType, ctx, deps, statusOf } from './helpers.js';
import { TestClock } from '../support/test-clock.js';

let emu: GwsEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

const cfg = (e: GwsEmulator, extra: Record<string, unknown> = {}) => googleWorkspaceConfigSchema.parse({
  subject: 'reader@example.com', serviceAccount: { clientEmail: 'vigil@vigil-emulator.iam.gserviceaccount.com', privateKey: emulatorPrivateKey() },
  tokenUrl: `${e.url}/token`, rootUrl: e.url, policyRootUrl: e.url, backoffMs: 50, ...extra,
});

describe('google workspace collector', () => {
  it('collects the demo tenant and the rules flag its known violations', async () => {
    emu = await startGwsEmulator();
    const snap = await googleWorkspaceSource.createCollector(googleWorkspaceDemo.demoConfig(emu).config, deps).collect(ctx('my_customer'));
    expect(snap.errors).toEqual([]);
    expect(Object.keys(snap.inputs).sort()).toEqual([...GOOGLE_WORKSPACE_RESOURCE_TYPES].sort());
    const users = byType(snap, 'google-workspace.user');
    expect(users).toHaveLength(7);
    const id = (e: string) => users.find((u) => u.name === e)!.id;
    expect(users.find((u) => u.name === 'alice@example.com')!.attributes).toMatchObject({ isSuperAdmin: true, adminRoles: ['Super Admin'], mfaEnrolled: true });
    expect(users.find((u) => u.name === 'bob@example.com')!.attributes).toMatchObject({ isAdmin: true, adminRoles: ['_USER_MANAGEMENT_ADMIN_ROLE'] });
    expect(users.find((u) => u.name === 'frank@example.com')!.attributes.lastLogin).toBeNull();
    expect(byType(snap, 'google-workspace.activity').map((a) => a.name).sort()).toEqual(['ASSIGN_ROLE', 'SUSPEND_USER', 'login_failure']);
    expect(snap.apiCalls).toBe(snap.minApiCalls);
    // Six scopes: users, roles, reports, group members (a role is assigned to a group in the demo tenant), org units, policies.
    expect(emu.stats.tokens).toBe(6);
    // The Policy API's list: one page of policies, then a blank page that still carries a nextPageToken, then the end.
    expect(emu.stats.byPath['/v1/policies']).toBe(3);
    // Successful sign-ins are not read: lastLoginTime covers them, and they are most of the login log.
    expect(emu.stats.byPath['/admin/reports/v1/activity/users/all/applications/login']).toBe(3);

    const results = evaluateSnapshot(snap, googleWorkspaceRules, { now: new Date() });
    expect(statusOf(results, 'google-workspace.users.2sv_enrolled', id('carol@example.com'))).toBe('fail');
    expect(statusOf(results, 'google-workspace.users.2sv_enrolled', id('heidi@example.com'))).toBe('pass');
    expect(statusOf(results, 'google-workspace.users.2sv_enrolled', id('dave@example.com'))).toBeUndefined();
    expect(statusOf(results, 'google-workspace.users.inactive', id('erin@example.com'))).toBe('fail');
    expect(statusOf(results, 'google-workspace.users.inactive', id('frank@example.com'))).toBe('fail');
    expect(statusOf(results, 'google-workspace.admins.super_admin_bounded', 'my_customer')).toBe('fail');
    expect(statusOf(results, 'google-workspace.admins.super_admin_bounded', id('bob@example.com'))).toBe('fail');
    expect(statusOf(results, 'google-workspace.admins.super_admin_bounded', id('alice@example.com'))).toBe('pass');
    // Help desk held through a group: carol directly in it (no 2SV), heidi through a nested group (2SV on).
    expect(statusOf(results, 'google-workspace.admins.super_admin_bounded', id('carol@example.com'))).toBe('fail');
    expect(statusOf(results, 'google-workspace.admins.super_admin_bounded', id('heidi@example.com'))).toBe('pass');

    // Policy API: the root enforces 2SV without SMS, /Contractors turns both off; admins (all at /) are not held to keys.
    const ou = (path: string) => byType(snap, 'google-workspace.org_unit').find((o) => o.name === path)!.id;
    const twoSv = (rid: string) => results.find((r) => r.ruleId === 'google-workspace.policy.2sv_enforced' && r.resourceId === rid)!;
    expect(twoSv(ou('/')).status).toBe('pass');
    expect(twoSv(ou('/Engineering')).status).toBe('pass');
    expect(twoSv(ou('/Contractors')).reason).toBe('/Contractors: 2-Step Verification is not enforced; SMS and voice codes are allowed as the second step');
    expect(twoSv(ou('/Contractors')).status).toBe('fail');
    for (const admin of ['alice', 'bob', 'carol', 'heidi']) expect(twoSv(id(`${admin}@example.com`)).status, admin).toBe('fail');
    expect(results.some((r) => r.ruleId === 'google-workspace.policy.2sv_enforced' && r.resourceId === id('erin@example.com'))).toBe(false);
    // Super-admin self-recovery is on at the root (every OU inherits it); /Engineering also keeps 14-day sessions.
    const pwd = (path: string) => results.find((r) => r.ruleId === 'google-workspace.policy.password_session_recovery' && r.resourceId === ou(path))!;
    expect(pwd('/').reason).toBe('/: super admins can recover their own accounts');
    expect(pwd('/Engineering').reason).toBe('/Engineering: web sessions last 336 h (at most 12 h); super admins can recover their own accounts (inherited from /)');
    expect(pwd('/Contractors').status).toBe('fail');
    // System-defined alert rules: the demo tenant switched the leaked-password alert off.
    expect(results.find((r) => r.ruleId === 'google-workspace.alerts.rules_enabled')!.reason).toBe('system-defined alert rules not active: Leaked password');
  });

  it('a well-run generated tenant passes the policy rules, and a missing Policy API scope is error naming it', async () => {
    emu = await startGwsEmulator({ estate: { users: 8, seed: 2 } });
    const snap = await googleWorkspaceSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(snap.errors).toEqual([]);
    const rs = evaluateSnapshot(snap, googleWorkspaceRules, { now: new Date() });
    const ouRows = (rule: string) => rs.filter((r) => r.ruleId === rule && byType(snap, 'google-workspace.org_unit').some((o) => o.id === r.resourceId));
    expect(ouRows('google-workspace.policy.2sv_enforced').map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(ouRows('google-workspace.policy.password_session_recovery').map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(statusOf(rs, 'google-workspace.alerts.rules_enabled', 'my_customer')).toBe('pass');
    await emu.close();
    emu = await startGwsEmulator({ estate: { users: 8, seed: 2 }, deniedScopes: [GOOGLE_WORKSPACE_SCOPES.policies] });
    const denied = await googleWorkspaceSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(denied.errors.map((e) => [e.operation, e.code, e.cause, e.inputs])).toEqual([
      ['cloudidentity.policies.list (token)', 'unauthorized_client', 'denied', ['google-workspace.org_unit', 'google-workspace.policy']],
    ]);
    expect(denied.errors[0]!.permission).toContain(GOOGLE_WORKSPACE_SCOPES.policies);
    const r2 = evaluateSnapshot(denied, googleWorkspaceRules, { now: new Date() });
    for (const rule of ['google-workspace.policy.2sv_enforced', 'google-workspace.policy.password_session_recovery']) {
      expect(r2.filter((r) => r.ruleId === rule).map((r) => r.status), rule).toEqual(['error']);
    }
  });

  it('follows pageToken paging with small pages', async () => {
    emu = await startGwsEmulator({ estate: { users: 23, seed: 4 } });
    const snap = await googleWorkspaceSource.createCollector(cfg(emu, { pageSize: 5 }), deps).collect(ctx('x'));
    expect(snap.errors).toEqual([]);
    expect(new Set(byType(snap, 'google-workspace.user').map((u) => u.id)).size).toBe(23);
    expect(emu.stats.byPath['/admin/directory/v1/users']).toBe(5);
    expect(snap.apiCalls).toBe(snap.minApiCalls);
  });

  it.each([[false], [true]])('backs off on quota errors (403 userRateLimitExceeded: %s) and completes', async (as403) => {
    // Emulator and collector share a test clock: the quota window passes as the collector backs off on it.
    const clock = new TestClock(Date.now());
    emu = await startGwsEmulator({ quota: { windowMs: 300, limit: 3, as403 }, clock });
    const snap = await googleWorkspaceSource.createCollector(cfg(emu), deps).collect(ctx('x', undefined, clock));
    expect(snap.errors).toEqual([]);
    expect(emu.stats.rejected).toBeGreaterThan(0);
    expect(snap.metrics?.throttled).toBe(emu.stats.rejected);
    expect(byType(snap, 'google-workspace.user')).toHaveLength(7);
  });

  it('names a scope missing from domain-wide delegation and keeps the rest', async () => {
    emu = await startGwsEmulator({ deniedScopes: [GOOGLE_WORKSPACE_SCOPES.reports] });
    const snap = await googleWorkspaceSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(snap.errors.map((e) => [e.operation, e.code, e.inputs])).toEqual([
      ['admin.reports.activities.list(admin) (token)', 'unauthorized_client', ['google-workspace.activity']],
      ['admin.reports.activities.list(login:login_failure) (token)', 'unauthorized_client', ['google-workspace.activity']],
      ['admin.reports.activities.list(login:suspicious_login) (token)', 'unauthorized_client', ['google-workspace.activity']],
      ['admin.reports.activities.list(login:account_disabled_password_leak) (token)', 'unauthorized_client', ['google-workspace.activity']],
    ]);
    expect(snap.errors[0]!.permission).toContain('admin.reports.audit.readonly');
    expect(snap.inputs['google-workspace.user']).toBeDefined();
    expect(snap.inputs['google-workspace.activity']).toBeUndefined();
  });

  it('reads each Reports activity once across runs', async () => {
    emu = await startGwsEmulator();
    const collector = googleWorkspaceSource.createCollector(cfg(emu), deps);
    const first = await collector.collect(ctx('x'));
    expect(byType(first, 'google-workspace.activity')).toHaveLength(3);
    emu.suspendUser('erin@example.com');
    const second = await collector.collect(ctx('x', first.cursors));
    expect(byType(second, 'google-workspace.activity').map((a) => [a.name, (a.attributes.events as Array<{ parameters: Record<string, string> }>)[0]!.parameters.USER_EMAIL])).toEqual([
      ['SUSPEND_USER', 'erin@example.com'],
    ]);
    expect(second.cursors?.[reportCursorKey('login', 'login_failure')]).toBe(first.cursors?.[reportCursorKey('login', 'login_failure')]);
    const third = await collector.collect(ctx('x', second.cursors));
    expect(byType(third, 'google-workspace.activity')).toHaveLength(0);
  });
});
