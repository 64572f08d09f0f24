// aws.backup.restore_tested: each critical data store had a successful AWS Backup restore (test) within the cycle.
import { defineRule } from '../../../src/rules/define.js';
import type { Resource, RuleOutcome } from '../../../src/core/types.js';
import { criticalStores, unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

interface Job {
  id: string;
  status: string;
  sourceResourceArn: string | null;
  completedAt: string | null;
  statusMessage: string | null;
}

const DAY_MS = 86_400_000;

/** The verdict for one critical store from its region's restore-job listing. */
function judge(r: Resource, list: Resource | undefined, maxDays: number, nowMs: number): RuleOutcome {
  const where = r.region ? { region: r.region } : {};
  if (!list) return { resourceId: r.id, status: 'error', reason: `${r.name}: the restore jobs of ${r.region ?? 'its region'} were not read`, ...where };
  const from = Date.parse(String(list.attributes.windowFrom));
  const since = nowMs - maxDays * DAY_MS;
  if (!(from <= since)) return { resourceId: r.id, status: 'error', reason: `${r.name}: restore jobs were read from ${String(list.attributes.windowFrom)} only, shorter than the ${maxDays} days asked for`, ...where };
  const jobs = list.attributes.jobs as Job[];
  const mine = jobs.filter((j) => j.sourceResourceArn === r.id);
  const ok = mine.filter((j) => j.status === 'COMPLETED' && j.completedAt && Date.parse(j.completedAt) >= since).sort((a, b) => (a.completedAt! < b.completedAt! ? 1 : -1));
  const last = ok[0];
  const failed = mine.filter((j) => j.status === 'FAILED' || j.status === 'ABORTED').length;
  const details = { windowFrom: list.attributes.windowFrom, successful: ok.length, failedOrAborted: failed };
  if (last) return { resourceId: r.id, status: 'pass', reason: `${r.name}: last successful restore test completed ${last.completedAt} (job ${last.id})`, occurredAt: last.completedAt!, ...where, details: { ...details, lastJob: last.id } };
  // a completed job whose source was not reported might be this store's test: could not tell
  const unattributed = jobs.filter((j) => j.status === 'COMPLETED' && j.sourceResourceArn === null).length;
  if (unattributed > 0) return { resourceId: r.id, status: 'error', reason: `${r.name}: no restore test attributed to it, and ${unattributed} completed restore job(s) did not name their source resource`, ...where, details };
  const lastAny = mine.filter((j) => j.status === 'COMPLETED' && j.completedAt).map((j) => j.completedAt!).sort().pop();
  return { resourceId: r.id, status: 'fail', reason: `${r.name}: no successful restore test in the last ${maxDays} days (last: ${lastAny ?? `none since ${String(list.attributes.windowFrom)}`}${failed ? `; ${failed} failed or aborted` : ''})`, ...where, details };
}

export default defineRule({
  id: 'aws.backup.restore_tested',
  title: 'Every critical (tagged) RDS instance and Aurora cluster had a successful AWS Backup restore test within the cycle',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.rds.instance', 'aws.rds.cluster', 'aws.backup.restore_jobs'],
  permissions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'backup:ListRestoreJobs'],
  rationale: 'A backup is only known to be usable once it has been restored; A1.3 asks for a dated, successful restore of each critical store every test cycle.',
  remediation: 'Create an AWS Backup restore testing plan (or restore by hand) covering the resource with the critical tag, and check why its last restore job failed or was aborted.',
  params: {
    criticalTag: { description: 'Tag marking critical resources: key=value, or key alone.', default: 'vigil:critical=true' },
    maxDaysSinceRestoreTest: { description: 'Most days since the last successful restore test (a quarter by default; the collector reads 92 days of restore jobs).', default: 92 },
  },
  evaluate(snapshot, { params, now }) {
    const lists = new Map(snapshot.resources.filter((r) => r.type === 'aws.backup.restore_jobs').map((r) => [r.region ?? '', r]));
    return criticalStores(snapshot, params.criticalTag).map((r) => {
      const missing = unread(r, ['tags']);
      if (missing.length > 0) return unreadOutcome(r, missing);
      return judge(r, lists.get(r.region ?? ''), params.maxDaysSinceRestoreTest, now.getTime());
    });
  },
});
