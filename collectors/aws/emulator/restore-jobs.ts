// The emulator's AWS Backup ListRestoreJobs (GET /restore-jobs/): the documented filters (completeAfter/completeBefore,
// createdAfter/createdBefore, status, resourceType), NextToken paging with maxResults 1-1000, and the errors AWS
// Backup answers for a bad parameter (InvalidParameterValueException, 400).
import { ServiceError, page, secs, type ServiceRequest } from './service-protocol.js';
import type { EmuRestoreJob } from './restore-estate.js';

export const RESTORE_JOBS_PATH = /^\/restore-jobs\/?$/;

const STATUSES = new Set(['PENDING', 'RUNNING', 'COMPLETED', 'ABORTED', 'FAILED']);

function when(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  // the SDK sends ISO 8601; the CLI may send epoch seconds
  const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (Number.isNaN(t)) throw new ServiceError(400, 'InvalidParameterValueException', `Invalid value for ${key}: ${v}`);
  return t;
}

/** ListRestoreJobs over the account's restore jobs (`undefined`: none ever run). */
export function listRestoreJobs(r: ServiceRequest, all: EmuRestoreJob[] | undefined): unknown {
  const q = r.query;
  const max = Number(q.get('maxResults') ?? 1000);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw new ServiceError(400, 'InvalidParameterValueException', 'maxResults must be between 1 and 1000');
  const status = q.get('status');
  if (status !== null && !STATUSES.has(status)) throw new ServiceError(400, 'InvalidParameterValueException', `Invalid status: ${status}`);
  const [ca, cb, cra, crb] = ['completeAfter', 'completeBefore', 'createdAfter', 'createdBefore'].map((k) => when(q, k));
  const done = (j: EmuRestoreJob): number | undefined => (j.completed ? Date.parse(j.completed) : undefined);
  const jobs = (all ?? [])
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
