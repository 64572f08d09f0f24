// aws.iam.access_keys_rotated: active access keys are young, one per user, and none sits unused since user setup.
import { defineRule } from '../../../src/rules/define.js';
import { day, instant, olderThanDays } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamUserAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.access_keys_rotated',
  title: 'Active access keys are rotated within 90 days, one per user',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.user'],
  permissions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  rationale:
    'Long-lived keys leak through code, logs and laptops; rotation bounds how long a leaked key works. A second active key is usually a rotation left half-done, and a key created with a console user and never used is a credential nobody needs.',
  remediation:
    'Create a new key, move the workload to it, deactivate then delete the old one (`aws iam update-access-key --status Inactive`, `delete-access-key`). Prefer roles and short-lived credentials over user keys altogether.',
  params: {
    maxKeyAgeDays: { description: 'An active key created more than this many days ago fails.', default: 90 },
    maxActiveKeys: { description: 'Most active keys a user may hold.', default: 1 },
    flagUnusedSetupKeys: { description: 'Fail active keys never used on users who also have a console password (keys created at setup).', default: true },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    for (const u of resourcesOfType<AwsIamUserAttributes>(snapshot, 'aws.iam.user')) {
      // not in the credential report (newer than it): its credentials were not observed
      if (u.attributes.passwordEnabled === undefined) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} is not in the credential report (created after it was generated)` });
        continue;
      }
      if (!Array.isArray(u.attributes.accessKeys)) {
        out.push({ resourceId: u.id, status: 'error', reason: `could not tell: user ${u.name} came without its credential report access keys` });
        continue;
      }
      const active = u.attributes.accessKeys.filter((k) => k.active).sort((a, b) => a.slot - b.slot);
      // Users without active keys have nothing to rotate: they are outside the population.
      if (active.length === 0) continue;
      const fails: string[] = [];
      const unknown: string[] = [];
      for (const k of active) {
        const rotated = instant(k.lastRotated);
        if (rotated === undefined) unknown.push(`key ${k.slot} has no creation date in the credential report`);
        else if (olderThanDays(rotated, now, params.maxKeyAgeDays)) fails.push(`key ${k.slot} created ${day(k.lastRotated ?? '')}, more than ${params.maxKeyAgeDays} days ago`);
        if (params.flagUnusedSetupKeys && u.attributes.passwordEnabled && instant(k.lastUsed) === undefined) {
          fails.push(`key ${k.slot} has never been used on a console user (likely created at setup)`);
        }
      }
      if (active.length > params.maxActiveKeys) fails.push(`${active.length} active keys (at most ${params.maxActiveKeys})`);
      const details = { activeKeys: active.map((k) => ({ slot: k.slot, created: k.lastRotated ? day(k.lastRotated) : null, lastUsed: k.lastUsed ? day(k.lastUsed) : null })) };
      if (fails.length > 0) out.push({ resourceId: u.id, status: 'fail', reason: `user ${u.name}: ${fails.join('; ')}`, details });
      else if (unknown.length > 0) out.push({ resourceId: u.id, status: 'error', reason: `user ${u.name}: could not tell key age: ${unknown.join('; ')}`, details });
      else out.push({ resourceId: u.id, status: 'pass', reason: `user ${u.name}: ${active.length} active key(s), each created within ${params.maxKeyAgeDays} days`, details });
    }
    return out;
  },
});
