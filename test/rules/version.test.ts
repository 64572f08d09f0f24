// Rule definitions and rule-set versions: JSON-safe, order-independent, and sensitive to logic, metadata and params.
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/core/types.js';
import { ruleDefinition, ruleSetVersion } from '../../src/rules/version.js';
import { allRules } from '../../rules/index.js';
import rotated from '../../rules/aws/iam/access_keys_rotated.js';

describe('ruleDefinition', () => {
  it('is JSON-safe and carries defaults, inputs, permissions and a logic hash', () => {
    const d = ruleDefinition(rotated);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d).toMatchObject({
      id: 'aws.iam.access_keys_rotated',
      source: 'aws',
      severity: 'medium',
      mode: 'snapshot',
      inputs: ['aws.iam.user'],
      params: { maxKeyAgeDays: 90, maxActiveKeys: 1, flagUnusedSetupKeys: true },
      maxInputAgeHours: 26,
    });
    expect(d.logicSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ruleDefinition(rotated, { maxKeyAgeDays: 30 }).params.maxKeyAgeDays).toBe(30);
  });

  it('gives each shipped rule a distinct logic hash', () => {
    const hashes = allRules.map((r) => ruleDefinition(r).logicSha256);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('ruleSetVersion', () => {
  it('is 16 hex chars, independent of order, and changes with logic, metadata or params', () => {
    const v = ruleSetVersion(allRules);
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(ruleSetVersion([...allRules].reverse())).toBe(v);
    const changedLogic: Rule = { ...rotated, evaluate: () => [] };
    expect(ruleSetVersion(allRules.map((r) => (r.id === rotated.id ? changedLogic : r)))).not.toBe(v);
    const changedSeverity: Rule = { ...rotated, severity: 'high' };
    expect(ruleSetVersion(allRules.map((r) => (r.id === rotated.id ? changedSeverity : r)))).not.toBe(v);
    expect(ruleSetVersion(allRules, { [rotated.id]: { maxKeyAgeDays: 30 } })).not.toBe(v);
    expect(ruleSetVersion(allRules.filter((r) => r.id !== rotated.id))).not.toBe(v);
  });
});
