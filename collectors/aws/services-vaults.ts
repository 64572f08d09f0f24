// What protects a backup vault beyond Vault Lock: its access policy (a Deny of recovery-point deletion to everyone)
// and whether every recovery point in it is encrypted. Read only for vaults that hold recovery points: an empty vault
// is `not_applicable` to the rule, so its two calls would buy nothing.
import { GetBackupVaultAccessPolicyCommand, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { pages, type Item } from './services-regional.js';
import type { AnyClient, Reader } from './service-reader.js';

export const VAULT_ACTION_INPUTS: Record<string, string[]> = {
  'backup:GetBackupVaultAccessPolicy': ['aws.backup.vault'],
  'backup:ListRecoveryPointsByBackupVault': ['aws.backup.vault'],
};

/** Deleting or shortening a recovery point: what a deny-delete vault policy must refuse. */
const DELETE_ACTIONS = ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'];
/** Condition operators that only exempt principals (a break-glass role) and so leave the deny in force for the rest. */
const EXEMPTING = /^(ArnNot(Equals|Like)|StringNot(Equals|Like)(IgnoreCase)?)$/;

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Whether `pattern` (an IAM action with * and ?) matches `action`, case-insensitively as IAM compares actions. */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

/**
 * Whether a vault access policy denies deleting recovery points to every principal: a Deny statement with principal
 * `*` whose actions cover DeleteRecoveryPoint and UpdateRecoveryPointLifecycle, on every resource, unconditioned or
 * conditioned only by exemptions of named principals. Null when the document is not a policy.
 */
export function deniesDelete(policy: string): boolean | null {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object' || !('Statement' in doc)) return null;
  return arr((doc as { Statement: unknown }).Statement).some((raw) => {
    const s = raw as Record<string, unknown>;
    if (s.Effect !== 'Deny' || s.NotAction !== undefined || s.NotPrincipal !== undefined) return false;
    const p = s.Principal;
    const everyone = p === '*' || (typeof p === 'object' && p !== null && arr((p as Record<string, unknown>).AWS).includes('*'));
    const actions = arr(s.Action).filter((a): a is string => typeof a === 'string');
    const covers = DELETE_ACTIONS.every((d) => actions.some((a) => actionMatches(a, d)));
    const allResources = arr(s.Resource).includes('*');
    const conds = s.Condition === undefined ? [] : Object.keys(s.Condition as object);
    return everyone && covers && allResources && conds.every((c) => EXEMPTING.test(c));
  });
}

/** A vault's access policy and recovery-point encryption, or undefined when a read failed (the error is recorded). */
export async function readVaultProtection(rd: Reader, region: string, bk: AnyClient, name: string): Promise<Record<string, unknown> | undefined> {
  const op = 'backup:GetBackupVaultAccessPolicy';
  // a vault without an access policy answers ResourceNotFoundException naming the policy, as AWS Backup documents
  const pol = await rd.send<{ Policy?: unknown }>(op, region, bk, new GetBackupVaultAccessPolicyCommand({ BackupVaultName: name }), { absent: (code, _s, message) => code === 'ResourceNotFoundException' && /policy/i.test(message) });
  rd.count();
  if (pol === undefined) return undefined;
  if (pol !== null && typeof pol.Policy !== 'string') {
    rd.malformed(op, region, `${name}: Policy missing`);
    return undefined;
  }
  if (pol) rd.art(`${op} ${region} ${name}`, pol);
  const points = await pages(rd, 'backup:ListRecoveryPointsByBackupVault', region, bk, (t) => new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: name, MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'RecoveryPoints', (r) => r.NextToken);
  if (!points) return undefined;
  const encrypted = points.map((p: Item) => (typeof p.IsEncrypted === 'boolean' ? p.IsEncrypted : null));
  return {
    accessPolicy: pol === null ? 'none' : 'set',
    // null where the document is not a policy: the rule cannot tell whether it denies deletion
    denyDeletePolicy: pol === null ? false : deniesDelete(String(pol.Policy)),
    recoveryPointsListed: points.length,
    unencryptedRecoveryPoints: encrypted.includes(null) ? null : encrypted.filter((e) => e === false).length,
  };
}
