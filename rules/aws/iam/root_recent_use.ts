// aws.iam.root_recent_use: the root user's password and keys have not been used recently (point-in-time view).
import { defineRule } from '../../../src/rules/define.js';
import { DAY_MS, day, instant } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamRootAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.root_recent_use',
  title: 'Root user has not been used recently',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.root'],
  permissions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  rationale:
    'Day-to-day work under root bypasses every IAM control and leaves a weak audit trail. Each recent use should be an explained break-glass event.',
  remediation:
    'Find who used root and why (CloudTrail ConsoleLogin events with userIdentity.type=Root), record the justification, and move the task to an IAM role or Identity Center permission set.',
  params: {
    recentUseDays: { description: 'A root sign-in or key use within this many days fails.', default: 30 },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    for (const root of resourcesOfType<AwsIamRootAttributes>(snapshot, 'aws.iam.root')) {
      const a = root.attributes;
      // both come from the credential report's <root_account> row; without it no use of root was observed either way
      if (a.passwordLastUsed === undefined || !Array.isArray(a.accessKeys)) {
        out.push({ resourceId: root.id, status: 'error', reason: 'could not tell when root was last used: the credential report gave no <root_account> row' });
        continue;
      }
      const uses: Array<{ what: string; at: string; t: number }> = [];
      const pw = instant(a.passwordLastUsed);
      if (pw !== undefined && a.passwordLastUsed) uses.push({ what: 'console password', at: a.passwordLastUsed, t: pw });
      for (const k of a.accessKeys ?? []) {
        const t = instant(k.lastUsed);
        if (t !== undefined && k.lastUsed) uses.push({ what: `access key ${k.slot}`, at: k.lastUsed, t });
      }
      const windowStart = now.getTime() - params.recentUseDays * DAY_MS;
      const recent = uses.filter((u) => u.t > windowStart).sort((x, y) => y.t - x.t);
      const last = [...uses].sort((x, y) => y.t - x.t)[0];
      const details = { recentUseDays: params.recentUseDays, lastUsed: last ? day(last.at) : null };
      if (recent.length > 0) {
        out.push({
          resourceId: root.id,
          status: 'fail',
          reason: `root was used within the last ${params.recentUseDays} days: ${recent.map((u) => `${u.what} on ${day(u.at)}`).join(', ')}`,
          details,
        });
      } else {
        out.push({
          resourceId: root.id,
          status: 'pass',
          reason: last ? `root last used on ${day(last.at)} (${last.what}), not within the last ${params.recentUseDays} days` : 'root has no recorded use',
          details,
        });
      }
    }
    return out;
  },
});
