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
