// Entra collector against its Graph emulator over real HTTP: demo verdicts, paging, 429 Retry-After, licence and permission errors, audit cursor.
import { afterEach, describe, expect, it } from 'vitest';
import { entraSource } from '../../collectors/entra/index.js';
import { entraDemo, startEntraEmulator, type EntraEmulator } from '../../collectors/entra/demo.js';
import { entraConfigSchema } from '../../collectors/entra/config.js';
import { ENTRA_AUDIT_CURSOR } from '../../collectors/entra/collector.js';
import { ENTRA_RESOURCE_TYPES } from '../../src/core/contracts/entra.js';
import { entraRules } from '../../rules/entra/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { byType, ctx, deps, statusOf } from './helpers.js';
import { TestClock } from '../support/test-clock.js';

let emu: EntraEmulator | undefined;
afterEach(async () => { await emu?.close(); emu = undefined; });

const cfg = (e: EntraEmulator, extra: Record<string, unknown> = {}) => entraConfigSchema.parse({
  tenantId: e.tenant.tenantId, clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret', authorityHost: e.url, graphUrl: e.url, ...extra,
});

describe('entra collector', () => {
  it('collects the demo tenant and the rules flag its known violations', async () => {
    emu = await startEntraEmulator();
    const snap = await entraSource.createCollector(entraDemo.demoConfig(emu).config, deps).collect(ctx(emu.tenant.tenantId));
    expect(snap.errors).toEqual([]);
    expect(Object.keys(snap.inputs).sort()).toEqual([...ENTRA_RESOURCE_TYPES].sort());
    const users = byType(snap, 'entra.user');
    expect(users).toHaveLength(12);
    const id = (upn: string) => users.find((u) => u.name === upn)!.id;
    expect(users.find((u) => u.name === 'alice@example.com')!.attributes).toMatchObject({ isAdmin: true, adminRoles: ['Global Administrator'], phishingResistant: true, mfaEnrolled: true });
    expect(users.find((u) => u.name === 'dave@example.com')!.attributes).toMatchObject({ active: false, status: 'disabled' });
    expect(byType(snap, 'entra.audit_event').map((e) => e.name).sort()).toEqual(['Add member to role', 'Disable account']);
    expect(snap.apiCalls).toBe(snap.minApiCalls);
    expect(snap.artifacts.every((a) => !a.body.toString().includes('emulator-client-secret'))).toBe(true);

    const results = evaluateSnapshot(snap, entraRules, { now: new Date() });
    const t = emu.tenant.tenantId;
    expect(statusOf(results, 'entra.users.mfa_registered', id('alice@example.com'))).toBe('pass');
    expect(statusOf(results, 'entra.users.mfa_registered', id('bob@example.com'))).toBe('fail');
    expect(statusOf(results, 'entra.users.mfa_registered', id('carol@example.com'))).toBe('fail');
    expect(statusOf(results, 'entra.users.mfa_registered', id('heidi@example.com'))).toBe('pass');
    expect(results.some((r) => r.ruleId === 'entra.users.mfa_registered' && r.resourceId === id('partner_example.net#ext#@example.onmicrosoft.com'))).toBe(false);
    expect(statusOf(results, 'entra.users.inactive', id('erin@example.com'))).toBe('fail');
    expect(statusOf(results, 'entra.users.inactive', id('frank@example.com'))).toBe('fail');
    expect(statusOf(results, 'entra.ca.mfa_required_all_users', t)).toBe('fail');
    expect(statusOf(results, 'entra.ca.legacy_auth_blocked', t)).toBe('pass');
    expect(statusOf(results, 'entra.ca.admins_phishing_resistant', t)).toBe('fail');
    // Group-held and PIM-eligible Global Administrators count: alice (direct), ivan (via Tier0 Admins), judy (eligible).
    const ga = results.find((r) => r.ruleId === 'entra.roles.global_admin_bounded' && r.resourceId === t)!;
    expect(ga.status).toBe('pass');
    expect(ga.reason).toBe('3 Global Administrators (alice@example.com, ivan@example.com (active via group Tier0 Admins), judy@example.com (eligible))');
    expect(statusOf(results, 'entra.roles.global_admin_bounded', id('alice@example.com'))).toBe('pass');
    expect(statusOf(results, 'entra.roles.global_admin_bounded', id('ivan@example.com'))).toBe('fail'); // synced, only reachable through the group
    // Admins through a group or PIM are judged as admins: push-only fails the phishing-resistant requirement.
    expect(users.find((u) => u.name === 'ivan@example.com')!.attributes).toMatchObject({ isAdmin: true, adminRoles: ['Global Administrator'] });
    expect(users.find((u) => u.name === 'judy@example.com')!.attributes).toMatchObject({ isAdmin: true, adminRoles: ['Global Administrator'] });
    expect(statusOf(results, 'entra.users.mfa_registered', id('ivan@example.com'))).toBe('fail');
    expect(statusOf(results, 'entra.users.mfa_registered', id('judy@example.com'))).toBe('fail');
    // Only successful sign-ins are use: kim's failed attempts yesterday do not make a 200-day-dormant account active.
    const kim = results.find((r) => r.ruleId === 'entra.users.inactive' && r.resourceId === id('kim@example.com'))!;
    expect(kim.status).toBe('fail');
    expect(kim.reason).toMatch(/more than 90 days ago.*sign-in attempts as late as/);
    expect(results.find((r) => r.ruleId === 'entra.users.inactive' && r.resourceId === id('leo@example.com'))!.reason)
      .toMatch(/^leo@example\.com is active with no successful sign-in recorded since it was created \d{4}-\d\d-\d\d; sign-in attempts as late as \d{4}-\d\d-\d\d \(failed ones included\) do not count as activity$/);
    expect(statusOf(results, 'entra.users.inactive', id('heidi@example.com'))).toBe('pass');

    // Graph's new-tenant defaults: anyone invites guests, users consent to any app, no admin consent workflow.
    const ext = results.find((r) => r.ruleId === 'entra.policy.external_access_restricted' && r.resourceId === t)!;
    expect(ext.status).toBe('fail');
    expect(ext.reason).toBe('guest invitations allowed from "everyone"; users may consent to apps themselves (ManagePermissionGrantsForSelf.microsoft-user-default-legacy); '
      + 'the admin consent request workflow is off; 1 guest account listed for review');
    // Standing privileged grants: alice's and the Tier0 group's Global Administrator, bob's User Administrator; judy is only eligible.
    const standing = results.filter((r) => r.ruleId === 'entra.roles.no_standing_privilege').map((r) => [r.resourceId, r.status]);
    expect(standing.filter(([rid]) => rid!.startsWith('ra-'))).toEqual([['ra-ga-alice', 'fail'], ['ra-ga-tier0', 'fail'], ['ra-ua-bob', 'fail']]);
    const gaPolicy = byType(snap, 'entra.role_policy').find((p) => p.attributes.roleDefinitionId === '62e90394-69f5-4237-9190-012177145e10')!;
    expect(statusOf(results, 'entra.roles.no_standing_privilege', gaPolicy.id)).toBe('fail');
    expect(standing).toHaveLength(4);
    // A quarterly Global Administrator review whose last instance completed 200 days ago, and no guest review.
    expect(results.find((r) => r.ruleId === 'entra.governance.access_reviews_configured')!.reason).toBe(
      'the review of privileged role holders ("Quarterly Global Administrator review") last completed 200 days ago (limit 100); no recurring access review of guest users');
  });

  it('a PIM activation is not standing privilege; a well-run tenant passes both new rules', async () => {
    emu = await startEntraEmulator({ estate: { users: 5, seed: 3 } });
    const t = emu.tenant;
    // The generated tenant's holders are standing; make one an activation of an eligibility, as PIM records it.
    t.pimActive.push({ id: 'act-1', principalId: t.users[3]!.id, roleDefinitionId: t.roleDefinitions[0]!.id, directoryScopeId: '/', startDateTime: new Date().toISOString(), endDateTime: new Date(Date.now() + 8 * 3_600_000).toISOString() });
    t.roleAssignments = [];
    const snap = await entraSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(snap.errors).toEqual([]);
    const results = evaluateSnapshot(snap, entraRules, { now: new Date() });
    expect(results.filter((r) => r.ruleId === 'entra.roles.no_standing_privilege').map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(results.find((r) => r.ruleId === 'entra.roles.no_standing_privilege' && r.resourceId === 'act-1')!.reason).toMatch(/through a PIM activation until \d{4}-/);
    expect(statusOf(results, 'entra.policy.external_access_restricted', t.tenantId)).toBe('pass');
    expect(statusOf(results, 'entra.governance.access_reviews_configured', t.tenantId)).toBe('pass');
    // One definitions page and one instances page per definition.
    expect(emu.stats.byPath['/v1.0/identityGovernance/accessReviews/definitions']).toBe(1);
    expect(Object.keys(emu.stats.byPath).filter((p) => p.endsWith('/instances'))).toHaveLength(2);
  });

  it('a tenant below P2 leaves the role policies unread: no_standing_privilege is error naming the licence', async () => {
    emu = await startEntraEmulator({ licence: 'P1' });
    const snap = await entraSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(snap.errors.map((e) => [e.operation, e.code, e.cause, e.permission])).toEqual([
      ['entra:ListRoleManagementPolicyAssignments', 'AadPremiumLicenseRequired', 'denied', 'Entra ID P2 or ID Governance licence'],
      ['entra:ListAccessReviewDefinitions', 'NoLicense', 'denied', 'Entra ID P2 or ID Governance licence'],
    ]);
    const reviews = evaluateSnapshot(snap, entraRules, { now: new Date() }).filter((x) => x.ruleId === 'entra.governance.access_reviews_configured');
    expect(reviews.map((x) => x.status)).toEqual(['error']);
    const r = evaluateSnapshot(snap, entraRules, { now: new Date() }).filter((x) => x.ruleId === 'entra.roles.no_standing_privilege');
    expect(r.map((x) => x.status)).toEqual(['error']);
    expect(r[0]!.reason).toContain('Entra ID P2 or ID Governance licence');
  });

  it('follows @odata.nextLink with small pages and passes on a well-configured generated tenant', async () => {
    emu = await startEntraEmulator({ estate: { users: 53, seed: 2 } });
    const snap = await entraSource.createCollector(cfg(emu, { pageSize: 7 }), deps).collect(ctx('x'));
    expect(snap.errors).toEqual([]);
    expect(byType(snap, 'entra.user')).toHaveLength(53);
    expect(emu.stats.byPath['/v1.0/users']).toBe(Math.ceil(53 / 7));
    expect(snap.apiCalls).toBe(snap.minApiCalls);
    const results = evaluateSnapshot(snap, entraRules, { now: new Date() });
    for (const r of ['entra.ca.mfa_required_all_users', 'entra.ca.legacy_auth_blocked', 'entra.ca.admins_phishing_resistant', 'entra.roles.global_admin_bounded']) {
      expect(statusOf(results, r, emu.tenant.tenantId), r).toBe('pass');
    }
  });

  it('waits Retry-After on 429 and then completes', async () => {
    const clock = new TestClock(Date.now());
    emu = await startEntraEmulator({ throttle: { windowMs: 1000, limit: 4 }, clock });
    const snap = await entraSource.createCollector(cfg(emu), deps).collect(ctx('x', undefined, clock));
    expect(snap.errors).toEqual([]);
    expect(emu.stats.rejected429).toBeGreaterThan(0);
    expect(snap.metrics?.throttled).toBe(emu.stats.rejected429);
    expect(snap.apiCalls).toBe(snap.minApiCalls! + emu.stats.rejected429);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(1000);
  });

  it('names the missing Entra ID P1 licence and still reads users and roles', async () => {
    emu = await startEntraEmulator({ licence: 'free' });
    const snap = await entraSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(snap.errors.map((e) => [e.operation, e.code, e.permission, e.inputs])).toEqual([
      ['entra:ListUsers(signInActivity)', 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Entra ID P1 licence', ['entra.user.sign_in_activity']],
      ['entra:ListUserRegistrationDetails', 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Entra ID P1 licence', ['entra.user.mfa_registration']],
      ['entra:ListConditionalAccessPolicies', 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Entra ID P1 licence', ['entra.ca_policy']],
      ['entra:ListRoleManagementPolicyAssignments', 'AadPremiumLicenseRequired', 'Entra ID P2 or ID Governance licence', ['entra.role_policy']],
      ['entra:ListAccessReviewDefinitions', 'NoLicense', 'Entra ID P2 or ID Governance licence', ['entra.access_review']],
    ]);
    expect(byType(snap, 'entra.user')).toHaveLength(12);
    const results = evaluateSnapshot(snap, entraRules, { now: new Date() });
    const inactive = results.filter((r) => r.ruleId === 'entra.users.inactive');
    expect(inactive).toHaveLength(1);
    expect(inactive[0]!.status).toBe('error');
    expect(inactive[0]!.reason).toContain('Entra ID P1 licence');
    expect(results.filter((r) => r.ruleId === 'entra.roles.global_admin_bounded').every((r) => r.status !== 'error')).toBe(true);
  });

  it('names a missing application permission', async () => {
    emu = await startEntraEmulator({ deniedPermissions: ['AuditLog.Read.All', 'Policy.Read.All'] });
    const snap = await entraSource.createCollector(cfg(emu), deps).collect(ctx('x'));
    expect(snap.errors.map((e) => [e.operation, e.code, e.permission])).toEqual([
      ['entra:ListUsers(signInActivity)', 'Authorization_RequestDenied', 'AuditLog.Read.All'],
      ['entra:ListUserRegistrationDetails', 'Authorization_RequestDenied', 'AuditLog.Read.All'],
      ['entra:ListConditionalAccessPolicies', 'Authorization_RequestDenied', 'Policy.Read.All'],
      ['entra:GetAuthorizationPolicy', 'Authorization_RequestDenied', 'Policy.Read.All'],
      ['entra:ListDirectoryAudits', 'Authorization_RequestDenied', 'AuditLog.Read.All'],
    ]);
  });

  it('fails clearly on a wrong client secret without leaking it', async () => {
    emu = await startEntraEmulator();
    const snap = await entraSource.createCollector(cfg(emu, { clientSecret: 'wrong-secret-value' }), deps).collect(ctx('x'));
    expect(snap.errors.length).toBeGreaterThan(0);
    expect(snap.errors.every((e) => e.code === 'invalid_client' && e.message.includes('AADSTS7000215'))).toBe(true);
    expect(JSON.stringify(snap)).not.toContain('wrong-secret-value');
    expect(snap.inputs).toEqual({});
  });

  it('reads each directory audit once across runs', async () => {
    emu = await startEntraEmulator();
    const collector = entraSource.createCollector(cfg(emu), deps);
    const first = await collector.collect(ctx('x'));
    expect(byType(first, 'entra.audit_event')).toHaveLength(2);
    emu.disableUser('erin@example.com');
    const second = await collector.collect(ctx('x', first.cursors));
    expect(byType(second, 'entra.audit_event').map((e) => [e.name, (e.attributes.targets as Array<{ userPrincipalName: string }>)[0]!.userPrincipalName])).toEqual([
      ['Disable account', 'erin@example.com'],
    ]);
    expect(JSON.parse(second.cursors![ENTRA_AUDIT_CURSOR]!).ids).toHaveLength(1);
    const third = await collector.collect(ctx('x', second.cursors));
    expect(byType(third, 'entra.audit_event')).toHaveLength(0);
  });
});
