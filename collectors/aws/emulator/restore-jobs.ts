// The emulator's AWS Backup ListRestoreJobs (GET /restore-jobs/): the documented filters (completeAfter/completeBefore,
// createdAfter/createdBefore, status, resourceType), NextToken paging with maxResults 1-1000, and the errors AWS
// Backup answers for a bad parameter (InvalidParameterValueException, 400).
import { ServiceError, page, secs, type ServiceRequest } from './service-protocol.js';
import type { AccountServices } from './services-estate.js';

export const RESTORE_JOBS_PATH = /^\/restore-jobs\/?$/;

export interface EmuRestoreJob {
  id: string;
  region: string;
  /** The protected resource whose recovery point was restored. */
  sourceArn: string;
  resourceType: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';
  created: string;
  /** Absent while PENDING or RUNNING. */
  completed?: string;
  message?: string;
}

const STATUSES = new Set(['PENDING', 'RUNNING', 'COMPLETED', 'ABORTED', 'FAILED']);

function when(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  // the SDK sends ISO 8601; the CLI may send epoch seconds
  const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (Number.isNaN(t)) throw new ServiceError(400, 'InvalidParameterValueException', `Invalid value for ${key}: ${v}`);
  return t;
}

export function listRestoreJobs(r: ServiceRequest, s: AccountServices): unknown {
  const q = r.query;
  const max = Number(q.get('maxResults') ?? 1000);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw new ServiceError(400, 'InvalidParameterValueException', 'maxResults must be between 1 and 1000');
  const status = q.get('status');
  if (status !== null && !STATUSES.has(status)) throw new ServiceError(400, 'InvalidParameterValueException', `Invalid status: ${status}`);
  const [ca, cb, cra, crb] = ['completeAfter', 'completeBefore', 'createdAfter', 'createdBefore'].map((k) => when(q, k));
  const done = (j: EmuRestoreJob): number | undefined => (j.completed ? Date.parse(j.completed) : undefined);
  const jobs = (s.restoreJobs ?? [])
    .filter((j) => j.region === r.region && (!status || j.status === status) && (!q.get('resourceType') || j.resourceType === q.get('resourceType')))
    // a completion filter leaves out jobs that have not completed
    .filter((j) => (ca === undefined || (done(j) ?? -Infinity) > ca) && (cb === undefined || (done(j) ?? Infinity) < cb))
    .filter((j) => (cra === undefined || Date.parse(j.created) > cra) && (crb === undefined || Date.parse(j.created) < crb))
    .sort((a, b) => (a.created < b.created ? 1 : -1));
  const p = page(jobs, q.get('nextToken'), max);
  return {
    RestoreJobs: p.items.map((j) => ({
      AccountId: r.account,
      RestoreJobId: j.id,
      RecoveryPointArn: `arn:aws:backup:${r.region}:${r.account}:recovery-point:${j.id}-rp`,
      SourceResourceArn: j.sourceArn,
      BackupVaultArn: `arn:aws:backup:${r.region}:${r.account}:backup-vault:prod-vault`,
      CreationDate: secs(j.created),
      ...(j.completed ? { CompletionDate: secs(j.completed) } : {}),
      Status: j.status,
      ...(j.message ? { StatusMessage: j.message } : {}),
      PercentDone: j.status === 'COMPLETED' ? '100.00%' : '0.00%',
      BackupSizeInBytes: 21_474_836_480,
      IamRoleArn: `arn:aws:iam::${r.account}:role/service-role/AWSBackupDefaultServiceRole`,
      ...(j.status === 'COMPLETED' ? { CreatedResourceArn: `${j.sourceArn}-restore-test-${j.id}` } : {}),
      ResourceType: j.resourceType,
      RecoveryPointCreationDate: secs(j.created) - 86_400,
      CreatedBy: { RestoreTestingPlanArn: `arn:aws:backup:${r.region}:${r.account}:restore-testing-plan:quarterly-${r.region}` },
    })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
}

/** The demo's restore tests in each region: the Aurora cluster tested 20 days ago (and after a failed try), the first
 * RDS instance last tested 140 days ago — outside a quarter — unless the estate is healthy. */
export function seedRestoreJobs(accountId: string, regions: string[], now: Date, healthy: boolean): EmuRestoreJob[] {
  const ago = (days: number, minutes = 0): string => new Date(now.getTime() - days * 86_400_000 + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return regions.flatMap((region) => {
    const aurora = `arn:aws:rds:${region}:${accountId}:cluster:aurora-${region}`;
    const db = `arn:aws:rds:${region}:${accountId}:db:db-${region}-0`;
    const dbDays = healthy ? 30 : 140;
    return [
      { id: `rj-${region}-a1`, region, sourceArn: aurora, resourceType: 'Aurora', status: 'FAILED' as const, created: ago(21), completed: ago(21, 15), message: 'Restore failed: the DB subnet group was not found' },
      { id: `rj-${region}-a2`, region, sourceArn: aurora, resourceType: 'Aurora', status: 'COMPLETED' as const, created: ago(20), completed: ago(20, 50) },
      { id: `rj-${region}-d1`, region, sourceArn: db, resourceType: 'RDS', status: 'COMPLETED' as const, created: ago(dbDays), completed: ago(dbDays, 35) },
      ...(healthy ? [] : [{ id: `rj-${region}-d2`, region, sourceArn: db, resourceType: 'RDS', status: 'ABORTED' as const, created: ago(10), completed: ago(10, 5), message: 'Restore job was aborted by the user' }]),
    ];
  });
}
