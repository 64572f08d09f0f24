// aws.iam.unused_credentials_disabled: console passwords and access keys unused for N days are disabled or removed.
import { defineRule } from '../../../src/rules/define.js';
import { day, instant, olderThanDays } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamUserAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.unused_credentials_disabled',
  title: 'Credentials unused for 45 days are disabled',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user'],
  permissions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  rationale:
    'A credential nobody uses is one nobody will notice being abused, and usually belongs to someone who left or a job that ended. Removing it is the technical half of deprovisioning.',
  remediation:
    'Confirm with the owner, then delete the login profile (`aws iam delete-login-profile`) and deactivate unused keys (`aws iam update-access-key --status Inactive`), or delete the user.',
  params: {
    unusedDays: { description: 'A password or active key not used (or, if never used, not created) within this many days fails.', default: 45 },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    for (const u of resourcesOfType<AwsIamUserAttributes>(snapshot, 'aws.iam.user')) {
      const a = u.attributes;
      // not in the credential report (newer than it): its credentials were not observed
      if (a.passwordEnabled === undefined) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} is not in the credential report (created after it was generated)` });
        continue;
      }
      if (!Array.isArray(a.accessKeys)) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} came without its credential report access keys` });
        continue;
      }
      const stale: string[] = [];
      const unknown: string[] = [];
      let creds = 0;
      // A never-used credential is judged by how long it has existed: fresh ones get the same grace period.
      const judge = (what: string, lastUsed: string | null, since: string | null, sinceWhat: string): void => {
        creds++;
        const used = instant(lastUsed);
        if (used !== undefined) {
          if (olderThanDays(used, now, params.unusedDays)) stale.push(`${what} last used ${day(lastUsed ?? '')}`);
          return;
        }
        const created = instant(since);
        if (created === undefined) unknown.push(`${what} never used and its ${sinceWhat} date is unknown`);
        else if (olderThanDays(created, now, params.unusedDays)) stale.push(`${what} never used since ${sinceWhat} ${day(since ?? '')}`);
      };
      if (a.passwordEnabled === true) judge('password', a.passwordLastUsed, a.passwordLastChanged ?? a.createdAt, a.passwordLastChanged ? 'set' : 'user creation');
      for (const k of [...a.accessKeys].filter((k) => k.active).sort((x, y) => x.slot - y.slot)) {
        judge(`access key ${k.slot}`, k.lastUsed, k.lastRotated, 'creation');
      }
      if (creds === 0) continue;
      if (stale.length > 0) out.push({ resourceId: u.id, status: 'fail', reason: `user ${u.name}: ${stale.join('; ')} (limit ${params.unusedDays} days)` });
      else if (unknown.length > 0) out.push({ resourceId: u.id, status: 'error', reason: `user ${u.name}: ${unknown.join('; ')}` });
      else out.push({ resourceId: u.id, status: 'pass', reason: `user ${u.name}: every active credential used or created within ${params.unusedDays} days` });
    }
    return out;
  },
});
