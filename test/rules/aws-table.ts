// The table shape of the AWS service-rule tests: resources observed an hour before NOW in one region of the test
// account, every AWS input collected, and one `it` per row checking the verdict (and reason) the row writes down.
import { describe, expect, it } from 'vitest';
import type { Resource, Rule, Status } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import { AWS_SERVICE_RESOURCE_TYPES } from '../../collectors/aws/services.js';
import { ACCOUNT, NOW, snapshot } from './helpers.js';

export const R = 'eu-west-1';
const OBSERVED = new Date(NOW.getTime() - 3_600_000).toISOString();
export const ALL_INPUTS = Object.fromEntries([...AWS_IAM_RESOURCE_TYPES, ...AWS_SERVICE_RESOURCE_TYPES].map((t) => [t, { observedAt: OBSERVED }]));

export function res(type: string, id: string, name: string, attributes: Record<string, unknown>, region: string | undefined = R): Resource {
  return { source: 'aws', scope: ACCOUNT, type, id, name, ...(region ? { region } : {}), attributes, observedAt: OBSERVED };
}

export interface Row {
  name: string;
  resources: Resource[];
  id: string;
  status: Status;
  reason?: RegExp;
  params?: Record<string, unknown>;
}

export function table(rule: Rule, rows: Row[]): void {
  describe(rule.id, () => {
    it.each(rows.map((r) => [r.name, r] as const))('%s', (_n, row) => {
      const results = evaluateSnapshot(snapshot(row.resources, { inputs: ALL_INPUTS }), [rule], { now: NOW, ...(row.params ? { params: { [rule.id]: row.params } } : {}) });
      const r = results.find((x) => x.resourceId === row.id);
      expect(r, `no result for ${row.id}: ${JSON.stringify(results)}`).toBeDefined();
      expect(r!.status, r!.reason).toBe(row.status);
      if (row.reason) expect(r!.reason).toMatch(row.reason);
    });
  });
}
