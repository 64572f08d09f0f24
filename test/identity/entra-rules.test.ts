// entra.users.inactive and entra.roles.global_admin_bounded by tables: hand-built snapshots in, verdicts out.
import { describe, expect, it } from 'vitest';
import type { Resource, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { entraRules } from '../../rules/entra/index.js';
import { GLOBAL_ADMIN_TEMPLATE_ID } from '../../src/core/contracts/entra.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ago = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const INPUTS = ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity', 'entra.user.mfa_registration', 'entra.role_assignment', 'entra.ca_policy', 'entra.role_policy', 'entra.authorization_policy', 'entra.access_review'];

function snapshot(resources: Array<{ type: string; id: string; attributes: Record<string, unknown> }>, errors: Snapshot['errors'] = []): Snapshot {
  const at = NOW.toISOString();
  return {
    source: 'entra', scope: 't', slot: at, startedAt: at, endedAt: at, artifacts: [], errors, apiCalls: 0,
    inputs: Object.fromEntries(INPUTS.map((i) => [i, { observedAt: at }])),
    resources: resources.map((r): Resource => ({ source: 'entra', scope: 't', name: r.id, observedAt: at, ...r })),
  };
}
const user = (id: string, o: Record<string, unknown> = {}) => ({
  type: 'entra.user', id,
  attributes: {
    email: `${id}@x.io`, login: `${id}@x.io`, displayName: id, status: 'enabled', active: true, isAdmin: false, adminRoles: [], mfaEnrolled: true,
    mfaMethods: ['webauthn'], phishingResistant: true, lastLogin: ago(1), lastLoginKnown: true, lastSignInAttempt: ago(1), created: ago(400),
    statusChanged: null, userType: 'Member', onPremisesSyncEnabled: false, methodsRegistered: ['fido2'], mfaCapable: true, ...o,
  },
});
const tenant = { type: 'entra.tenant', id: 't', attributes: { securityDefaultsEnabled: false, userCount: 4, pimLicensed: true } };
const grant = (id: string, principalId: string, o: Record<string, unknown> = {}) => ({
  type: 'entra.role_assignment', id,
  attributes: {
    roleDefinitionId: GLOBAL_ADMIN_TEMPLATE_ID, roleName: 'Global Administrator', roleTemplateId: GLOBAL_ADMIN_TEMPLATE_ID, principalId, principalType: 'user',
    principalName: `${principalId}@x.io`, directoryScopeId: '/', assignment: 'active', endDateTime: null, activated: false, viaGroupId: null, viaGroupName: null, ...o,
  },
});
const verdict = (s: Snapshot, ruleId: string, id: string, now = NOW) =>
  evaluateSnapshot(s, entraRules.filter((r) => r.id === ruleId), { now }).find((r) => r.resourceId === id)?.status;

describe('entra.users.inactive', () => {
  it.each([
    ['recent success', { lastLogin: ago(5), lastSignInAttempt: ago(5) }, 'pass'],
    ['dormant, sprayed yesterday (failed attempts only)', { lastLogin: ago(200), lastSignInAttempt: ago(1) }, 'fail'],
    ['no success recorded, failed attempts, old account', { lastLogin: null, lastSignInAttempt: ago(2), created: ago(900) }, 'fail'],
    ['no success recorded, created before Dec 2023', { lastLogin: null, lastSignInAttempt: null, created: '2021-03-01T00:00:00Z' }, 'fail'],
    ['never signed in, inside grace', { lastLogin: null, lastSignInAttempt: null, created: ago(10) }, 'pass'],
    ['sign-in activity unreadable', { lastLogin: null, lastLoginKnown: false, lastSignInAttempt: null }, 'error'],
    ['disabled', { active: false, status: 'disabled', lastLogin: ago(500) }, undefined],
  ] as const)('%s → %s', (_n, o, want) => {
    expect(verdict(snapshot([tenant, user('u', o)]), 'entra.users.inactive', 'u')).toBe(want);
  });

  it('cannot tell when the window reaches back before Entra recorded successful sign-ins', () => {
    const s = snapshot([tenant, user('u', { lastLogin: null, lastSignInAttempt: null, created: '2021-03-01T00:00:00Z' })]);
    // 2024-01-15 minus 90 days is before 2023-12-01: a success in November 2023 would be inside the window, unrecorded.
    expect(verdict(s, 'entra.users.inactive', 'u', new Date('2024-01-15T00:00:00Z'))).toBe('error');
    expect(verdict(s, 'entra.users.inactive', 'u', new Date('2024-06-15T00:00:00Z'))).toBe('fail');
  });

  it('a per-resource read failure on one user is error for that user only', () => {
    const s = snapshot([tenant, user('a', { lastLogin: ago(3) }), user('b', { lastLogin: ago(3) })],
      [{ operation: 'entra:ListUsers', code: 'IncompleteItem', message: 'x', inputs: ['entra.user'], resources: ['b'], cause: 'incomplete', retryable: false }]);
    expect(verdict(s, 'entra.users.inactive', 'a')).toBe('pass');
    expect(verdict(s, 'entra.users.inactive', 'b')).toBe('error');
  });
});

describe('entra.roles.global_admin_bounded', () => {
  const a = user('a'); const b = user('b'); const c = user('c'); const d = user('d', { onPremisesSyncEnabled: true });
  const group = (id: string) => grant(id, 'g', { principalType: 'group', principalName: 'Tier0' });
  const member = (gid: string, uid: string) => grant(`${gid}/${uid}`, uid, { viaGroupId: 'g', viaGroupName: 'Tier0' });
  it.each([
    ['two direct holders', [grant('1', 'a'), grant('2', 'b')], 'pass'],
    ['one direct holder', [grant('1', 'a')], 'fail'],
    ['one direct and one eligible', [grant('1', 'a'), grant('2', 'b', { assignment: 'eligible' })], 'pass'],
    ['a group alone is not a holder: its two members are', [group('3'), member('3', 'a'), member('3', 'b')], 'pass'],
    ['a group with no members holds nothing', [grant('1', 'a'), group('3')], 'fail'],
    ['five holders through direct, group and PIM', [grant('1', 'a'), group('3'), member('3', 'b'), member('3', 'c'), grant('4', 'd', { assignment: 'eligible' }),
      grant('5', 'e')], 'fail'],
    ['one person reachable three ways counts once', [grant('1', 'a'), group('3'), member('3', 'a'), grant('4', 'a', { assignment: 'eligible' })], 'fail'],
  ] as const)('%s → %s', (_n, grants, want) => {
    expect(verdict(snapshot([tenant, a, b, c, d, ...grants]), 'entra.roles.global_admin_bounded', 't')).toBe(want);
  });

  it('a synced account holding the role only through a group fails on its own resource', () => {
    const s = snapshot([tenant, a, d, grant('1', 'a'), group('3'), member('3', 'd')]);
    expect(verdict(s, 'entra.roles.global_admin_bounded', 'd')).toBe('fail');
    expect(verdict(s, 'entra.roles.global_admin_bounded', 'a')).toBe('pass');
  });

  it('group and eligible holders are admins for entra.users.mfa_registered when the collector flags them', () => {
    const s = snapshot([tenant, user('e', { isAdmin: true, adminRoles: ['Global Administrator'], mfaMethods: ['push'], phishingResistant: false })]);
    expect(verdict(s, 'entra.users.mfa_registered', 'e')).toBe('fail');
  });

  it.each([
    ['phishing-resistant', true, 'pass'],
    ['not phishing-resistant', false, 'fail'],
    ['MFA known, phishing resistance unread', null, 'error'],
  ] as const)('entra.users.mfa_registered admin: %s → %s', (_n, pr, want) => {
    const s = snapshot([tenant, user('e', { isAdmin: true, adminRoles: ['Global Administrator'], phishingResistant: pr })]);
    expect(verdict(s, 'entra.users.mfa_registered', 'e')).toBe(want);
  });
});

describe('entra.roles.no_standing_privilege', () => {
  const UA = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
  const READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
  const policy = (approvalRequired: boolean, role = GLOBAL_ADMIN_TEMPLATE_ID) => ({
    type: 'entra.role_policy', id: `pol-${role}`,
    attributes: { roleDefinitionId: role, policyId: 'p', approvalRequired, approvers: approvalRequired ? 1 : 0, permanentActiveAllowed: !approvalRequired, activationMaxDuration: 'PT8H' },
  });
  const ua = (id: string, principalId: string, o: Record<string, unknown> = {}) => grant(id, principalId, { roleDefinitionId: UA, roleTemplateId: UA, roleName: 'User Administrator', ...o });
  const rule = 'entra.roles.no_standing_privilege';
  const all = (s: Snapshot) => evaluateSnapshot(s, entraRules.filter((r) => r.id === rule), { now: NOW });

  it.each([
    ['standing Global Administrator', grant('1', 'a'), 'fail'],
    ['standing User Administrator', ua('1', 'a'), 'fail'],
    ['PIM activation of an eligible role', grant('1', 'a', { activated: true, endDateTime: ago(-0.2) }), 'pass'],
    ['time-bound assignment', grant('1', 'a', { endDateTime: ago(-30) }), 'pass'],
    ['standing group assignment', grant('1', 'g', { principalType: 'group', principalName: 'Tier0' }), 'fail'],
  ] as const)('%s → %s', (_n, g, want) => {
    expect(verdict(snapshot([tenant, user('a'), g, policy(true)]), 'entra.roles.no_standing_privilege', '1')).toBe(want);
  });

  it('judges a group grant once, on the group: its members rows are not separate findings', () => {
    const rs = all(snapshot([tenant, user('a'), grant('1', 'g', { principalType: 'group', principalName: 'Tier0' }), grant('1/a', 'a', { viaGroupId: 'g', viaGroupName: 'Tier0' }), policy(true)]));
    expect(rs.map((r) => [r.resourceId, r.status])).toEqual([['1', 'fail'], ['pol-62e90394-69f5-4237-9190-012177145e10', 'pass']]);
  });

  it('eligible grants, non-privileged roles and service principals are not findings', () => {
    const rs = all(snapshot([tenant, user('a'), grant('1', 'a', { assignment: 'eligible' }),
      grant('2', 'a', { roleDefinitionId: READER, roleTemplateId: READER, roleName: 'Global Reader' }),
      grant('3', 'sp', { principalType: 'servicePrincipal', principalName: 'deploy-app' }), policy(true)]));
    expect(rs.map((r) => r.resourceId)).toEqual(['pol-62e90394-69f5-4237-9190-012177145e10']);
  });

  it('a declared break-glass account may hold Global Administrator standing, by object id or UPN', () => {
    const s = snapshot([tenant, user('a'), user('b'), grant('1', 'a'), grant('2', 'b'), policy(true)]);
    const rs = evaluateSnapshot(s, entraRules.filter((r) => r.id === rule), { now: NOW, params: { [rule]: { allowedStanding: ['a', 'B@x.io'] } } });
    expect(rs.filter((r) => r.resourceId !== 'pol-62e90394-69f5-4237-9190-012177145e10').map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it('fails when Global Administrator activation needs no approval, errors when its policy was not read', () => {
    expect(verdict(snapshot([tenant, user('a'), policy(false)]), rule, `pol-${GLOBAL_ADMIN_TEMPLATE_ID}`)).toBe('fail');
    const rs = all(snapshot([tenant, user('a'), policy(true, UA)]));
    expect(rs.map((r) => [r.resourceId, r.status])).toEqual([[`role-policy:${GLOBAL_ADMIN_TEMPLATE_ID}`, 'error']]);
  });

  it('a tenant without P2 (role policies unread) is error naming the licence, never pass', () => {
    const s = snapshot([tenant, user('a'), grant('1', 'a', { activated: true, endDateTime: ago(-0.1) })], [{
      operation: 'entra:ListRoleManagementPolicyAssignments', code: 'AadPremiumLicenseRequired', message: 'x', permission: 'Entra ID P2 or ID Governance licence',
      inputs: ['entra.role_policy'], cause: 'denied', retryable: false,
    }]);
    const rs = all(s);
    expect(rs.map((r) => r.status)).toEqual(['error']);
    expect(rs[0]!.reason).toContain('Entra ID P2 or ID Governance licence');
  });
});

describe('entra.policy.external_access_restricted', () => {
  const rule = 'entra.policy.external_access_restricted';
  const good = { allowInvitesFrom: 'adminsAndGuestInviters', guestUserRoleId: '2af84b1e-32c8-42b7-82bc-daa82404023b', permissionGrantPoliciesAssigned: [], allowUserConsentForRiskyApps: false, adminConsentWorkflowEnabled: true, adminConsentReviewers: 2 };
  const auth = (o: Record<string, unknown> = {}) => ({ type: 'entra.authorization_policy', id: 't', attributes: { ...good, ...o } });
  const run = (o: Record<string, unknown>, params?: Record<string, unknown>, id = rule) =>
    evaluateSnapshot(snapshot([tenant, user('m'), user('guest_x#ext#', { userType: 'Guest' }), auth(o)]), entraRules.filter((r) => r.id === id), { now: NOW, ...(params ? { params: { [id]: params } } : {}) })[0]!;

  it.each([
    ['all restricted', {}, 'pass'],
    ['no one may invite', { allowInvitesFrom: 'none' }, 'pass'],
    ['everyone may invite', { allowInvitesFrom: 'everyone' }, 'fail'],
    ['members may invite', { allowInvitesFrom: 'adminsGuestInvitersAndAllMembers' }, 'fail'],
    ['guests see what members see', { guestUserRoleId: 'a0b1b346-4d3e-4e8b-98f8-753987be4970' }, 'fail'],
    ['limited guest access', { guestUserRoleId: '10dae51f-b6af-4016-8d66-8c2a99b929b3' }, 'pass'],
    ['legacy user consent to any app', { permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'] }, 'fail'],
    ['low-risk user consent, not accepted by default', { permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-low'] }, 'fail'],
    ['owners may consent for their groups (not user self-consent)', { permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team'] }, 'pass'],
    ['admin consent workflow off', { adminConsentWorkflowEnabled: false }, 'fail'],
  ] as const)('%s → %s', (_n, o, want) => {
    expect(run(o, undefined, 'entra.policy.external_access_restricted').status).toBe(want);
  });

  it('accepts low-risk consent when the parameter allows it, and lists the guests', () => {
    const r = run({ permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-low'] }, { allowLowRiskConsent: true });
    expect(r.status).toBe('pass');
    expect(r.reason).toMatch(/1 guest account listed for review$/);
    expect((r.details as { guests: Array<{ login: string }> }).guests.map((g) => g.login)).toEqual(['guest_x#ext#@x.io']);
  });

  it('names every weakness in one reason', () => {
    expect(run({ allowInvitesFrom: 'everyone', adminConsentWorkflowEnabled: false }).reason)
      .toBe('guest invitations allowed from "everyone"; the admin consent request workflow is off; 1 guest account listed for review');
  });

  it('an unread authorization policy is error, never pass', () => {
    const s = snapshot([tenant, user('m')], [{ operation: 'entra:GetAuthorizationPolicy', code: 'Authorization_RequestDenied', message: 'x', permission: 'Policy.Read.All', inputs: ['entra.authorization_policy'], cause: 'denied', retryable: false }]);
    expect(evaluateSnapshot(s, entraRules.filter((r) => r.id === rule), { now: NOW }).map((r) => r.status)).toEqual(['error']);
  });
});

describe('entra.governance.access_reviews_configured', () => {
  const review = (id: string, target: string, o: Record<string, unknown> = {}) => ({
    type: 'entra.access_review', id, attributes: { displayName: id, status: 'InProgress', target, scopeQuery: 'q', recurrence: 'absoluteMonthly/3', lastCompletedAt: ago(30), instances: 2, ...o },
  });
  it.each([
    ['roles and guests reviewed within the quarter', [review('r', 'privileged_roles'), review('g', 'guests')], 'pass'],
    ['no guest review', [review('r', 'privileged_roles')], 'fail'],
    ['role review last completed 200 days ago', [review('r', 'privileged_roles', { lastCompletedAt: ago(200) }), review('g', 'guests')], 'fail'],
    ['role review never completed', [review('r', 'privileged_roles', { lastCompletedAt: null }), review('g', 'guests')], 'fail'],
    ['a one-time role review does not count as recurring', [review('r', 'privileged_roles', { recurrence: null }), review('g', 'guests')], 'fail'],
    ['no reviews at all', [], 'fail'],
  ] as const)('%s → %s', (_n, reviews, want) => {
    expect(verdict(snapshot([tenant, ...reviews]), 'entra.governance.access_reviews_configured', 't')).toBe(want);
  });

  it('guests are optional when requireGuests is false; the reason names the age of each review', () => {
    const s = snapshot([tenant, review('r', 'privileged_roles', { lastCompletedAt: ago(10) })]);
    const r = evaluateSnapshot(s, entraRules.filter((x) => x.id === 'entra.governance.access_reviews_configured'), { now: NOW, params: { 'entra.governance.access_reviews_configured': { requireGuests: false } } })[0]!;
    expect(r.status).toBe('pass');
    expect(r.reason).toBe('privileged role holders reviewed 10 days ago ("r")');
  });

  it('a tenant without P2 or ID Governance is error naming the licence, never pass', () => {
    const s = snapshot([tenant], [{ operation: 'entra:ListAccessReviewDefinitions', code: 'NoLicense', message: 'x', permission: 'Entra ID P2 or ID Governance licence', inputs: ['entra.access_review'], cause: 'denied', retryable: false }]);
    const rs = evaluateSnapshot(s, entraRules.filter((x) => x.id === 'entra.governance.access_reviews_configured'), { now: NOW });
    expect(rs.map((r) => r.status)).toEqual(['error']);
    expect(rs[0]!.reason).toContain('Entra ID P2 or ID Governance licence');
  });
});
