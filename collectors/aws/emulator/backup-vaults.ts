// The emulator's per-vault Backup reads: GetBackupVaultAccessPolicy (GET /backup-vaults/{name}/access-policy;
// ResourceNotFoundException when the vault has no policy) and ListRecoveryPointsByBackupVault
// (GET /backup-vaults/{name}/recovery-points/, NextToken paging, at most 1000 a page).
import { ServiceError, page, secs, type ServiceRequest } from './service-protocol.js';
import type { AccountServices } from './services-estate.js';

export const VAULT_POLICY_PATH = /^\/backup-vaults\/[^/]+\/access-policy\/?$/;
export const RECOVERY_POINTS_PATH = /^\/backup-vaults\/[^/]+\/recovery-points\/?$/;

/** A deny-delete vault access policy as AWS Backup's documentation shows it. */
export function denyDeletePolicy(vaultArn: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: ['backup:DeleteBackupVault', 'backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'], Resource: '*' }], Id: `deny-delete-${vaultArn.split(':').pop()}` });
}

export function backupVaultRead(r: ServiceRequest, action: string, s: AccountServices): unknown {
  const name = decodeURIComponent(r.path.split('/')[2] ?? '');
  const v = s.backupVaults.find((x) => x.region === r.region && x.name === name);
  if (!v) throw new ServiceError(400, 'ResourceNotFoundException', `Backup vault ${name} does not exist.`);
  const arn = `arn:aws:backup:${r.region}:${r.account}:backup-vault:${v.name}`;
  if (action === 'GetBackupVaultAccessPolicy') {
    if (v.policy === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `Backup vault ${name} does not have an access policy`);
    return { BackupVaultName: v.name, BackupVaultArn: arn, Policy: v.policy };
  }
  const max = Number(r.query.get('maxResults') ?? 1000);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw new ServiceError(400, 'InvalidParameterValueException', 'maxResults must be between 1 and 1000');
  const points = Array.from({ length: v.recoveryPoints }, (_, i) => i);
  const p = page(points, r.query.get('nextToken'), max);
  return {
    RecoveryPoints: p.items.map((i) => ({
      RecoveryPointArn: `arn:aws:rds:${r.region}:${r.account}:snapshot:awsbackup:job-${v.name}-${i}`,
      BackupVaultName: v.name,
      BackupVaultArn: arn,
      ResourceArn: `arn:aws:rds:${r.region}:${r.account}:cluster:aurora-${r.region}`,
      ResourceType: 'Aurora',
      Status: 'COMPLETED',
      CreationDate: secs('2024-06-01T00:00:00Z') + i * 86_400,
      // the first `unencrypted` points are unencrypted (snapshots of an unencrypted source stay unencrypted)
      IsEncrypted: i >= (v.unencrypted ?? 0),
      ...(i >= (v.unencrypted ?? 0) ? { EncryptionKeyArn: `arn:aws:kms:${r.region}:${r.account}:key/prod-0000-1111-2222-333344445555` } : {}),
      Lifecycle: { DeleteAfterDays: 35 },
    })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
}
