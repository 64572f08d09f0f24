// Rule tables for the account-governance rules (catalogue rows 9, 15, 18): human access federated, incident contacts,
// trail bucket protected. Pass and fail rows, and `error` where the collector could not read what the rule needs.
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import { AWS_SERVICE_RESOURCE_TYPES } from '../../collectors/aws/services.js';
import { ACCOUNT, NOW, group, role, snapshot, table as rowsOf, user, userArn } from './helpers.js';
import federated from '../../rules/aws/iam/human_access_federated.js';
import contacts from '../../rules/aws/account/incident_contacts.js';
import bucketProtected from '../../rules/aws/cloudtrail/bucket_protected.js';

const OBSERVED = new Date(NOW.getTime() - 3_600_000).toISOString();
const ALL_INPUTS = Object.fromEntries([...AWS_IAM_RESOURCE_TYPES, ...AWS_SERVICE_RESOURCE_TYPES].map((t) => [t, { observedAt: OBSERVED }]));
/** A table whose snapshot says every AWS type was read: the IAM ones and the services'. */
const table = (rule: Parameters<typeof rowsOf>[0], rows: Parameters<typeof rowsOf>[1]): void => {
  describe(rule.id, () => rowsOf(rule, rows, ALL_INPUTS));
};
const res = (type: string, id: string, name: string, attributes: Record<string, unknown>, region?: string): Resource => ({ source: 'aws', scope: ACCOUNT, type, id, name, ...(region ? { region } : {}), attributes, observedAt: OBSERVED });

// --- row 9 ---------------------------------------------------------------------------------------------------
const FED = `arn:aws:iam::${ACCOUNT}:federation`;
const IC = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';
const SAML = `arn:aws:iam::${ACCOUNT}:saml-provider/corp-okta`;
const OIDC = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const fed = (a: Record<string, unknown> = {}) => res('aws.iam.federation', FED, `federation/${ACCOUNT}`, { samlProviders: [], oidcProviders: [], identityCenter: [], ...a });
const ic = (status: string | null) => ({ arn: IC, region: 'eu-west-1', owner: ACCOUNT, status });
const consoleUser = (name: string) => user(name, { passwordEnabled: true, mfaActive: true, passwordLastUsed: OBSERVED });

table(federated, [
  { name: 'an ACTIVE Identity Center instance passes the account', resources: [fed({ identityCenter: [ic('ACTIVE')] })], id: FED, status: 'pass', reason: /IAM Identity Center .*eu-west-1/ },
  { name: 'a SAML provider passes the account', resources: [fed({ samlProviders: [{ arn: SAML, validUntil: null }] })], id: FED, status: 'pass', reason: /SAML provider corp-okta/ },
  { name: 'only an OIDC provider (workloads) fails the account, saying OIDC does not count', resources: [fed({ oidcProviders: [OIDC] })], id: FED, status: 'fail', reason: /no IAM Identity Center .*no SAML provider.*OIDC providers.*token\.actions\.githubusercontent\.com/ },
  { name: 'an instance still being created is no federation yet', resources: [fed({ identityCenter: [ic('CREATE_IN_PROGRESS')] })], id: FED, status: 'fail' },
  { name: 'an instance without its status is error, not "none"', resources: [fed({ identityCenter: [ic(null)] })], id: FED, status: 'error', reason: /could not tell/ },
  { name: 'a provider list not reported is error', resources: [fed({ samlProviders: null })], id: FED, status: 'error' },
  { name: 'declared organization federation makes a member account not applicable, never pass', resources: [fed()], params: { organizationFederation: true }, id: FED, status: 'not_applicable', reason: /management account/ },
  { name: 'a console user off the break-glass list fails', resources: [fed({ identityCenter: [ic('ACTIVE')] }), consoleUser('alice')], id: userArn('alice'), status: 'fail', reason: /alice has a console password but is not on the break-glass list/ },
  { name: 'a console user on the break-glass list passes', resources: [fed({ identityCenter: [ic('ACTIVE')] }), consoleUser('breakglass')], params: { breakGlassUsers: ['breakglass'] }, id: userArn('breakglass'), status: 'pass', reason: /documented break-glass/ },
  { name: 'a user missing from the credential report is error', resources: [fed(), user('newbie', { passwordEnabled: undefined as unknown as boolean })], id: userArn('newbie'), status: 'error' },
]);

describe('aws.iam.human_access_federated population', () => {
  it('judges only console users: a user with keys only gets no result', () => {
    const results = evaluateSnapshot(snapshot([fed({ samlProviders: [{ arn: SAML, validUntil: null }] }), user('ci', { passwordEnabled: false }), consoleUser('bob')], { inputs: ALL_INPUTS }), [federated], { now: NOW });
    expect(results.map((r) => [r.resourceId, r.status]).sort()).toEqual([[FED, 'pass'], [userArn('bob'), 'fail']].sort());
  });
});

// --- row 15 --------------------------------------------------------------------------------------------------
const CONTACT = `arn:aws:account::${ACCOUNT}:alternate-contact/SECURITY`;
const SUPPORT = 'arn:aws:iam::aws:policy/AWSSupportAccess';
const contact = (registered: boolean | null) => res('aws.account.alternate_contact', CONTACT, `security-contact/${ACCOUNT}`, { contactType: 'SECURITY', registered, name: registered ? 'SecOps' : null, title: null, email: registered ? 'sec@example.com' : null });

table(contacts, [
  { name: 'a SECURITY contact and a role with AWSSupportAccess pass', resources: [contact(true), role('incident-response', { attachedPolicies: [SUPPORT] })], id: CONTACT, status: 'pass', reason: /SecOps registered; AWSSupportAccess held by role incident-response/ },
  { name: 'a group holding it counts once it has members', resources: [contact(true), group('support', { attachedPolicies: [SUPPORT], members: [userArn('ann')] }), user('ann', { groups: ['support'] })], id: CONTACT, status: 'pass', reason: /group support/ },
  { name: 'an empty group holding it does not count', resources: [contact(true), group('support', { attachedPolicies: [SUPPORT], members: [] })], id: CONTACT, status: 'fail', reason: /no principal holds AWSSupportAccess/ },
  { name: 'no SECURITY contact (ResourceNotFoundException) fails even with a support role', resources: [contact(false), role('incident-response', { attachedPolicies: [SUPPORT] })], id: CONTACT, status: 'fail', reason: /no SECURITY alternate contact/ },
  { name: 'a contact but nobody holding AWSSupportAccess fails', resources: [contact(true), role('ops', { attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] })], id: CONTACT, status: 'fail', reason: /no principal holds AWSSupportAccess/ },
  { name: 'no holder seen while a role\'s policies were not collected is error', resources: [contact(true), role('ops', { attachedPolicies: undefined as unknown as string[] })], id: CONTACT, status: 'error', reason: /could not tell whether anyone holds AWSSupportAccess/ },
  { name: 'registration not reported is error', resources: [contact(null)], id: CONTACT, status: 'error' },
]);

// --- row 18 --------------------------------------------------------------------------------------------------
const TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`;
const BUCKET = 'arn:aws:s3:::cloudtrail-logs';
const trail = (s3BucketName: string | null = 'cloudtrail-logs') => res('aws.cloudtrail.trail', TRAIL, 'org-trail', { multiRegion: true, s3BucketName }, 'us-east-1');
const bucket = (a: Record<string, unknown> = {}) => res('aws.s3.trail_bucket', BUCKET, 'cloudtrail-logs', { owned: true, policyPublic: false, publicAclGrants: [], accessLogTarget: 'access-logs', versioning: 'Enabled', mfaDelete: true, objectLock: false, ...a }, 'us-east-1');

table(bucketProtected, [
  { name: 'private, logged, MFA delete passes', resources: [trail(), bucket()], id: BUCKET, status: 'pass', reason: /org-trail.*access logged to access-logs, MFA delete/ },
  { name: 'Object Lock instead of MFA delete passes by default', resources: [trail(), bucket({ mfaDelete: false, objectLock: true })], id: BUCKET, status: 'pass', reason: /Object Lock/ },
  { name: 'Object Lock only fails when MFA delete is required', resources: [trail(), bucket({ mfaDelete: false, objectLock: true })], params: { deleteProtection: 'mfa_delete' }, id: BUCKET, status: 'fail', reason: /MFA delete off/ },
  { name: 'MFA delete only fails when Object Lock is required', resources: [trail(), bucket()], params: { deleteProtection: 'object_lock' }, id: BUCKET, status: 'fail', reason: /no Object Lock/ },
  { name: 'a public bucket policy fails', resources: [trail(), bucket({ policyPublic: true })], id: BUCKET, status: 'fail', reason: /bucket policy is public/ },
  { name: 'a public ACL grant fails, naming it', resources: [trail(), bucket({ publicAclGrants: ['AllUsers READ'] })], id: BUCKET, status: 'fail', reason: /ACL grants AllUsers READ/ },
  { name: 'no access logging and no deletion guard fails with both', resources: [trail(), bucket({ accessLogTarget: null, mfaDelete: false })], id: BUCKET, status: 'fail', reason: /no server access logging; neither MFA delete nor Object Lock/ },
  { name: 'a bucket of another account is not applicable here', resources: [trail(), res('aws.s3.trail_bucket', BUCKET, 'cloudtrail-logs', { owned: false })], id: BUCKET, status: 'not_applicable', reason: /judged in the account that owns it/ },
  { name: 'a policy status not reported is error', resources: [trail(), bucket({ policyPublic: null })], id: BUCKET, status: 'error', reason: /policyPublic/ },
  { name: 'a trail without its bucket name is error for the trail', resources: [trail(null)], id: TRAIL, status: 'error', reason: /S3BucketName/ },
  { name: 'an unknown deleteProtection value is error, not the laxest reading', resources: [trail(), bucket()], params: { deleteProtection: 'mfa' }, id: `aws:${ACCOUNT}`, status: 'error', reason: /deleteProtection must be one of/ },
]);
