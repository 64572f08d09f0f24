// aws.iam.no_direct_user_policies: users get permissions only through groups or roles; every user is in a group; no group is empty.
import { defineRule } from '../../../src/rules/define.js';
import { listSome, resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamGroupAttributes, AwsIamUserAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.no_direct_user_policies',
  title: 'IAM users get permissions only through groups or roles',
  severity: 'low',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user', 'aws.iam.group'],
  permissions: ['iam:GetAccountAuthorizationDetails'],
  rationale:
    'Permissions granted per user drift out of any role model and are hard to review; granting through groups ties access to job function, which is what an access review and least privilege need.',
  remediation:
    'Move each directly attached or inline user policy to a group that represents the job function, add the user to it, then detach the user policy (`aws iam detach-user-policy`, `delete-user-policy`). Delete empty groups.',
  params: {
    requireGroupMembership: { description: 'Fail users who belong to no group.', default: true },
    flagEmptyGroups: { description: 'Fail groups with no members.', default: true },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    const users = resourcesOfType<AwsIamUserAttributes>(snapshot, 'aws.iam.user');
    for (const u of users) {
      const a = u.attributes;
      if (a.detailsMissing) {
        out.push({ resourceId: u.id, status: 'error', reason: `user ${u.name} is in the credential report but not in the authorization details (created between reads); its policies and groups are unknown` });
        continue;
      }
      // A list absent from the snapshot is unknown, not empty: judging it as "none" would pass a user nobody saw.
      const unread = (['attachedPolicies', 'inlinePolicies', 'groups'] as const).filter((k) => !Array.isArray(a[k]));
      if (unread.length > 0) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} came without ${unread.join(', ')}` });
        continue;
      }
      const problems: string[] = [];
      const attached = [...(a.attachedPolicies ?? [])].sort();
      const inline = (a.inlinePolicies ?? []).map((p) => p.name).sort();
      if (attached.length > 0) problems.push(`${attached.length} managed polic${attached.length === 1 ? 'y' : 'ies'} attached directly (${listSome(attached)})`);
      if (inline.length > 0) problems.push(`${inline.length} inline polic${inline.length === 1 ? 'y' : 'ies'} (${listSome(inline)})`);
      if (params.requireGroupMembership && (a.groups ?? []).length === 0) problems.push('member of no group');
      out.push(
        problems.length > 0
          ? { resourceId: u.id, status: 'fail', reason: `user ${u.name}: ${problems.join('; ')}`, details: { attachedPolicies: attached, inlinePolicies: inline } }
          : { resourceId: u.id, status: 'pass', reason: `user ${u.name} has no direct policies and is in ${(a.groups ?? []).length} group(s)` },
      );
    }
    if (params.flagEmptyGroups) {
      // Membership is known from both sides; a group counts as used if either side names it.
      const named = new Set(users.flatMap((u) => u.attributes.groups ?? []));
      for (const g of resourcesOfType<AwsIamGroupAttributes>(snapshot, 'aws.iam.group')) {
        if (!Array.isArray(g.attributes.members) && !named.has(g.name)) {
          out.push({ resourceId: g.id, status: 'error', reason: `could not tell: group ${g.name} came without its member list` });
          continue;
        }
        const members = (g.attributes.members ?? []).length;
        if (members === 0 && !named.has(g.name)) out.push({ resourceId: g.id, status: 'fail', reason: `group ${g.name} has no members` });
        else out.push({ resourceId: g.id, status: 'pass', reason: `group ${g.name} has members` });
      }
    }
    return out;
  },
});
