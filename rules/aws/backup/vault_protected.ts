// aws.backup.vault_protected: backup vaults holding recovery points are encrypted, their recovery points too, and
// deletion is locked out — by Vault Lock with a minimum retention, or by an access policy denying it to everyone.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.backup.vault_protected',
  title: 'Backup vaults that hold recovery points are KMS-encrypted, hold only encrypted recovery points, and are locked (Vault Lock with a minimum retention, or a deny-delete access policy)',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.backup.vault'],
  permissions: ['backup:ListBackupVaults', 'backup:GetBackupVaultAccessPolicy', 'backup:ListRecoveryPointsByBackupVault'],
  rationale: 'Vault Lock, or a vault access policy denying deletion to every principal, stops anyone, an attacker holding admin credentials included, from deleting recovery points or shortening their retention, so backups survive the incident they exist for; an unencrypted recovery point exposes the data it holds to whoever can read the snapshot.',
  remediation: 'aws backup put-backup-vault-lock-configuration --backup-vault-name NAME --min-retention-days 35 (add --changeable-for-days to make it immutable), or put-backup-vault-access-policy with a Deny of backup:DeleteRecoveryPoint and backup:UpdateRecoveryPointLifecycle to Principal "*"; re-create unencrypted recovery points from an encrypted copy (start-copy-job to a vault with a KMS key).',
  params: { minRetentionDays: { description: 'Smallest Vault Lock minimum retention accepted, in days.', default: 7 } },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.backup.vault')
      .map((v) => {
        const x = v.attributes;
        const where = v.region ? { region: v.region } : {};
        if (typeof x.recoveryPoints !== 'number') return unreadOutcome(v, ['recoveryPoints']);
        if (x.recoveryPoints === 0) return { resourceId: v.id, status: 'not_applicable' as const, reason: `${v.name}: holds no recovery point`, ...where };
        const lockOk = x.locked === true && typeof x.minRetentionDays === 'number' && x.minRetentionDays >= params.minRetentionDays;
        const bad: string[] = [];
        // deletion is locked out by either means; only when neither holds (both known) is it a finding
        if (!lockOk && x.denyDeletePolicy === false && x.locked !== null) {
          bad.push(x.locked === true ? `Vault Lock minimum retention ${String(x.minRetentionDays ?? 'not set')} < ${params.minRetentionDays} days and no deny-delete access policy` : `no Vault Lock and no deny-delete access policy${x.accessPolicy === 'set' ? ' (its access policy denies nothing)' : ''}`);
        }
        if (typeof x.unencryptedRecoveryPoints === 'number' && x.unencryptedRecoveryPoints > 0) bad.push(`${x.unencryptedRecoveryPoints} of ${String(x.recoveryPointsListed)} recovery points unencrypted`);
        if (bad.length > 0) return { resourceId: v.id, status: 'fail' as const, reason: `${v.name}: ${bad.join('; ')}`, ...where };
        const missing = unread(v, ['encryptionKeyArn', 'unencryptedRecoveryPoints', ...(lockOk ? [] : ['locked', 'denyDeletePolicy'])]);
        if (missing.length > 0) return unreadOutcome(v, missing);
        const how = lockOk ? `locked, minimum retention ${String(x.minRetentionDays)} days` : 'deny-delete access policy';
        return { resourceId: v.id, status: 'pass' as const, reason: `${v.name}: ${how}, encrypted with ${String(x.encryptionKeyArn)}, all ${String(x.recoveryPointsListed)} recovery points encrypted`, ...where };
      });
  },
});
