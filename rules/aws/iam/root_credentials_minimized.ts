// aws.iam.root_credentials_minimized: the root user has no access keys (and, where required, no password).
import { defineRule } from '../../../src/rules/define.js';
import { day } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamRootAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.root_credentials_minimized',
  title: 'Root user has no access keys',
  severity: 'critical',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.root'],
  permissions: ['iam:GetAccountSummary', 'iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  rationale:
    'A root access key is a long-lived secret with unrestricted power that no policy can limit; it ends up in scripts and laptops. Root should be a break-glass identity with as few credentials as possible.',
  remediation:
    'Sign in as root, open Security credentials, deactivate and delete every access key. In an AWS Organization, enable centralized root access management and remove member-account root passwords.',
  params: {
    requireNoRootPassword: {
      description: 'Also fail when root has a console password (for Organization member accounts under centralized root access management).',
      default: false,
    },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const root of resourcesOfType<AwsIamRootAttributes>(snapshot, 'aws.iam.root')) {
      const a = root.attributes;
      if (!Array.isArray(a.accessKeys) && typeof a.accessKeysPresent !== 'boolean') {
        out.push({ resourceId: root.id, status: 'error', reason: 'could not tell whether root has access keys: neither the credential report root row nor GetAccountSummary was read' });
        continue;
      }
      const keys = a.accessKeys ?? [];
      const problems: string[] = [];
      for (const k of [...keys].sort((x, y) => x.slot - y.slot)) {
        problems.push(`access key ${k.slot} is ${k.active ? 'active' : 'inactive but not deleted'}${k.lastRotated ? ` (created ${day(k.lastRotated)})` : ''}`);
      }
      // The summary is read live and counts keys the (possibly older) report may not show yet.
      if (problems.length === 0 && a.accessKeysPresent) problems.push('GetAccountSummary reports root access keys present');
      const details: Record<string, unknown> = { accessKeysPresent: a.accessKeysPresent, keys: keys.map((k) => ({ slot: k.slot, active: k.active })) };
      if (params.requireNoRootPassword) {
        details.passwordEnabled = a.passwordEnabled;
        if (a.passwordEnabled === true) problems.push('root has a console password');
        else if (a.passwordEnabled === undefined && problems.length === 0) {
          out.push({ resourceId: root.id, status: 'error', reason: 'root has no access keys, but whether it has a password could not be told: the credential report gave no <root_account> row', details });
          continue;
        }
        else if (a.passwordEnabled === 'not_supported' && problems.length === 0) {
          out.push({ resourceId: root.id, status: 'error', reason: 'root has no access keys, but whether it has a password could not be told: the credential report gives password_enabled=not_supported', details });
          continue;
        }
      }
      out.push(
        problems.length > 0
          ? { resourceId: root.id, status: 'fail', reason: `root credentials are not minimized: ${problems.join('; ')}`, details }
          : { resourceId: root.id, status: 'pass', reason: params.requireNoRootPassword ? 'root has no access keys and no password' : 'root has no access keys', details },
      );
    }
    return out;
  },
});
