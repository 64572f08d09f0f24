// aws.backup.vault_protected: backup vaults holding recovery points are encrypted and under Vault Lock with a minimum retention.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.backup.vault_protected',
  title: 'Backup vaults that hold recovery points are KMS-encrypted and locked (Vault Lock) with a minimum retention',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.backup.vault'],
  permissions: ['backup:ListBackupVaults'],
  rationale: 'Vault Lock stops anyone, an attacker holding admin credentials included, from deleting recovery points or shortening their retention, so backups survive the incident they exist for.',
  remediation: 'aws backup put-backup-vault-lock-configuration --backup-vault-name NAME --min-retention-days 35 (add --changeable-for-days to make it immutable after the grace period).',
  params: { minRetentionDays: { description: 'Smallest Vault Lock minimum retention accepted, in days.', default: 7 } },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.backup.vault')
      .map((v) => {
        const x = v.attributes;
        const where = v.region ? { region: v.region } : {};
        if (typeof x.recoveryPoints !== 'number') return unreadOutcome(v, ['recoveryPoints']);
        if (x.recoveryPoints === 0) return { resourceId: v.id, status: 'not_applicable' as const, reason: `${v.name}: holds no recovery point`, ...where };
        const bad: string[] = [];
        if (x.locked === false) bad.push('no Vault Lock (deny-delete vault access policies are not read)');
        if (x.locked === true && (typeof x.minRetentionDays !== 'number' || x.minRetentionDays < params.minRetentionDays)) bad.push(`Vault Lock minimum retention ${String(x.minRetentionDays ?? 'not set')} < ${params.minRetentionDays} days`);
        const missing = unread(v, ['locked', 'encryptionKeyArn']);
        if (bad.length > 0) return { resourceId: v.id, status: 'fail' as const, reason: `${v.name}: ${bad.join('; ')}`, ...where };
        if (missing.length > 0) return unreadOutcome(v, missing);
        return { resourceId: v.id, status: 'pass' as const, reason: `${v.name}: locked, minimum retention ${String(x.minRetentionDays)} days, encrypted with ${String(x.encryptionKeyArn)}`, ...where };
      });
  },
});
