// The engine's handling of failed, missing and stale inputs, throwing rules, empty scopes, params and ordering.
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { defineRule } from '../../src/rules/define.js';
import { evaluateSnapshot, scopeResourceId, validateParamOverrides } from '../../src/rules/engine.js';
import { ACCOUNT, NOW, snapshot, user, userArn } from './helpers.js';

const seen: Array<Record<string, unknown>> = [];

const probe = defineRule({
  id: 'aws.test.probe',
  title: 'Probe users are fine',
  severity: 'low',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user', 'aws.iam.group'],
  permissions: ['iam:GetAccountAuthorizationDetails'],
  rationale: 'test',
  remediation: 'test',
  params: { limit: { description: 'a number', default: 3 }, names: { description: 'a list', default: [] as string[] } },
  evaluate(s, { params, now }) {
    seen.push({ ...params, now: now.toISOString() });
    return s.resources
      .filter((r) => r.type === 'aws.iam.user')
      .map((r) => ({ resourceId: r.id, status: r.name.length > params.limit ? ('fail' as const) : ('pass' as const), reason: `${r.name} length ${r.name.length}` }));
  },
}) as Rule;

const thrower: Rule = { ...probe, id: 'aws.test.thrower', evaluate: () => { throw new Error('boom with token=abc123secret'); } };
const garbage: Rule = { ...probe, id: 'aws.test.garbage', evaluate: () => [{ resourceId: 'x', status: 'ok', reason: 'r' }] as never };
const github: Rule = { ...probe, id: 'github.test.other', source: 'github' };

describe('evaluateSnapshot', () => {
  it('evaluates with defaults merged with overrides, stamps rule id and snapshot end time, and sorts', () => {
    seen.length = 0;
    const snap = snapshot([user('zed'), user('alice'), user('bob')]);
    const results = evaluateSnapshot(snap, [probe], { now: NOW, params: { 'aws.test.probe': { limit: 4 } } });
    expect(seen).toEqual([{ limit: 4, names: [], now: NOW.toISOString() }]);
    expect(results.map((r) => [r.resourceId, r.status])).toEqual([
      [userArn('alice'), 'fail'],
      [userArn('bob'), 'pass'],
      [userArn('zed'), 'pass'],
    ]);
    for (const r of results) {
      expect(r.ruleId).toBe('aws.test.probe');
      expect(r.observedAt).toBe(snap.endedAt);
    }
  });

  it('skips rules of other sources', () => {
    const results = evaluateSnapshot(snapshot([user('a')]), [github, probe], { now: NOW });
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(['aws.test.probe']));
  });

  it('turns a collection error on one of the inputs into one error naming operation, code and permission', () => {
    const snap = snapshot([user('a'), user('b')], {
      errors: [
        { operation: 'iam:GetAccountAuthorizationDetails', code: 'AccessDenied', message: 'not authorized', permission: 'iam:GetAccountAuthorizationDetails', inputs: ['aws.iam.group', 'aws.iam.role'], cause: 'denied', retryable: false },
        { operation: 'iam:GetAccountPasswordPolicy', code: 'AccessDenied', message: 'no', permission: 'iam:GetAccountPasswordPolicy', inputs: ['aws.iam.password_policy'], retryable: false },
      ],
    });
    const results = evaluateSnapshot(snap, [probe], { now: NOW });
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r.status).toBe('error');
    expect(r.resourceId).toBe(`aws:${ACCOUNT}`);
    expect(r.reason).toContain('iam:GetAccountAuthorizationDetails failed: access denied by the source (AccessDenied)');
    expect(r.reason).toContain("needs permission iam:GetAccountAuthorizationDetails");
    expect(r.reason).toContain('aws.iam.group');
    expect(r.reason).not.toContain('GetAccountPasswordPolicy');
    expect(r.details).toEqual({ errors: [{ operation: 'iam:GetAccountAuthorizationDetails', code: 'AccessDenied', cause: 'denied', permission: 'iam:GetAccountAuthorizationDetails', inputs: ['aws.iam.group'] }] });
  });

  it('names the real cause and claims a missing permission only when the source denied the call', () => {
    const refused = evaluateSnapshot(
      snapshot([user('a')], { errors: [{ operation: 'iam:GetAccountAuthorizationDetails', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', permission: 'iam:GetAccountAuthorizationDetails', inputs: ['aws.iam.group'], cause: 'unreachable', retryable: true }] }),
      [probe],
      { now: NOW },
    )[0]!;
    expect(refused.status).toBe('error');
    expect(refused.reason).toContain('source unreachable (ECONNREFUSED)');
    expect(refused.reason).not.toContain('needs permission');
    const uncaused = evaluateSnapshot(
      snapshot([user('a')], { errors: [{ operation: 'op', code: 'X', message: 'm', permission: 'p:q', inputs: ['aws.iam.group'], retryable: false }] }),
      [probe],
      { now: NOW },
    )[0]!;
    expect(uncaused.reason).not.toContain('needs permission');
  });

  it('turns non-fail outcomes on a resource read only in part into error, keeps the other resources and a seen fail', () => {
    const judge = defineRule({
      id: 'aws.test.judge', title: 't', severity: 'low', source: 'aws', mode: 'snapshot', inputs: ['aws.iam.user'], permissions: [], rationale: 'r', remediation: 'r', params: {},
      evaluate: (s) => s.resources.map((r) => ({ resourceId: r.id, status: r.id.endsWith('bad') ? 'fail' as const : 'pass' as const, reason: 'x' })),
    });
    const snap = snapshot([user('a'), user('b'), user('c-bad')], {
      errors: [{ operation: 'iam:ListMFADevices', code: 'Throttling', message: 'm', inputs: ['aws.iam.user'], resources: [userArn("a"), userArn("c-bad")], cause: 'throttled', retryable: true }],
    });
    const byId = new Map(evaluateSnapshot(snap, [judge], { now: NOW }).map((r) => [r.resourceId.split('/').pop(), r]));
    expect(byId.get('a')?.status).toBe('error');
    expect(byId.get('a')?.reason).toContain('throttled by the source (Throttling)');
    expect(byId.get('b')?.status).toBe('pass');
    expect(byId.get('c-bad')?.status).toBe('fail');
  });

  it('does not call the rule when its input errored', () => {
    seen.length = 0;
    evaluateSnapshot(snapshot([user('a')], { errors: [{ operation: 'op', code: 'Throttling', message: 'm', inputs: ['aws.iam.user'], retryable: true }] }), [probe], { now: NOW });
    expect(seen).toHaveLength(0);
  });

  it('reports an input that was not collected', () => {
    const snap = snapshot([user('a')]);
    delete snap.inputs['aws.iam.group'];
    const results = evaluateSnapshot(snap, [probe], { now: NOW });
    expect(results).toEqual([
      expect.objectContaining({ ruleId: 'aws.test.probe', resourceId: `aws:${ACCOUNT}`, status: 'error', reason: 'could not evaluate: input aws.iam.group was not collected' }),
    ]);
  });

  it('reports stale inputs past 26 h by default, and honours maxInputAgeHours; exactly at the limit is fresh', () => {
    const at = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
    const snap = snapshot([user('a')]);
    snap.inputs['aws.iam.user'] = { observedAt: at(26) };
    expect(evaluateSnapshot(snap, [probe], { now: NOW })[0]!.status).toBe('pass');
    snap.inputs['aws.iam.user'] = { observedAt: at(27) };
    const [stale] = evaluateSnapshot(snap, [probe], { now: NOW });
    expect(stale!.status).toBe('error');
    expect(stale!.reason).toContain('stale input aws.iam.user');
    expect(stale!.reason).toContain('26 h');
    expect(evaluateSnapshot(snap, [{ ...probe, maxInputAgeHours: 48 }], { now: NOW })[0]!.status).toBe('pass');
    snap.inputs['aws.iam.user'] = { observedAt: 'yesterday' };
    expect(evaluateSnapshot(snap, [probe], { now: NOW })[0]!.reason).toContain('stale');
  });

  it('turns a throwing rule into one error result, with secrets redacted', () => {
    const [r, ...rest] = evaluateSnapshot(snapshot([user('a')]), [thrower], { now: NOW });
    expect(rest).toHaveLength(0);
    expect(r!.status).toBe('error');
    expect(r!.reason).toMatch(/^rule failed: boom/);
    expect(r!.reason).not.toContain('abc123secret');
  });

  it('turns malformed outcomes into one error result', () => {
    const results = evaluateSnapshot(snapshot([user('a')]), [garbage], { now: NOW });
    expect(results).toHaveLength(1);
    expect(results[0]!.status).toBe('error');
    expect(results[0]!.reason).toContain('rule failed');
  });

  it('gives one not_applicable result when nothing is in scope', () => {
    const results = evaluateSnapshot(snapshot([]), [probe], { now: NOW });
    expect(results).toEqual([
      { ruleId: 'aws.test.probe', resourceId: scopeResourceId({ source: 'aws', scope: ACCOUNT }), status: 'not_applicable', reason: 'no aws.iam.user or aws.iam.group in scope', observedAt: snapshot([]).endedAt },
    ]);
  });

  it('rejects unknown parameter overrides and wrong types with a UsageError naming rule and key', () => {
    const bad = () => evaluateSnapshot(snapshot([user('a')]), [probe], { now: NOW, params: { 'aws.test.probe': { limt: 4 } } });
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(/aws\.test\.probe.*limt/);
    try {
      bad();
    } catch (e) {
      expect((e as UsageError).exitCode).toBe(2);
    }
    expect(() => evaluateSnapshot(snapshot([]), [probe], { now: NOW, params: { 'aws.test.probe': { limit: '4' } } })).toThrow(/limit: expected a number/);
    expect(() => evaluateSnapshot(snapshot([]), [probe], { now: NOW, params: { 'aws.test.probe': { names: 'x' } } })).toThrow(/expected a list/);
    expect(() => validateParamOverrides([probe], { 'aws.test.nope': {} }, { requireKnownRules: true })).toThrow(/no rule with id "aws.test.nope"/);
    expect(() => validateParamOverrides([probe], { 'aws.test.nope': {} })).not.toThrow();
  });

  it('gives the same results for the same snapshot regardless of rule or resource order', () => {
    const a = evaluateSnapshot(snapshot([user('c'), user('a'), user('bb')]), [thrower, probe], { now: NOW });
    const b = evaluateSnapshot(snapshot([user('bb'), user('c'), user('a')]), [probe, thrower], { now: NOW });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.map((r) => r.ruleId)).toEqual(['aws.test.probe', 'aws.test.probe', 'aws.test.probe', 'aws.test.thrower']);
  });
});
