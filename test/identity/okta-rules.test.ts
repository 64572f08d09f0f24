// okta.* rules by tables over hand-built snapshots: unknown source data (null network, unread factors, missing
// lastLogin, a policy read in part) is `error`, never pass; what was seen still passes or fails.
import { describe, expect, it } from 'vitest';
import type { CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { oktaRules } from '../../rules/okta/index.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const ago = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const INPUTS = ['okta.org', 'okta.user', 'okta.user.factors', 'okta.admin_role', 'okta.policy', 'okta.log_stream', 'okta.api_token'];

function snapshot(resources: Array<{ type: string; id: string; attributes: Record<string, unknown> }>, errors: CollectionError[] = []): Snapshot {
  const at = NOW.toISOString();
  return {
    source: 'okta', scope: 't', slot: at, startedAt: at, endedAt: at, artifacts: [], errors, apiCalls: 0,
    inputs: Object.fromEntries(INPUTS.map((i) => [i, { observedAt: at }])),
    resources: resources.map((r): Resource => ({ source: 'okta', scope: 't', name: r.id, observedAt: at, ...r })),
  };
}
const verdict = (s: Snapshot, ruleId: string, id: string) =>
  evaluateSnapshot(s, oktaRules.filter((r) => r.id === ruleId), { now: NOW }).find((r) => r.resourceId === id)?.status;

const token = (o: Record<string, unknown>) => ({
  type: 'okta.api_token', id: 'tok',
  attributes: { ownerId: 'u1', ownerLogin: 'svc@x.io', ownerRoles: ['READ_ONLY_ADMIN'], networkConnection: 'ZONE', expiresAt: null, lastUpdated: null, ...o },
});
const user = (id: string, o: Record<string, unknown>) => ({
  type: 'okta.user', id,
  attributes: { email: `${id}@x.io`, login: `${id}@x.io`, displayName: id, status: 'ACTIVE', active: true, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: ['push'], phishingResistant: false, lastLogin: ago(1), lastLoginKnown: true, created: ago(400), statusChanged: null, mfaFactors: [], ...o },
});
const perUser = (input: string, ids: string[], cause: CollectionError['cause']): CollectionError =>
  ({ operation: 'okta:ListFactors', code: 'HTTP500', message: 'x', inputs: [input], resources: ids, cause, retryable: true });

describe('okta.admins.api_tokens_restricted', () => {
  it.each([
    ['restricted to zones, not a super admin', {}, 'pass'],
    ['usable from anywhere', { networkConnection: 'ANYWHERE' }, 'fail'],
    ['owned by a super admin', { ownerRoles: ['SUPER_ADMIN'] }, 'fail'],
    ['network settings not in the reply', { networkConnection: null }, 'error'],
    ['network unknown but owned by a super admin', { networkConnection: null, ownerRoles: ['SUPER_ADMIN'] }, 'fail'],
  ])('%s → %s', (_n, attrs, want) => {
    expect(verdict(snapshot([token(attrs)]), 'okta.admins.api_tokens_restricted', 'tok')).toBe(want);
  });
});

describe('per-resource read failures', () => {
  it.each([
    ['factors read for u1 failed, u1 enrolled per what was read', 'okta.users.mfa_enrolled', user('u1', {}), perUser('okta.user.factors', ['u1'], 'server_error'), 'error'],
    ['factors read for u1 failed, a fail seen stands', 'okta.users.mfa_enrolled', user('u1', { mfaEnrolled: false, mfaMethods: [] }), perUser('okta.user.factors', ['u1'], 'server_error'), 'fail'],
    ['factors read failed for another user', 'okta.users.mfa_enrolled', user('u1', {}), perUser('okta.user.factors', ['u2'], 'server_error'), 'pass'],
    ['lastLogin missing from the reply', 'okta.users.inactive', user('u1', { lastLogin: null, lastLoginKnown: false }), perUser('okta.user', ['u1'], 'malformed'), 'error'],
    ['lastLogin null: never signed in, created long ago', 'okta.users.inactive', user('u1', { lastLogin: null }), undefined, 'fail'],
    ['lastLogin null: never signed in, created within the grace period', 'okta.users.inactive', user('u1', { lastLogin: null, created: ago(3) }), undefined, 'pass'],
  ] as const)('%s → %s', (_n, ruleId, u, err, want) => {
    expect(verdict(snapshot([u], err ? [err] : []), ruleId, 'u1')).toBe(want);
  });

  it('a sign-on policy whose rules came back empty is error, not a vacuous pass', () => {
    const p = { type: 'okta.policy', id: 's', attributes: { type: 'OKTA_SIGN_ON', status: 'ACTIVE', priority: 1, system: true, settings: null, rules: [] } };
    const err: CollectionError = { operation: 'okta:ListPolicyRules', code: 'EMPTY_RULES', message: 'x', inputs: ['okta.policy'], resources: ['s'], cause: 'incomplete', retryable: true };
    expect(verdict(snapshot([p]), 'okta.policy.password_and_session', 's')).toBe('pass');
    expect(verdict(snapshot([p], [err]), 'okta.policy.password_and_session', 's')).toBe('error');
  });
});

// Review of issue 11: Okta keeps an undeletable Default Policy of every type, so no active password, global session or
// authentication policy is a short read: `error` on the scope, never `not_applicable` ("nothing in scope").
describe('okta.policy.* with no active policy of a type Okta always keeps', () => {
  const strongPw = { type: 'okta.policy', id: 'p', attributes: { type: 'PASSWORD', status: 'ACTIVE', priority: 1, system: true, rules: [], settings: { complexity: { minLength: 14, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 1 }, age: { historyCount: 5 }, lockout: { maxAttempts: 5 } } } };
  const session = { type: 'okta.policy', id: 's', attributes: { type: 'OKTA_SIGN_ON', status: 'ACTIVE', priority: 1, system: true, settings: null, rules: [{ id: 'r', name: 'Default Rule', status: 'ACTIVE', priority: 1, system: true, conditions: null, actions: { signon: { access: 'ALLOW', requireFactor: true, session: { maxSessionIdleMinutes: 15, maxSessionLifetimeMinutes: 720, usePersistentCookie: false } } } }] } };
  const inactive = (r: typeof strongPw | typeof session) => ({ ...r, attributes: { ...r.attributes, status: 'INACTIVE' } });
  it.each([
    ['both present', 'okta.policy.password_and_session', undefined, [strongPw, session]],
    ['no password policy', 'okta.policy.password_and_session', 'error', [session]],
    ['no global session policy', 'okta.policy.password_and_session', 'error', [strongPw]],
    ['only inactive ones', 'okta.policy.password_and_session', 'error', [inactive(strongPw), inactive(session)]],
    ['no policy at all', 'okta.policy.password_and_session', 'error', []],
    ['mfa_enforced, a sign-on policy present', 'okta.policy.mfa_enforced', undefined, [session]],
    ['mfa_enforced, no active sign-on or authentication policy', 'okta.policy.mfa_enforced', 'error', [strongPw, inactive(session)]],
  ] as const)('%s: %s → scope %s', (_n, ruleId, want, rs) => {
    const results = evaluateSnapshot(snapshot([...rs]), oktaRules.filter((r) => r.id === ruleId), { now: NOW });
    expect(results.find((r) => r.resourceId === 'okta:t')?.status).toBe(want);
    expect(results.map((r) => r.status)).not.toContain('not_applicable');
  });
});

// Review of issue 11: a policy setting Okta always sends, missing from the reply, was read as 0/off (a fail) or the rule
// holding it was skipped (a pass on a rule nobody saw). Each is now `error`; a weakness seen still fails.
describe('okta.policy.* with settings missing from the reply', () => {
  const strong = { minLength: 14, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 1 };
  const pw = (complexity: Record<string, unknown>, age: Record<string, unknown> = { historyCount: 5 }, lockout: Record<string, unknown> = { maxAttempts: 5 }) => ({
    type: 'okta.policy', id: 'p', attributes: { type: 'PASSWORD', status: 'ACTIVE', priority: 1, system: true, rules: [], settings: { complexity, age, lockout } },
  });
  it.each([
    ['every setting present', pw(strong), 'pass'],
    ['minLength missing', pw({ ...strong, minLength: undefined }), 'error'],
    ['minSymbol missing', pw({ ...strong, minSymbol: undefined }), 'error'],
    ['historyCount missing', pw(strong, {}), 'error'],
    ['lockout.maxAttempts null', pw(strong, undefined, { maxAttempts: null }), 'error'],
    ['lockout.maxAttempts 0 (documented: no lockout)', pw(strong, undefined, { maxAttempts: 0 }), 'fail'],
    ['minLength missing, but a short history seen', pw({ ...strong, minLength: undefined }, { historyCount: 0 }), 'fail'],
  ] as const)('password policy, %s → %s', (_n, p, want) => {
    expect(verdict(snapshot([p]), 'okta.policy.password_and_session', 'p')).toBe(want);
  });

  const rule = (actions: unknown) => ({ id: 'r', name: 'Default Rule', status: 'ACTIVE', priority: 1, system: true, conditions: null, actions });
  const signOn = (actions: unknown) => ({ type: 'okta.policy', id: 's', attributes: { type: 'OKTA_SIGN_ON', status: 'ACTIVE', priority: 1, system: true, settings: null, rules: [rule(actions)] } });
  const session = { maxSessionIdleMinutes: 15, maxSessionLifetimeMinutes: 720, usePersistentCookie: false };
  it.each([
    ['every setting present', { signon: { access: 'ALLOW', requireFactor: true, session } }, 'pass'],
    ['a DENY rule', { signon: { access: 'DENY' } }, 'pass'],
    ['actions null', null, 'error'],
    ['signon without access', { signon: { requireFactor: true, session } }, 'error'],
    ['ALLOW without session', { signon: { access: 'ALLOW', requireFactor: true } }, 'error'],
    ['idle timeout missing', { signon: { access: 'ALLOW', requireFactor: true, session: { ...session, maxSessionIdleMinutes: undefined } } }, 'error'],
    ['usePersistentCookie missing', { signon: { access: 'ALLOW', requireFactor: true, session: { ...session, usePersistentCookie: undefined } } }, 'error'],
    ['lifetime missing, idle too long seen', { signon: { access: 'ALLOW', requireFactor: true, session: { ...session, maxSessionIdleMinutes: 120, maxSessionLifetimeMinutes: undefined } } }, 'fail'],
  ] as const)('global session policy, %s → %s', (_n, actions, want) => {
    expect(verdict(snapshot([signOn(actions)]), 'okta.policy.password_and_session', 's')).toBe(want);
  });
  it.each([
    ['prompts for a factor', { signon: { access: 'ALLOW', requireFactor: true, session } }, 'pass'],
    ['does not prompt', { signon: { access: 'ALLOW', requireFactor: false, session } }, 'fail'],
    ['actions null', null, 'error'],
    ['signon without access', { signon: { requireFactor: true } }, 'error'],
  ] as const)('classic mfa_enforced, %s → %s', (_n, actions, want) => {
    expect(verdict(snapshot([signOn(actions)]), 'okta.policy.mfa_enforced', 's')).toBe(want);
  });

  const access = (actions: unknown) => ({ type: 'okta.policy', id: 'a', name: 'Dashboard', attributes: { type: 'ACCESS_POLICY', status: 'ACTIVE', priority: 1, system: false, settings: null, rules: [rule(actions)] } });
  it.each([
    ['2FA', { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: '2FA', type: 'ASSURANCE', constraints: [] } } }, 'pass'],
    ['1FA', { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: '1FA', type: 'ASSURANCE', constraints: [] } } }, 'fail'],
    ['a DENY rule', { appSignOn: { access: 'DENY' } }, 'pass'],
    ['actions null', null, 'error'],
    ['appSignOn without access', { appSignOn: { verificationMethod: { factorMode: '1FA' } } }, 'error'],
  ] as const)('authentication policy, %s → %s', (_n, actions, want) => {
    expect(verdict(snapshot([access(actions)]), 'okta.policy.mfa_enforced', 'a')).toBe(want);
  });
});

describe('okta.logs.retained_externally', () => {
  const org = (systemLogRead: boolean) => ({ type: 'okta.org', id: 'org', attributes: { orgUrl: 'https://t.okta.com', userCount: 3, systemLogRead } });
  const stream = (id: string, status: string) => ({ type: 'okta.log_stream', id, attributes: { type: 'aws_eventbridge', status } });
  it.each([
    ['an active stream', [org(true), stream('ls1', 'ACTIVE')], 'pass'],
    ['one active stream beside an inactive one', [org(true), stream('ls1', 'INACTIVE'), stream('ls2', 'ACTIVE')], 'pass'],
    ['no stream at all', [org(true)], 'fail'],
    ['only an inactive stream', [org(true), stream('ls1', 'INACTIVE')], 'fail'],
  ] as const)('%s → %s', (_n, resources, want) => {
    expect(verdict(snapshot([...resources]), 'okta.logs.retained_externally', 'org')).toBe(want);
  });

  it('accepts the agent’s own System Log export only when asked to, and only when this run read the log', () => {
    const rules = oktaRules.filter((r) => r.id === 'okta.logs.retained_externally');
    const judge = (read: boolean) =>
      evaluateSnapshot(snapshot([org(read)]), rules, { now: NOW, params: { 'okta.logs.retained_externally': { acceptAgentExport: true } } })[0]?.status;
    expect(judge(true)).toBe('pass');
    expect(judge(false)).toBe('fail');
  });
});
