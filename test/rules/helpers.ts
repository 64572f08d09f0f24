// Builders for hand-made AWS snapshots used by the rule tables: one account, everything collected an hour before NOW.
import { expect, it } from 'vitest';
import type { Resource, Result, Rule, Snapshot, Status } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import type {
  AwsAccessKey,
  AwsIamGroupAttributes,
  AwsIamPasswordPolicyAttributes,
  AwsIamPolicyAttributes,
  AwsIamRoleAttributes,
  AwsIamRootAttributes,
  AwsIamUserAttributes,
} from '../../src/core/contracts/aws.js';

export const NOW = new Date('2025-06-15T12:00:00.000Z');
export const ACCOUNT = '111122223333';
export const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;
const OBSERVED = new Date(NOW.getTime() - 3_600_000).toISOString();

/** ISO instant `days` days (may be fractional) before NOW. */
export function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * 86_400_000).toISOString();
}

function res(type: string, id: string, name: string, attributes: object): Resource {
  return { source: 'aws', scope: ACCOUNT, type, id, name, attributes: attributes as Record<string, unknown>, observedAt: OBSERVED };
}

export function key(slot: 1 | 2, active: boolean, createdDaysAgo: number | null, usedDaysAgo: number | null): AwsAccessKey {
  return { slot, active, lastRotated: createdDaysAgo === null ? null : daysAgo(createdDaysAgo), lastUsed: usedDaysAgo === null ? null : daysAgo(usedDaysAgo) };
}

export function root(a: Partial<AwsIamRootAttributes> = {}): Resource {
  const attrs: AwsIamRootAttributes = {
    mfaActive: true,
    accountMfaEnabled: true,
    virtualMfa: false,
    passwordEnabled: 'not_supported',
    passwordLastUsed: null,
    accessKeys: [],
    accessKeysPresent: false,
    ...a,
  };
  return res('aws.iam.root', ROOT_ARN, '<root_account>', attrs);
}

export function userArn(name: string): string {
  return `arn:aws:iam::${ACCOUNT}:user/${name}`;
}

export function user(name: string, a: Partial<AwsIamUserAttributes> = {}): Resource {
  const attrs: AwsIamUserAttributes = {
    userId: `AIDA${name.toUpperCase()}`,
    path: '/',
    createdAt: daysAgo(400),
    passwordEnabled: false,
    passwordLastUsed: null,
    passwordLastChanged: null,
    mfaActive: false,
    accessKeys: [],
    groups: ['Developers'],
    attachedPolicies: [],
    inlinePolicies: [],
    ...a,
  };
  return res('aws.iam.user', userArn(name), name, attrs);
}

export function groupArn(name: string): string {
  return `arn:aws:iam::${ACCOUNT}:group/${name}`;
}

export function group(name: string, a: Partial<AwsIamGroupAttributes> = {}): Resource {
  return res('aws.iam.group', groupArn(name), name, { path: '/', members: [], attachedPolicies: [], inlinePolicies: [], ...a });
}

export function roleArn(name: string, path = '/'): string {
  return `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
}

export function role(name: string, a: Partial<AwsIamRoleAttributes> = {}): Resource {
  const attrs: AwsIamRoleAttributes = {
    path: '/',
    createdAt: daysAgo(200),
    assumeRolePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    attachedPolicies: [],
    inlinePolicies: [],
    lastUsed: daysAgo(1),
    ...a,
  };
  return res('aws.iam.role', roleArn(name, attrs.path), name, attrs);
}

export function policyArn(name: string): string {
  return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
}

export function policy(arn: string, document: unknown, a: Partial<AwsIamPolicyAttributes> = {}): Resource {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return res('aws.iam.policy', arn, name, { awsManaged: arn.startsWith('arn:aws:iam::aws:'), attachmentCount: 1, defaultVersionId: 'v1', document, ...a });
}

export function passwordPolicy(a: Partial<AwsIamPasswordPolicyAttributes>): Resource {
  return res('aws.iam.password_policy', `arn:aws:iam::${ACCOUNT}:password-policy`, 'password-policy', a);
}

export function doc(...statements: unknown[]): unknown {
  return { Version: '2012-10-17', Statement: statements };
}

export const ADMIN_DOC = doc({ Effect: 'Allow', Action: '*', Resource: '*' });

export function snapshot(resources: Resource[], over: Partial<Snapshot> = {}): Snapshot {
  return {
    source: 'aws',
    scope: ACCOUNT,
    slot: '2025-06-15T11:00:00.000Z',
    startedAt: OBSERVED,
    endedAt: OBSERVED,
    resources,
    inputs: Object.fromEntries(AWS_IAM_RESOURCE_TYPES.map((t) => [t, { observedAt: OBSERVED }])),
    artifacts: [],
    errors: [],
    apiCalls: 3,
    ...over,
  };
}

/** Runs one rule through the real engine (so params merge and input checks apply) and indexes results by resource id. */
export function run(rule: Rule, resources: Resource[], params?: Record<string, unknown>, inputs?: Snapshot['inputs']): Map<string, Result> {
  const results = evaluateSnapshot(snapshot(resources, inputs ? { inputs } : {}), [rule], { now: NOW, ...(params ? { params: { [rule.id]: params } } : {}) });
  const byId = new Map<string, Result>();
  for (const r of results) {
    if (byId.has(r.resourceId)) throw new Error(`duplicate result for ${r.resourceId}`);
    byId.set(r.resourceId, r);
  }
  return byId;
}

/** The single result for `id`, failing loudly when absent. */
export function one(results: Map<string, Result>, id: string): Result {
  const r = results.get(id);
  if (!r) throw new Error(`no result for ${id}; have ${[...results.keys()].join(', ')}`);
  return r;
}

/** One row of a rule's table test: the resources in, the verdict expected for one resource. */
export interface Row {
  name: string;
  resources: Resource[];
  params?: Record<string, unknown>;
  id: string;
  status: Status;
  reason?: RegExp;
}

/**
 * A test per row: the rule, through the real engine, gives `status` (and a reason matching `reason`) for `id`.
 * `inputs` are the types the snapshot says were read (default: the IAM types).
 */
export function table(rule: Rule, rows: Row[], inputs?: Snapshot['inputs']): void {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_n, row) => {
    const r = one(run(rule, row.resources, row.params, inputs), row.id);
    expect(r.status, r.reason).toBe(row.status);
    if (row.reason) expect(r.reason).toMatch(row.reason);
  });
}
