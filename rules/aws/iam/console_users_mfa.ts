// aws.iam.console_users_mfa: every IAM user who can sign in to the console has an MFA device.
import { defineRule } from '../../../src/rules/define.js';
import { day } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamUserAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.console_users_mfa',
  title: 'Every IAM user with a console password has MFA',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user'],
  permissions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:GetAccountAuthorizationDetails'],
  rationale: 'A console password without a second factor falls to phishing, reuse and guessing; MFA is the baseline for interactive access.',
  remediation:
    'Have the user register an MFA device (IAM > Users > Security credentials), enforce it with a policy that denies all but MFA setup when aws:MultiFactorAuthPresent is false, or remove the console password if it is not needed.',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const u of resourcesOfType<AwsIamUserAttributes>(snapshot, 'aws.iam.user')) {
      // not in the credential report (newer than it): its credentials were not observed
      if (u.attributes.passwordEnabled === undefined) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} is not in the credential report (created after it was generated)` });
        continue;
      }
      // Users without a console password are outside this rule's population; their keys are judged elsewhere.
      if (u.attributes.passwordEnabled !== true) continue;
      const lastUsed = u.attributes.passwordLastUsed ? `, password last used ${day(u.attributes.passwordLastUsed)}` : ', password never used';
      out.push(
        u.attributes.mfaActive
          ? { resourceId: u.id, status: 'pass', reason: `console user ${u.name} has MFA active` }
          : { resourceId: u.id, status: 'fail', reason: `console user ${u.name} has a password but no MFA device${lastUsed}`, details: { passwordLastUsed: u.attributes.passwordLastUsed ? day(u.attributes.passwordLastUsed) : null } },
      );
    }
    return out;
  },
});
