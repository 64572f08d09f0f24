// aws.iam.password_policy_strong: the account password policy exists and meets the baseline.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamPasswordPolicyAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.password_policy_strong',
  title: 'Account password policy is strong',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.password_policy'],
  permissions: ['iam:GetAccountPasswordPolicy'],
  rationale:
    'IAM user passwords are only as strong as the account policy allows. Without one, AWS accepts short, reused passwords for console access.',
  remediation:
    'Set the policy with `aws iam update-account-password-policy --minimum-password-length 14 --require-symbols --require-numbers --require-uppercase-characters --require-lowercase-characters --password-reuse-prevention 24` (plus --max-password-age when maxAgeDays is set).',
  params: {
    minLength: { description: 'Minimum password length.', default: 14 },
    reuse: { description: 'Minimum number of previous passwords that cannot be reused (AWS allows 1–24).', default: 24 },
    requireSymbols: { description: 'Require at least one symbol.', default: true },
    requireNumbers: { description: 'Require at least one number.', default: true },
    requireUppercase: { description: 'Require at least one upper-case letter.', default: true },
    requireLowercase: { description: 'Require at least one lower-case letter.', default: true },
    maxAgeDays: { description: 'When above 0, passwords must expire within this many days.', default: 0 },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const p of resourcesOfType<AwsIamPasswordPolicyAttributes>(snapshot, 'aws.iam.password_policy')) {
      const a = p.attributes;
      if (!a.exists) {
        out.push({ resourceId: p.id, status: 'fail', reason: 'no account password policy is set (GetAccountPasswordPolicy: NoSuchEntity); AWS defaults allow weak passwords' });
        continue;
      }
      const gaps: string[] = [];
      const len = a.minimumPasswordLength ?? 0;
      if (len < params.minLength) gaps.push(`minimum length ${len} < ${params.minLength}`);
      const reuse = a.passwordReusePrevention ?? 0;
      if (reuse < params.reuse) gaps.push(`reuse prevention ${reuse} < ${params.reuse}`);
      if (params.requireSymbols && !a.requireSymbols) gaps.push('symbols not required');
      if (params.requireNumbers && !a.requireNumbers) gaps.push('numbers not required');
      if (params.requireUppercase && !a.requireUppercaseCharacters) gaps.push('upper-case letters not required');
      if (params.requireLowercase && !a.requireLowercaseCharacters) gaps.push('lower-case letters not required');
      if (params.maxAgeDays > 0) {
        const age = a.maxPasswordAge ?? 0;
        if (age <= 0) gaps.push(`passwords never expire (must within ${params.maxAgeDays} days)`);
        else if (age > params.maxAgeDays) gaps.push(`passwords expire after ${age} days > ${params.maxAgeDays}`);
      }
      const details = {
        minimumPasswordLength: a.minimumPasswordLength ?? null,
        passwordReusePrevention: a.passwordReusePrevention ?? null,
        requireSymbols: a.requireSymbols ?? false,
        requireNumbers: a.requireNumbers ?? false,
        requireUppercaseCharacters: a.requireUppercaseCharacters ?? false,
        requireLowercaseCharacters: a.requireLowercaseCharacters ?? false,
        maxPasswordAge: a.maxPasswordAge ?? null,
      };
      out.push(
        gaps.length > 0
          ? { resourceId: p.id, status: 'fail', reason: `password policy is weaker than the baseline: ${gaps.join('; ')}`, details }
          : { resourceId: p.id, status: 'pass', reason: `password policy meets the baseline (length ≥ ${params.minLength}, reuse ≥ ${params.reuse}, character classes required)`, details },
      );
    }
    return out;
  },
});
