// IAM's authorization details: a field IAM always sends that is missing is "could not tell", not "none" — the read is
// then an incomplete (malformed) error for the IAM resource types, so no IAM verdict can pass on it.
import { describe, expect, it } from 'vitest';
import { normalize, type RawIam } from '../../collectors/aws/normalize.js';

const ACCOUNT = '123456789012';
const at = '2026-12-01T00:00:00.000Z';
const role = { Arn: `arn:aws:iam::${ACCOUNT}:role/app`, RoleName: 'app', Path: '/', CreateDate: new Date('2025-01-01T00:00:00Z'), AssumeRolePolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}'), AttachedManagedPolicies: [], RolePolicyList: [] };
const policy = { Arn: `arn:aws:iam::${ACCOUNT}:policy/p`, PolicyName: 'p', Path: '/', AttachmentCount: 1, DefaultVersionId: 'v1', PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}') }] };

const read = (over: { roles?: unknown[]; policies?: unknown[] }) =>
  normalize({ accountId: ACCOUNT, details: { users: [], groups: [], roles: (over.roles ?? [role]) as never, policies: (over.policies ?? [policy]) as never, at } } as RawIam);

const incomplete = (r: ReturnType<typeof read>) => r.errors.filter((e) => e.operation === 'iam:GetAccountAuthorizationDetails').map((e) => e.message).join('\n');

describe('aws normalize: IAM details complete or an error', () => {
  it('a complete role and policy give no error', () => {
    expect(incomplete(read({}))).toBe('');
  });

  it.each([
    ['a role without CreateDate (a never-used role would look new)', { roles: [{ ...role, CreateDate: undefined }] }, 'lacks CreateDate'],
    ['a managed policy without AttachmentCount', { policies: [{ ...policy, AttachmentCount: undefined }] }, 'lacks AttachmentCount'],
    ['a role without its attached-policy list', { roles: [{ ...role, AttachedManagedPolicies: undefined }] }, 'lacks AttachedManagedPolicies'],
  ])('%s is an incomplete read naming the entity and field', (_name, over, field) => {
    expect(incomplete(read(over))).toMatch(new RegExp(`arn:aws:iam::${ACCOUNT}:(role/app|policy/p) ${field}`));
  });
});
