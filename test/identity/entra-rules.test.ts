// entra.users.inactive and entra.roles.global_admin_bounded by tables: hand-built snapshots in, verdicts out.
import { describe, expect, it } from 'vitest';
import type { Resource, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { entraRules } from '../../rules/entra/index.js';
import { GLOBAL_ADMIN_TEMPLATE_ID } from '../../src/core/contracts/entra.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ago = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const INPUTS = ['entra.tenant', 'entra.user', 'entra.user.sign_in_activity', 'entra.user.mfa_registration', 'entra.role_assignment', 'entra.ca_policy'];

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
    principalName: `${principalId}@x.io`, directoryScopeId: '/', assignment: 'active', endDateTime: null, viaGroupId: null, viaGroupName: null, ...o,
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
