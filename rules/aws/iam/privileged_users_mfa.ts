// aws.iam.privileged_users_mfa: users holding admin-equivalent permissions, directly or through a group, have MFA.
import { defineRule } from '../../../src/rules/define.js';
import { IamIndex, principalAdmin } from '../../../src/rules/support/aws-iam.js';
import { listSome } from '../../../src/rules/support/resources.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.privileged_users_mfa',
  title: 'Every IAM user with admin-equivalent permissions has MFA',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user', 'aws.iam.group', 'aws.iam.policy'],
  permissions: ['iam:GetAccountAuthorizationDetails', 'iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:ListVirtualMFADevices'],
  rationale:
    'An administrator credential without a second factor turns one stolen password or key into control of the whole account. Admin-equivalent means AWS AdministratorAccess or any Allow of every action on every resource, held directly or through a group.',
  remediation:
    'Register an MFA device for the user now; better, move administrators to roles assumed with MFA (or IAM Identity Center) and remove standing admin policies from users.',
  params: {
    requireHardware: { description: 'Fail admin users whose MFA is a virtual (authenticator app) device.', default: false },
  },
  evaluate(snapshot, { params }) {
    const index = new IamIndex(snapshot);
    const out: RuleOutcome[] = [];
    for (const u of index.users) {
      const held = index.userPolicies(u);
      // Created between the credential report and the authorization details: its policies were not read.
      if (u.attributes.detailsMissing) held.unresolved.unshift('user missing from the authorization details (created between reads)');
      const { admin, via } = principalAdmin(held);
      if (admin) {
        const details = { adminVia: via, virtualMfa: u.attributes.virtualMfa ?? null };
        const through = `admin through ${listSome(via)}`;
        if (u.attributes.mfaActive === undefined) out.push({ resourceId: u.id, status: 'error', reason: `admin user ${u.name}: whether MFA is active could not be told (not in the credential report)`, details });
        else if (!u.attributes.mfaActive) out.push({ resourceId: u.id, status: 'fail', reason: `admin user ${u.name} has no MFA (${through})`, details });
        else if (params.requireHardware && u.attributes.virtualMfa === undefined) {
          out.push({ resourceId: u.id, status: 'error', reason: `admin user ${u.name} has MFA, but whether it is hardware could not be told: virtual MFA devices were not listed (iam:ListVirtualMFADevices)`, details });
        } else if (params.requireHardware && u.attributes.virtualMfa) {
          out.push({ resourceId: u.id, status: 'fail', reason: `admin user ${u.name} uses a virtual MFA device; requireHardware asks for hardware (${through})`, details });
        } else out.push({ resourceId: u.id, status: 'pass', reason: `admin user ${u.name} has MFA active (${through})`, details });
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
