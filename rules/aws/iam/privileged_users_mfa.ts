// aws.iam.privileged_users_mfa: users holding admin-equivalent permissions, directly or through a group, have MFA.
import { defineRule } from '../../../src/rules/define.js';
import { IamIndex, listSome, principalAdmin } from '../../../src/rules/aws-iam.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.privileged_users_mfa',
  title: 'Every IAM user with admin-equivalent permissions has MFA',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user', 'aws.iam.group', 'aws.iam.policy'],
  permissions: ['iam:GetAccountAuthorizationDetails', 'iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  rationale:
    'An administrator credential without a second factor turns one stolen password or key into control of the whole account. Admin-equivalent means AWS AdministratorAccess or any Allow of every action on every resource, held directly or through a group.',
  remediation:
    'Register an MFA device for the user now; better, move administrators to roles assumed with MFA (or IAM Identity Center) and remove standing admin policies from users.',
  params: {},
  evaluate(snapshot) {
    const index = new IamIndex(snapshot);
    const out: RuleOutcome[] = [];
    for (const u of index.users) {
      const held = index.userPolicies(u);
      const { admin, via } = principalAdmin(held);
      if (admin) {
        const details = { adminVia: via };
        out.push(
          u.attributes.mfaActive
            ? { resourceId: u.id, status: 'pass', reason: `admin user ${u.name} has MFA active (admin through ${listSome(via)})`, details }
            : { resourceId: u.id, status: 'fail', reason: `admin user ${u.name} has no MFA (admin through ${listSome(via)})`, details },
        );
      } else if (held.unresolved.length > 0 && !u.attributes.mfaActive) {
        // Without MFA the verdict hinges on policies we could not read: say so rather than guess.
        out.push({
          resourceId: u.id,
          status: 'error',
          reason: `could not tell whether user ${u.name} (no MFA) is an administrator: ${listSome(held.unresolved)}`,
          details: { unresolved: held.unresolved },
        });
      }
    }
    return out;
  },
});
