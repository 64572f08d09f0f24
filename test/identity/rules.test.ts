// Identity rules by tables: hand-built snapshots in, verdicts out, for the shared logic and each provider's policy rules.
import { describe, expect, it } from 'vitest';
import type { Resource, Snapshot, SourceId } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { oktaRules } from '../../rules/okta/index.js';
import { entraRules } from '../../rules/entra/index.js';
import { googleWorkspaceRules } from '../../rules/google-workspace/index.js';
import { GLOBAL_ADMIN_TEMPLATE_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/contracts/entra.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ago = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function snapshot(source: SourceId, inputs: string[], resources: Array<{ type: string; id: string; attributes: Record<string, unknown> }>): Snapshot {
  const at = NOW.toISOString();
  return {
    source, scope: 't', slot: at, startedAt: at, endedAt: at, artifacts: [], errors: [], apiCalls: 0,
    inputs: Object.fromEntries(inputs.map((i) => [i, { observedAt: at }])),
    resources: resources.map((r): Resource => ({ source, scope: 't', name: r.id, observedAt: at, ...r })),
  };
}

const user = (id: string, o: Record<string, unknown>) => ({
  type: 'okta.user', id,
  attributes: { email: `${id}@x.io`, login: `${id}@x.io`, displayName: id, status: 'ACTIVE', active: true, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: ['push'], phishingResistant: false, lastLogin: ago(1), lastLoginKnown: true, created: ago(400), statusChanged: null, mfaFactors: [], ...o },
});
const OKTA_INPUTS = ['okta.org', 'okta.user', 'okta.user.factors', 'okta.admin_role', 'okta.policy', 'okta.log_stream'];
const verdict = (s: Snapshot, rules: typeof oktaRules, ruleId: string, id: string) =>
  evaluateSnapshot(s, rules.filter((r) => r.id === ruleId), { now: NOW }).find((r) => r.resourceId === id)?.status;

describe('okta.users.mfa_enrolled', () => {
  it.each([
    ['push', { mfaMethods: ['push'] }, 'pass'],
    ['no factor', { mfaEnrolled: false, mfaMethods: [] }, 'fail'],
    ['sms only', { mfaMethods: ['sms'] }, 'fail'],
    ['sms and webauthn', { mfaMethods: ['sms', 'webauthn'] }, 'pass'],
    ['factors unread', { mfaEnrolled: null, mfaMethods: [] }, 'error'],
    ['deactivated: not judged', { active: false, status: 'DEPROVISIONED', mfaEnrolled: false }, undefined],
  ] as const)('%s → %s', (_n, attrs, want) => {
    expect(verdict(snapshot('okta', OKTA_INPUTS, [user('u1', attrs)]), oktaRules, 'okta.users.mfa_enrolled', 'u1')).toBe(want);
  });
});

describe('okta.users.inactive', () => {
  it.each([
    ['recent', { lastLogin: ago(10) }, 'pass'],
    ['exactly 90 days', { lastLogin: ago(90) }, 'pass'],
    ['91 days', { lastLogin: ago(91) }, 'fail'],
    ['never, new account', { lastLogin: null, created: ago(5) }, 'pass'],
    ['never, old account', { lastLogin: null, created: ago(45) }, 'fail'],
  ] as const)('%s → %s', (_n, attrs, want) => {
    expect(verdict(snapshot('okta', OKTA_INPUTS, [user('u1', attrs)]), oktaRules, 'okta.users.inactive', 'u1')).toBe(want);
  });

  it('keeps the reason identical from day to day while the state is unchanged', () => {
    const s = snapshot('okta', OKTA_INPUTS, [user('u1', { lastLogin: '2026-07-01T08:00:00.000Z' })]);
    const a = evaluateSnapshot(s, oktaRules.filter((r) => r.id === 'okta.users.inactive'), { now: NOW })[0]!.reason;
    const b = evaluateSnapshot(s, oktaRules.filter((r) => r.id === 'okta.users.inactive'), { now: new Date(NOW.getTime() + 86_400_000) })[0]!.reason;
    expect(a).toBe(b);
  });
});

describe('okta.admins.inventory_bounded', () => {
  const org = { type: 'okta.org', id: 'org', attributes: { orgUrl: 'x', userCount: 3, systemLogRead: true } };
  const admin = (id: string, roles: string[], pr: boolean) => user(id, { isAdmin: true, adminRoles: roles, phishingResistant: pr, mfaMethods: pr ? ['webauthn'] : ['push'] });
  it.each([
    [[admin('a', ['SUPER_ADMIN'], true)], 'fail'],
    [[admin('a', ['SUPER_ADMIN'], true), admin('b', ['SUPER_ADMIN'], true)], 'pass'],
    [['a', 'b', 'c', 'd', 'e'].map((x) => admin(x, ['SUPER_ADMIN'], true)), 'fail'],
  ])('super admin count (%#)', (users, want) => {
    expect(verdict(snapshot('okta', OKTA_INPUTS, [org, ...users]), oktaRules, 'okta.admins.inventory_bounded', 'org')).toBe(want);
  });
  it('fails an admin without a phishing-resistant factor', () => {
    expect(verdict(snapshot('okta', OKTA_INPUTS, [org, admin('a', ['ORG_ADMIN'], false)]), oktaRules, 'okta.admins.inventory_bounded', 'a')).toBe('fail');
  });
  it.each([
    ['phishing-resistant → pass', { phishingResistant: true, mfaMethods: ['webauthn'] }, true, 'pass'],
    ['MFA known, phishing resistance unread, required → error', { phishingResistant: null }, true, 'error'],
    ['MFA known, phishing resistance unread, not required → pass', { phishingResistant: null }, false, 'pass'],
    ['MFA unread → error', { mfaEnrolled: null, phishingResistant: null, mfaMethods: [] }, false, 'error'],
  ] as const)('admin: %s', (_n, o, required, want) => {
    const s = snapshot('okta', OKTA_INPUTS, [org, user('a', { isAdmin: true, adminRoles: ['ORG_ADMIN'], ...o })]);
    const rules = oktaRules.filter((r) => r.id === 'okta.admins.inventory_bounded');
    const got = evaluateSnapshot(s, rules, { now: NOW, params: { 'okta.admins.inventory_bounded': { requirePhishingResistant: required } } }).find((r) => r.resourceId === 'a');
    expect(got?.status).toBe(want);
    if (want === 'error' && !('mfaEnrolled' in o)) expect(got?.reason).toMatch(/phishing-resistant factor is enrolled could not be read/);
  });
});

describe('okta.policy.password_and_session', () => {
  const pw = (complexity: Record<string, number>, history: number, lockout: number) => ({
    type: 'okta.policy', id: 'p', attributes: { type: 'PASSWORD', status: 'ACTIVE', priority: 1, system: true, rules: [], settings: { complexity, age: { historyCount: history }, lockout: { maxAttempts: lockout } } },
  });
  const strong = { minLength: 14, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 1 };
  it.each([
    [pw(strong, 5, 5), 'pass'],
    [pw({ ...strong, minLength: 8 }, 5, 5), 'fail'],
    [pw({ ...strong, minSymbol: 0 }, 5, 5), 'fail'],
    [pw(strong, 0, 5), 'fail'],
    [pw(strong, 5, 0), 'fail'],
  ])('password policy %#', (p, want) => {
    expect(verdict(snapshot('okta', OKTA_INPUTS, [p]), oktaRules, 'okta.policy.password_and_session', 'p')).toBe(want);
  });
  const session = (s: Record<string, unknown>) => ({
    type: 'okta.policy', id: 's', attributes: { type: 'OKTA_SIGN_ON', status: 'ACTIVE', priority: 1, system: true, settings: null, rules: [{ id: 'r', name: 'Default Rule', status: 'ACTIVE', priority: 1, system: true, conditions: null, actions: { signon: { access: 'ALLOW', requireFactor: true, session: s } } }] },
  });
  it.each([
    [{ maxSessionIdleMinutes: 15, maxSessionLifetimeMinutes: 720, usePersistentCookie: false }, 'pass'],
    [{ maxSessionIdleMinutes: 120, maxSessionLifetimeMinutes: 720, usePersistentCookie: false }, 'fail'],
    [{ maxSessionIdleMinutes: 15, maxSessionLifetimeMinutes: 0, usePersistentCookie: false }, 'fail'],
    [{ maxSessionIdleMinutes: 15, maxSessionLifetimeMinutes: 720, usePersistentCookie: true }, 'fail'],
  ])('global session %#', (s, want) => {
    expect(verdict(snapshot('okta', OKTA_INPUTS, [session(s)]), oktaRules, 'okta.policy.password_and_session', 's')).toBe(want);
  });
});

describe('entra Conditional Access rules', () => {
  const INPUTS = ['entra.tenant', 'entra.ca_policy', 'entra.user', 'entra.role_assignment', 'entra.user.mfa_registration', 'entra.user.sign_in_activity'];
  const tenant = (sd: boolean) => ({ type: 'entra.tenant', id: 't', attributes: { securityDefaultsEnabled: sd, userCount: 1 } });
  const ca = (id: string, state: string, users: Record<string, string[]>, grant: Record<string, unknown>, clientAppTypes = ['all']) => ({
    type: 'entra.ca_policy', id, attributes: { state, conditions: { users, applications: { includeApplications: ['All'] }, clientAppTypes }, grantControls: grant },
  });
  const mfaAll = (state: string, exclude: string[] = []) => ca('mfa', state, { includeUsers: ['All'], excludeUsers: exclude }, { operator: 'OR', builtInControls: ['mfa'] });
  it.each([
    ['enforced for all', [tenant(false), mfaAll('enabled')], 'pass'],
    ['report-only', [tenant(false), mfaAll('enabledForReportingButNotEnforced')], 'fail'],
    ['undocumented exclusion', [tenant(false), mfaAll('enabled', ['someone'])], 'fail'],
    ['security defaults', [tenant(true)], 'pass'],
    ['nothing', [tenant(false)], 'fail'],
  ] as const)('mfa_required_all_users: %s', (_n, res, want) => {
    expect(verdict(snapshot('entra', INPUTS, [...res]), entraRules, 'entra.ca.mfa_required_all_users', 't')).toBe(want);
  });
  it.each([
    [ca('b', 'enabled', { includeUsers: ['All'] }, { builtInControls: ['block'] }, ['exchangeActiveSync', 'other']), 'pass'],
    [ca('b', 'enabled', { includeUsers: ['All'] }, { builtInControls: ['block'] }, ['exchangeActiveSync']), 'fail'],
    [ca('b', 'disabled', { includeUsers: ['All'] }, { builtInControls: ['block'] }, ['exchangeActiveSync', 'other']), 'fail'],
  ])('legacy_auth_blocked %#', (p, want) => {
    expect(verdict(snapshot('entra', INPUTS, [tenant(false), p]), entraRules, 'entra.ca.legacy_auth_blocked', 't')).toBe(want);
  });
  it.each([
    [ca('p', 'enabled', { includeRoles: [GLOBAL_ADMIN_TEMPLATE_ID] }, { authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } }), 'pass'],
    [ca('p', 'enabled', { includeRoles: [GLOBAL_ADMIN_TEMPLATE_ID] }, { builtInControls: ['mfa'] }), 'fail'],
    [ca('p', 'enabled', { includeRoles: ['other-role'] }, { authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } }), 'fail'],
  ])('admins_phishing_resistant %#', (p, want) => {
    expect(verdict(snapshot('entra', INPUTS, [tenant(false), p]), entraRules, 'entra.ca.admins_phishing_resistant', 't')).toBe(want);
  });
});

describe('google-workspace.users.2sv_enrolled', () => {
  const g = (o: Record<string, unknown>) => ({ ...user('g1', { mfaMethods: [], phishingResistant: null, ...o }), type: 'google-workspace.user' });
  it.each([
    [{ mfaEnrolled: true }, 'pass'],
    [{ mfaEnrolled: false }, 'fail'],
    [{ mfaEnrolled: false, active: false, status: 'suspended' }, undefined],
    [{ mfaEnrolled: null, isEnrolledIn2Sv: null }, 'error'],
  ] as const)('%o → %s', (o, want) => {
    expect(verdict(snapshot('google-workspace', ['google-workspace.user'], [g(o)]), googleWorkspaceRules, 'google-workspace.users.2sv_enrolled', 'g1')).toBe(want);
  });
});

describe('google-workspace.admins.super_admin_bounded and inactive (roles held through groups, fields the reply left out)', () => {
  const GW = ['google-workspace.customer', 'google-workspace.user', 'google-workspace.admin_role_assignment'];
  const g = (id: string, o: Record<string, unknown>) => ({ ...user(id, { mfaMethods: [], phishingResistant: null, ...o }), type: 'google-workspace.user' });
  const supers = ['s1', 's2'].map((id) => g(id, { isAdmin: true, adminRoles: ['Super Admin'] }));
  const customer = { type: 'google-workspace.customer', id: 't', attributes: { userCount: 3 } };
  it.each([
    ['help desk through a group, 2SV on', { isAdmin: true, adminRoles: ['_HELP_DESK_ADMIN_ROLE'], mfaEnrolled: true }, 'pass'],
    ['help desk through a group, no 2SV', { isAdmin: true, adminRoles: ['_HELP_DESK_ADMIN_ROLE'], mfaEnrolled: false }, 'fail'],
    ['admin, 2SV not in the reply', { isAdmin: true, adminRoles: ['_HELP_DESK_ADMIN_ROLE'], mfaEnrolled: null }, 'error'],
    ['not an admin: not judged', { mfaEnrolled: false }, undefined],
  ] as const)('%s → %s', (_n, o, want) => {
    expect(verdict(snapshot('google-workspace', GW, [customer, ...supers, g('g1', o)]), googleWorkspaceRules, 'google-workspace.admins.super_admin_bounded', 'g1')).toBe(want);
  });
  it.each([
    ['lastLoginTime in the reply', { lastLogin: ago(3), lastLoginKnown: true }, 'pass'],
    ['lastLoginTime left out', { lastLogin: null, lastLoginKnown: false }, 'error'],
    ['last signed in 91 days ago', { lastLogin: ago(91), lastLoginKnown: true }, 'fail'],
    ['never signed in, created 45 days ago', { lastLogin: null, lastLoginKnown: true, created: ago(45) }, 'fail'],
  ] as const)('inactive: %s → %s', (_n, o, want) => {
    expect(verdict(snapshot('google-workspace', ['google-workspace.user'], [g('g1', o)]), googleWorkspaceRules, 'google-workspace.users.inactive', 'g1')).toBe(want);
  });
  it('a per-user gap (resources: [id]) turns that admin\'s pass into error and leaves the others judged', () => {
    const s = snapshot('google-workspace', GW, [customer, ...supers, g('g1', { isAdmin: true, adminRoles: ['_HELP_DESK_ADMIN_ROLE'] })]);
    s.errors.push({ operation: 'admin.directory.users.list', code: 'MISSING_FIELDS', cause: 'incomplete', message: 'user g1 without suspended', inputs: ['google-workspace.user'], resources: ['g1'], retryable: true });
    expect(verdict(s, googleWorkspaceRules, 'google-workspace.admins.super_admin_bounded', 'g1')).toBe('error');
    expect(verdict(s, googleWorkspaceRules, 'google-workspace.admins.super_admin_bounded', 's1')).toBe('pass');
  });
});

describe('google-workspace policy rules (Cloud Identity Policy API)', () => {
  const INPUTS = ['google-workspace.user', 'google-workspace.org_unit', 'google-workspace.policy'];
  const ROOT = 'root'; const ENG = 'eng'; const SUB = 'eng-sub';
  const ous = [
    { type: 'google-workspace.org_unit', id: ROOT, attributes: { orgUnitPath: '/', parentOrgUnitId: null } },
    { type: 'google-workspace.org_unit', id: ENG, attributes: { orgUnitPath: '/Eng', parentOrgUnitId: ROOT } },
    { type: 'google-workspace.org_unit', id: SUB, attributes: { orgUnitPath: '/Eng/Sub', parentOrgUnitId: ENG } },
  ];
  let n = 0;
  const pol = (settingType: string, value: Record<string, unknown>, orgUnitId: string | null = ROOT, o: Record<string, unknown> = {}) => ({
    type: 'google-workspace.policy', id: `policies/p${++n}`, attributes: { settingType, value, orgUnitId, groupId: null, sortOrder: 1, policyType: 'ADMIN', ...o },
  });
  const goodTwoSv = () => [
    pol('security.two_step_verification_enforcement', { enforcedFrom: '2024-01-01T00:00:00Z' }),
    pol('security.two_step_verification_enforcement_factor', { allowedSignInFactorSet: 'NO_TELEPHONY' }),
    pol('security.two_step_verification_grace_period', { enrollmentGracePeriod: '604800s' }),
  ];
  const goodPwd = () => [
    pol('security.password', { allowedStrength: 'STRONG', minimumLength: 14, enforceRequirementsAtLogin: true }),
    pol('security.session_controls', { webSessionDuration: '43200s' }),
  ];
  const gwsUser = (id: string, o: Record<string, unknown> = {}) => ({
    type: 'google-workspace.user', id,
    attributes: { email: `${id}@x.io`, login: `${id}@x.io`, displayName: id, status: 'active', active: true, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: [], phishingResistant: null, lastLogin: ago(1), lastLoginKnown: true, created: ago(400), statusChanged: null, orgUnitPath: '/', ...o },
  });
  const run = (ruleId: string, res: Array<{ type: string; id: string; attributes: Record<string, unknown> }>) =>
    evaluateSnapshot(snapshot('google-workspace', INPUTS, [...ous, ...res]), googleWorkspaceRules.filter((r) => r.id === ruleId), { now: NOW });
  const at = (ruleId: string, res: Array<{ type: string; id: string; attributes: Record<string, unknown> }>, id: string) => run(ruleId, res).find((r) => r.resourceId === id)?.status;

  it.each([
    ['enforced at the root, inherited by every OU', [], SUB, 'pass'],
    ['a child OU turns enforcement off (no enforcedFrom)', [pol('security.two_step_verification_enforcement', {}, ENG)], SUB, 'fail'],
    ['enforcement starts in the future', [pol('security.two_step_verification_enforcement', { enforcedFrom: '2027-06-01T00:00:00Z' }, ENG)], ENG, 'fail'],
    ['SMS allowed in a child OU', [pol('security.two_step_verification_enforcement_factor', { allowedSignInFactorSet: 'ALL' }, ENG)], SUB, 'fail'],
    ['a 30-day enrolment grace period', [pol('security.two_step_verification_grace_period', { enrollmentGracePeriod: '2592000s' }, ENG)], ENG, 'fail'],
    ['the child override with the higher sortOrder wins', [pol('security.two_step_verification_enforcement', {}, ENG, { sortOrder: 1 }),
      pol('security.two_step_verification_enforcement', { enforcedFrom: '2024-01-01T00:00:00Z' }, ENG, { sortOrder: 2 })], ENG, 'pass'],
  ] as const)('google-workspace.policy.2sv_enforced: %s → %s', (_n, extra, ou, want) => {
    expect(at('google-workspace.policy.2sv_enforced', [...goodTwoSv(), ...extra], ou)).toBe(want);
  });

  it('2SV: the parent stays pass when only a child is weakened, and the reason names where a weakness is inherited from', () => {
    const rs = run('google-workspace.policy.2sv_enforced', [...goodTwoSv(), pol('security.two_step_verification_enforcement_factor', { allowedSignInFactorSet: 'ALL' }, ENG)]);
    expect(rs.map((r) => [r.resourceId, r.status])).toEqual([[ENG, 'fail'], [SUB, 'fail'], [ROOT, 'pass']]);
    expect(rs.find((r) => r.resourceId === SUB)!.reason).toBe('/Eng/Sub: SMS and voice codes are allowed as the second step (inherited from /Eng)');
  });

  it('2SV: no factor policy anywhere falls back to Google\'s documented default (all methods): fail, never pass', () => {
    const rs = run('google-workspace.policy.2sv_enforced', goodTwoSv().filter((p) => p.attributes.settingType !== 'security.two_step_verification_enforcement_factor'));
    expect(rs.find((r) => r.resourceId === ROOT)!.status).toBe('fail');
  });

  it('2SV: no enforcement setting read anywhere is error (Google documents no default), not fail or pass', () => {
    const rs = run('google-workspace.policy.2sv_enforced', goodTwoSv().filter((p) => p.attributes.settingType !== 'security.two_step_verification_enforcement'));
    expect(rs.find((r) => r.resourceId === ROOT)!.status).toBe('error');
  });

  it.each([
    ['admin in an OU held to security keys', 'PASSKEY_ONLY', 'pass'],
    ['admin allowed any method but SMS', 'NO_TELEPHONY', 'fail'],
  ] as const)('2SV admins: %s → %s', (_n, set, want) => {
    const res = [...goodTwoSv(), pol('security.two_step_verification_enforcement_factor', { allowedSignInFactorSet: set }, ENG), gwsUser('adm', { isAdmin: true, orgUnitPath: '/Eng' })];
    expect(at('google-workspace.policy.2sv_enforced', res, 'adm')).toBe(want);
  });

  it('2SV: an admin in an OU that was not listed is error; a group override that allows SMS fails on the policy', () => {
    const res = [...goodTwoSv(), gwsUser('adm', { isAdmin: true, orgUnitPath: '/Gone' }),
      pol('security.two_step_verification_enforcement_factor', { allowedSignInFactorSet: 'ALL' }, ROOT, { groupId: 'g1' })];
    const rs = run('google-workspace.policy.2sv_enforced', res);
    expect(rs.find((r) => r.resourceId === 'adm')!.status).toBe('error');
    expect(rs.find((r) => r.resourceId === res[4]!.id)!.status).toBe('fail');
  });

  it.each([
    ['strong, 14 characters, 12 h sessions, recovery default off', [], 'pass'],
    ['minimum length 8', [pol('security.password', { allowedStrength: 'STRONG', minimumLength: 8, enforceRequirementsAtLogin: true }, ENG)], 'fail'],
    ['weak strength allowed', [pol('security.password', { allowedStrength: 'WEAK', minimumLength: 14, enforceRequirementsAtLogin: true }, ENG)], 'fail'],
    ['not enforced at sign-in', [pol('security.password', { allowedStrength: 'STRONG', minimumLength: 14, enforceRequirementsAtLogin: false }, ENG)], 'fail'],
    ['14-day sessions', [pol('security.session_controls', { webSessionDuration: '1209600s' }, ENG)], 'fail'],
    ['super-admin self-recovery on', [pol('security.super_admin_account_recovery', { enableAccountRecovery: true }, ENG)], 'fail'],
    ['password setting without minimumLength', [pol('security.password', { allowedStrength: 'STRONG', enforceRequirementsAtLogin: true }, ENG)], 'error'],
  ] as const)('google-workspace.policy.password_session_recovery: %s → %s', (_n, extra, want) => {
    expect(at('google-workspace.policy.password_session_recovery', [...goodPwd(), ...extra], SUB)).toBe(want);
  });

  it('password: no session setting at the root or below is error (no documented default), never pass', () => {
    const rs = run('google-workspace.policy.password_session_recovery', goodPwd().filter((p) => p.attributes.settingType !== 'security.session_controls'));
    expect(rs.map((r) => r.status)).toEqual(['error', 'error', 'error']);
    expect(rs[0]!.reason).toContain('no security.session_controls setting was read');
  });
});

describe('google-workspace.alerts.rules_enabled', () => {
  const INPUTS = ['google-workspace.customer', 'google-workspace.policy'];
  const customer = { type: 'google-workspace.customer', id: 'C01', attributes: { userCount: 3 } };
  const alert = (name: string, state: string) => ({
    type: 'google-workspace.policy', id: `policies/${name.replace(/\W/g, '')}`,
    attributes: { settingType: 'rule.system_defined_alerts', value: { displayName: name, description: name, state }, orgUnitId: 'root', groupId: null, sortOrder: 1, policyType: 'ADMIN' },
  });
  const four = (leaked = 'ACTIVE') => [alert('Government-backed attacks', 'ACTIVE'), alert('Leaked password', leaked), alert('Suspicious login', 'ACTIVE'), alert('User granted Admin privilege', 'ACTIVE')];
  const run = (res: Array<{ type: string; id: string; attributes: Record<string, unknown> }>) =>
    evaluateSnapshot(snapshot('google-workspace', INPUTS, [customer, ...res]), googleWorkspaceRules.filter((r) => r.id === 'google-workspace.alerts.rules_enabled'), { now: NOW })[0]!;
  it.each([
    ['all four active', four(), 'pass'],
    ['leaked-password alert inactive', four('INACTIVE'), 'fail'],
    ['one required rule not in the reply', four().slice(1), 'error'],
  ] as const)('google-workspace.alerts.rules_enabled: %s → %s', (_n, res, want) => {
    expect(run([...res]).status).toBe(want);
  });
  it('names the inactive rule', () => {
    expect(run(four('INACTIVE')).reason).toBe('system-defined alert rules not active: Leaked password');
  });
});
