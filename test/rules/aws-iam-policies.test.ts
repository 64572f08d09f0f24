// Policy-document analysis and the rules built on it: admin MFA, direct policies, full admin, escalation, role trust.
import { describe, expect, it } from 'vitest';
import type { Resource, Rule } from '../../src/core/types.js';
import { allowsAction, allowsWholeService, assessAdmin, parsePolicy, wildcardMatch } from '../../src/rules/support/aws-iam.js';
import type { Statement } from '../../src/rules/support/aws-iam.js';
import privileged from '../../rules/aws/iam/privileged_users_mfa.js';
import direct from '../../rules/aws/iam/no_direct_user_policies.js';
import fullAdmin from '../../rules/aws/iam/no_full_admin_policies.js';
import dangerous from '../../rules/aws/iam/no_dangerous_permissions.js';
import trust from '../../rules/aws/iam/role_trust_and_staleness.js';
import { ACCOUNT, ADMIN_DOC, daysAgo, doc, group, groupArn, one, policy, policyArn, role, roleArn, run, user, userArn, table } from './helpers.js';

const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

function stmts(d: unknown): Statement[] {
  const p = parsePolicy(d);
  if (!p.ok) throw new Error(p.error);
  return p.statements;
}

describe('policy analysis', () => {
  it('matches IAM wildcards case-insensitively', () => {
    expect(wildcardMatch('iam:Attach*', 'iam:AttachUserPolicy')).toBe(true);
    expect(wildcardMatch('IAM:attachuserpolicy', 'iam:AttachUserPolicy')).toBe(true);
    expect(wildcardMatch('iam:?etUser', 'iam:GetUser')).toBe(true);
    expect(wildcardMatch('iam:Get*', 'iam:PutUserPolicy')).toBe(false);
    expect(wildcardMatch('s3:Get.*', 's3:GetObject')).toBe(false);
  });

  it('parses string-or-array fields, a single Statement object, and JSON or URL-encoded text', () => {
    const single = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iam:*', Resource: ['*'] } };
    expect(stmts(single)).toEqual([{ effect: 'Allow', actions: ['iam:*'], resources: ['*'] }]);
    expect(stmts(JSON.stringify(single))).toEqual(stmts(single));
    expect(stmts(encodeURIComponent(JSON.stringify(single)))).toEqual(stmts(single));
  });

  it('reports malformed documents instead of throwing', () => {
    expect(parsePolicy('{not json')).toEqual({ ok: false, error: 'document is not valid JSON' });
    expect(parsePolicy(doc({ Effect: 'Permit', Action: '*', Resource: '*' }))).toMatchObject({ ok: false, error: expect.stringContaining('Effect') });
    expect(parsePolicy(doc({ Effect: 'Allow', Action: 7, Resource: '*' }))).toMatchObject({ ok: false, error: expect.stringContaining('Action must be') });
    expect(parsePolicy(doc({ Effect: 'Allow', Resource: '*' }))).toMatchObject({ ok: false });
    expect(parsePolicy(null)).toMatchObject({ ok: false });
  });

  const cases: Array<[string, unknown, boolean]> = [
    ['Action * on Resource *', ADMIN_DOC, true],
    ['Action *:* as an array', doc({ Effect: 'Allow', Action: ['*:*'], Resource: ['*'] }), true],
    ['NotResource counts as every resource', doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::x' }), true],
    ['conditional grant is still admin (the condition may hold)', doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }), true],
    ['iam:* alone is not *:*', doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }), false],
    ['Action * on one bucket is not admin', doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' }), false],
    ['NotAction is never "every action"', doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), false],
    ['Deny * on * overrides', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*' }), false],
    ['Deny iam:* contains it (no self-escalation left)', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: '*' }), false],
    ['Deny of one action leaves admin power', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }), true],
    ['conditional Deny iam:* cannot be relied on', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'x' } } }), true],
    ['Deny iam:* on one resource does not contain it', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::1:user/x' }), true],
    ['Deny NotAction s3:* (everything but s3) contains it', doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', NotAction: 's3:*', Resource: '*' }), false],
  ];
  it.each(cases)('admin-equivalence: %s', (_n, d, admin) => {
    expect(assessAdmin(stmts(d)).admin).toBe(admin);
  });

  it('evaluates concrete actions with Allow, NotAction and certain Deny', () => {
    const s = stmts(doc({ Effect: 'Allow', NotAction: ['s3:*', 'iam:Get*'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' }));
    expect(allowsAction(s, 'iam:PutUserPolicy')).toBe(true);
    expect(allowsAction(s, 'iam:GetUser')).toBe(false);
    expect(allowsAction(s, 's3:GetObject')).toBe(false);
    expect(allowsAction(s, 'iam:CreateAccessKey')).toBe(false);
    expect(allowsWholeService(s, 'kms')).toBe(true);
    expect(allowsWholeService(stmts(doc({ Effect: 'Allow', NotAction: 'kms:*', Resource: '*' })), 'kms')).toBe(false);
    expect(allowsWholeService(stmts(doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' })), 'kms')).toBe(false);
    expect(allowsWholeService(stmts(doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' })), 'kms')).toBe(false);
  });
});

describe('aws.iam.privileged_users_mfa', () => {
  const dan = userArn('dan');
  const adminsGroup = group('Admins', { attachedPolicies: [ADMIN_ARN], members: [dan] });
  const starPolicy = policy(policyArn('star'), ADMIN_DOC, { awsManaged: false });
  table(privileged as Rule, [
    { name: 'AdministratorAccess through a group without MFA fails', resources: [user('dan', { groups: ['Admins'] }), adminsGroup], id: dan, status: 'fail', reason: /AWS AdministratorAccess via group Admins/ },
    { name: 'AdministratorAccess attached directly, with MFA, passes', resources: [user('dan', { attachedPolicies: [ADMIN_ARN], groups: [], mfaActive: true })], id: dan, status: 'pass' },
    { name: 'inline *:* without MFA fails', resources: [user('dan', { groups: [], inlinePolicies: [{ name: 'god', document: ADMIN_DOC }] })], id: dan, status: 'fail', reason: /Allow \*:\* in inline policy god/ },
    { name: 'customer policy *:* through a group fails', resources: [user('dan', { groups: ['Ops'] }), group('Ops', { attachedPolicies: [starPolicy.id] }), starPolicy], id: dan, status: 'fail', reason: /group Ops: managed policy/ },
    { name: 'virtual MFA fails when hardware is required', resources: [user('dan', { attachedPolicies: [ADMIN_ARN], groups: [], mfaActive: true, virtualMfa: true })], params: { requireHardware: true }, id: dan, status: 'fail', reason: /virtual/ },
    { name: 'unknown MFA type is an error when hardware is required', resources: [user('dan', { attachedPolicies: [ADMIN_ARN], groups: [], mfaActive: true })], params: { requireHardware: true }, id: dan, status: 'error' },
    { name: 'unreadable policy on a user without MFA is an error', resources: [user('dan', { groups: [], attachedPolicies: [policyArn('missing')] })], id: dan, status: 'error', reason: /document not collected/ },
    { name: 'user missing from the authorization details, without MFA, is an error', resources: [user('dan', { groups: [], detailsMissing: true })], id: dan, status: 'error', reason: /authorization details/ },
    { name: 'user whose attached policies were not read, without MFA, is an error', resources: [user('dan', { groups: [], attachedPolicies: undefined })], id: dan, status: 'error', reason: /attached policies \(not collected\)/ },
    { name: 'user whose group memberships were not read, without MFA, is an error', resources: [user('dan', { groups: undefined })], id: dan, status: 'error', reason: /group memberships \(not collected\)/ },
    { name: 'a group of the user without its policy lists, without MFA, is an error', resources: [user('dan', { groups: ['Ops'] }), group('Ops', { attachedPolicies: undefined })], id: dan, status: 'error', reason: /group Ops: attached policies \(not collected\)/ },
    { name: 'non-admin users are outside the population', resources: [user('dan', { groups: [], inlinePolicies: [{ name: 'ro', document: doc({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }) }] })], id: `aws:${ACCOUNT}`, status: 'not_applicable' },
  ]);

  it('leaves a contained *:* user out of the admin population', () => {
    const results = run(privileged as Rule, [
      user('dan', { groups: [], inlinePolicies: [{ name: 'god', document: ADMIN_DOC }, { name: 'fence', document: doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }) }] }),
      user('eve', { mfaActive: true, groups: [], attachedPolicies: [ADMIN_ARN] }),
    ]);
    expect([...results.keys()]).toEqual([userArn('eve')]);
  });
});

describe('aws.iam.no_direct_user_policies', () => {
  const frank = userArn('frank');
  table(direct as Rule, [
    { name: 'user in a group with no own policies passes', resources: [user('frank'), group('Developers', { members: [frank] })], id: frank, status: 'pass' },
    { name: 'attached user policy fails', resources: [user('frank', { attachedPolicies: [policyArn('p')] })], id: frank, status: 'fail', reason: /1 managed policy attached directly/ },
    { name: 'inline user policy fails', resources: [user('frank', { inlinePolicies: [{ name: 'x', document: ADMIN_DOC }] })], id: frank, status: 'fail', reason: /1 inline policy \(x\)/ },
    { name: 'user in no group fails', resources: [user('frank', { groups: [] })], id: frank, status: 'fail', reason: /member of no group/ },
    { name: 'group membership can be optional', resources: [user('frank', { groups: [] })], params: { requireGroupMembership: false }, id: frank, status: 'pass' },
    { name: 'empty group fails', resources: [group('Empty')], id: groupArn('Empty'), status: 'fail', reason: /no members/ },
    { name: 'group named by a user is not empty even if members were not listed', resources: [user('frank', { groups: ['Developers'] }), group('Developers')], id: groupArn('Developers'), status: 'pass' },
    { name: 'user missing from the authorization details is an error', resources: [user('frank', { detailsMissing: true })], id: frank, status: 'error' },
    { name: 'user without attachedPolicies is unknown, not "none": error', resources: [user('frank', { attachedPolicies: undefined }), group('Developers', { members: [frank] })], id: frank, status: 'error', reason: /came without attachedPolicies/ },
    { name: 'user without inlinePolicies or groups: error', resources: [user('frank', { inlinePolicies: undefined, groups: undefined })], id: frank, status: 'error', reason: /inlinePolicies, groups/ },
    { name: 'group without a member list that no user names: error', resources: [group('Empty', { members: undefined })], id: groupArn('Empty'), status: 'error', reason: /member list/ },
  ]);
});

describe('aws.iam.no_full_admin_policies', () => {
  const star = policyArn('star');
  table(fullAdmin as Rule, [
    { name: 'customer-managed *:* fails', resources: [policy(star, ADMIN_DOC)], id: star, status: 'fail', reason: /customer-managed policy allows every action on every resource in Statement 0/ },
    { name: 'unattached customer-managed *:* still fails', resources: [policy(star, ADMIN_DOC, { attachmentCount: 0 })], id: star, status: 'fail', reason: /not attached/ },
    { name: 'scoped customer policy passes', resources: [policy(star, doc({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::b/*' }))], id: star, status: 'pass' },
    { name: 'NotAction policy is not *:*', resources: [policy(star, doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }))], id: star, status: 'pass' },
    { name: 'contained *:* passes with the reason', resources: [policy(star, doc({ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: '*' }))], id: star, status: 'pass', reason: /Sid All but denies every IAM permission change/ },
    { name: 'inline role policy *:* fails', resources: [role('deploy', { inlinePolicies: [{ name: 'all', document: ADMIN_DOC }] })], id: `${roleArn('deploy')}#inline/all`, status: 'fail', reason: /inline policy of role/ },
    { name: 'unparseable document is an error', resources: [policy(star, '{oops')], id: star, status: 'error' },
    { name: 'AWS managed policies are not judged as customer policies', resources: [policy(ADMIN_ARN, ADMIN_DOC)], id: ADMIN_ARN, status: 'pass', reason: /held by 0 principal/ },
    { name: 'AdministratorAccess holders are listed for review', resources: [user('gina', { groups: ['Admins'] }), group('Admins', { attachedPolicies: [ADMIN_ARN] }), role('break-glass', { attachedPolicies: [ADMIN_ARN] })], id: ADMIN_ARN, status: 'pass', reason: /held by 3 principal\(s\)/ },
    { name: 'a role whose attached policies were not read: the holders list is error', resources: [role('deploy', { attachedPolicies: undefined })], id: ADMIN_ARN, status: 'error', reason: /1 principal\(s\) not read/ },
    { name: 'a role whose attached policies were not read: error for the role', resources: [role('deploy', { attachedPolicies: undefined })], id: roleArn('deploy'), status: 'error', reason: /attachedPolicies were not read/ },
    { name: 'a user missing from the authorization details: error for it when holders are flagged', resources: [user('gina', { detailsMissing: true, groups: undefined, attachedPolicies: undefined, inlinePolicies: undefined })], params: { flagAdministratorAccessHolders: true }, id: userArn('gina'), status: 'error', reason: /authorization details/ },
    { name: 'holders fail when flagged', resources: [user('gina', { groups: ['Admins'] }), group('Admins', { attachedPolicies: [ADMIN_ARN] })], params: { flagAdministratorAccessHolders: true }, id: userArn('gina'), status: 'fail', reason: /through group Admins/ },
  ]);
});

describe('aws.iam.no_dangerous_permissions', () => {
  const p = policyArn('p');
  table(dangerous as Rule, [
    { name: 'read-only policy passes', resources: [policy(p, doc({ Effect: 'Allow', Action: ['s3:Get*', 'ec2:Describe*'], Resource: '*' }))], id: p, status: 'pass' },
    { name: 'iam:CreatePolicyVersion fails', resources: [policy(p, doc({ Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: '*' }))], id: p, status: 'fail', reason: /escalation via iam:CreatePolicyVersion/ },
    { name: 'iam:Attach* wildcard fails', resources: [policy(p, doc({ Effect: 'Allow', Action: 'iam:Attach*', Resource: '*' }))], id: p, status: 'fail', reason: /iam:AttachUserPolicy/ },
    { name: 'PassRole plus RunInstances fails', resources: [policy(p, doc({ Effect: 'Allow', Action: ['iam:PassRole', 'ec2:RunInstances'], Resource: '*' }))], id: p, status: 'fail', reason: /iam:PassRole \+ ec2:RunInstances/ },
    { name: 'PassRole alone passes', resources: [policy(p, doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }))], id: p, status: 'pass' },
    { name: 'PassRole scoped to one role is not counted', resources: [policy(p, doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn('app') }, { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' }))], id: p, status: 'pass' },
    { name: 'Deny overrides the escalation action', resources: [policy(p, doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: ['iam:*'], Resource: '*' }))], id: p, status: 'pass' },
    { name: 'NotAction excluding s3 grants escalation and kms:*', resources: [policy(p, doc({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }))], id: p, status: 'fail', reason: /full control of cloudtrail:\*, kms:\*/ },
    { name: 'PowerUser-style NotAction iam:* still grants full kms', resources: [policy(p, doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }))], id: p, status: 'fail', reason: /^customer-managed policy allows privilege escalation via lambda:UpdateFunctionCode, glue:UpdateDevEndpoint; full control/ },
    { name: 'cloudtrail:* fails', resources: [policy(p, doc({ Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' }))], id: p, status: 'fail', reason: /cloudtrail:\*/ },
    { name: 'services param', resources: [policy(p, doc({ Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' }))], params: { services: ['kms'] }, id: p, status: 'pass' },
    { name: 'inline group policy is judged too', resources: [group('Ops', { inlinePolicies: [{ name: 'iam', document: doc({ Effect: 'Allow', Action: 'iam:PutUserPolicy', Resource: '*' }) }] })], id: `${groupArn('Ops')}#inline/iam`, status: 'fail' },
    { name: 'a user whose inline policies were not read is an error, not silence', resources: [user('hal', { inlinePolicies: undefined })], id: userArn('hal'), status: 'error', reason: /inline policies of user .* were not read/ },
    { name: 'AWS managed policies are out of scope', resources: [policy(ADMIN_ARN, ADMIN_DOC)], id: `aws:${ACCOUNT}`, status: 'not_applicable' },
  ]);
});

describe('aws.iam.role_trust_and_staleness', () => {
  const trustDoc = (...s: unknown[]) => doc(...s);
  const assume = (principal: unknown, condition?: unknown) => ({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) });
  const r = roleArn('x');
  table(trust as Rule, [
    { name: 'EC2 service role in use passes', resources: [role('x')], id: r, status: 'pass' },
    { name: 'own-account principal passes', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ AWS: `arn:aws:iam::${ACCOUNT}:root` })) })], id: r, status: 'pass' },
    { name: 'unknown account without ExternalId fails', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ AWS: 'arn:aws:iam::999988887777:root' })) })], id: r, status: 'fail', reason: /account 999988887777/ },
    { name: 'unknown account with ExternalId passes', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ AWS: '999988887777' }, { StringEquals: { 'sts:ExternalId': 'abc' } })) })], id: r, status: 'pass' },
    { name: 'trusted account passes', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ AWS: ['arn:aws:iam::999988887777:role/ci'] })) })], params: { trustedAccounts: ['999988887777'] }, id: r, status: 'pass' },
    { name: 'Principal * fails', resources: [role('x', { assumeRolePolicy: trustDoc(assume('*')) })], id: r, status: 'fail', reason: /any AWS principal/ },
    { name: 'Principal AWS * pinned to the organization passes', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ AWS: '*' }, { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } })) })], id: r, status: 'pass' },
    { name: 'Deny statements do not count as trust', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ Service: 'ec2.amazonaws.com' }), { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }) })], id: r, status: 'pass' },
    { name: 'NotPrincipal in an Allow fails', resources: [role('x', { assumeRolePolicy: trustDoc({ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::1:root' }, Action: 'sts:AssumeRole' }) })], id: r, status: 'fail', reason: /NotPrincipal/ },
    { name: 'non-exempt service without SourceAccount fails', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ Service: 'config.amazonaws.com' })) })], id: r, status: 'fail', reason: /confused deputy/ },
    { name: 'non-exempt service with SourceAccount passes', resources: [role('x', { assumeRolePolicy: trustDoc(assume({ Service: ['config.amazonaws.com'] }, { StringEquals: { 'aws:SourceAccount': ACCOUNT } })) })], id: r, status: 'pass' },
    { name: 'GitHub OIDC without sub fails', resources: [role('x', { assumeRolePolicy: trustDoc({ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } } }) })], id: r, status: 'fail', reason: /:sub condition/ },
    { name: 'GitHub OIDC pinned to a repo passes', resources: [role('x', { assumeRolePolicy: trustDoc({ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:*' } } }) })], id: r, status: 'pass' },
    { name: 'unused for 91 days fails with the date', resources: [role('x', { lastUsed: daysAgo(91) })], id: r, status: 'fail', reason: /last used 2025-03-16, more than 90 days ago/ },
    { name: 'used exactly 90 days ago passes', resources: [role('x', { lastUsed: daysAgo(90) })], id: r, status: 'pass' },
    { name: 'never used and old fails', resources: [role('x', { lastUsed: null, createdAt: daysAgo(500) })], id: r, status: 'fail', reason: /never used since it was created on 2024-/ },
    { name: 'never used but new passes', resources: [role('x', { lastUsed: null, createdAt: daysAgo(3) })], id: r, status: 'pass' },
    { name: 'staleness check can be off', resources: [role('x', { lastUsed: daysAgo(300) })], params: { unusedDays: 0 }, id: r, status: 'pass' },
    { name: 'service-linked roles pass', resources: [role('AWSServiceRoleForSupport', { path: '/aws-service-role/support.amazonaws.com/', lastUsed: null, createdAt: daysAgo(900) })], id: roleArn('AWSServiceRoleForSupport', '/aws-service-role/support.amazonaws.com/'), status: 'pass', reason: /service-linked/ },
    { name: 'unparseable trust policy is an error', resources: [role('x', { assumeRolePolicy: 'garbage' })], id: r, status: 'error' },
  ]);
});
