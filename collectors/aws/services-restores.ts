// AWS Backup restore jobs of one region (ListRestoreJobs, one bulk listing): the restore tests behind A1.3. Only the
// window the rule needs is asked for (jobs completed in the last RESTORE_TEST_WINDOW_DAYS days); older history is not
// read, and the resource says which window was read so a rule asking for more is `error`, never a fail from silence.
import { BackupClient, ListRestoreJobsCommand } from '@aws-sdk/client-backup';
import { pages, withIds, type Item } from './services-regional.js';
import { DAY_MS, type AnyClient, type Reader } from './service-reader.js';

/** Days of restore-job history read: a quarter (92 days), the restore-test cycle the catalogue asks for. */
export const RESTORE_TEST_WINDOW_DAYS = 92;

export const RESTORE_ACTION_INPUTS: Record<string, string[]> = { 'backup:ListRestoreJobs': ['aws.backup.restore_jobs'] };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const iso = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : null);

/** One region's restore jobs completed within the window, as one `aws.backup.restore_jobs` resource; true when read whole. */
export async function readRestoreJobs(rd: Reader, region: string): Promise<boolean> {
  const op = 'backup:ListRestoreJobs';
  const bk = rd.client(BackupClient as never, region) as AnyClient;
  // whole seconds, as the API compares them; every status is asked for so failed tests are shown beside the passing ones
  const to = new Date(Math.floor(rd.now.getTime() / 1000) * 1000);
  const from = new Date(to.getTime() - RESTORE_TEST_WINDOW_DAYS * DAY_MS);
  const listed = await pages(rd, op, region, bk, (t) => new ListRestoreJobsCommand({ ByCompleteAfter: from, ByCompleteBefore: to, MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'RestoreJobs', (r) => r.NextToken);
  const jobs = withIds(rd, op, region, listed, ['RestoreJobId', 'Status']);
  if (!jobs) return false;
  const bad = jobs.find((j: Item) => j.Status === 'COMPLETED' && !iso(j.CompletionDate));
  if (bad) {
    rd.malformed(op, region, `restore job ${String(bad.RestoreJobId)}: COMPLETED without CompletionDate`);
    return false;
  }
  rd.res('aws.backup.restore_jobs', `arn:aws:backup:${region}:${rd.account}:restore-jobs`, `restore-jobs/${region}`, region, {
    windowFrom: from.toISOString(),
    windowTo: to.toISOString(),
    jobs: jobs.map((j: Item) => ({
      id: String(j.RestoreJobId),
      status: String(j.Status),
      // null where the reply did not name the source: a rule cannot attribute that job to a resource
      sourceResourceArn: str(j.SourceResourceArn),
      recoveryPointArn: str(j.RecoveryPointArn),
      resourceType: str(j.ResourceType),
      createdResourceArn: str(j.CreatedResourceArn),
      createdAt: iso(j.CreationDate),
      completedAt: iso(j.CompletionDate),
      statusMessage: str(j.StatusMessage),
    })),
  });
  return true;
}
