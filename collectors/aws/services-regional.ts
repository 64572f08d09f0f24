// RDS, Backup and CloudWatch of one region, and S3's global bucket list: every page, every list key, every id checked.
import { RDSClient, DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { BackupClient, GetBackupPlanCommand, ListBackupJobsCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, ListProtectedResourcesCommand } from '@aws-sdk/client-backup';
import { S3Client, GetBucketTaggingCommand, GetBucketVersioningCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { alarmMetrics } from './alarm-metrics.js';
import { BACKUP_JOB_WINDOW_MS, dayCeil, dayFloor, MAX_PAGES, type AnyClient, type Reader } from './service-reader.js';
export type Item = Record<string, unknown>;

const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isoOrNull = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : null);

/** Tags as a map, or null when the list is absent or holds a tag without a key (a rule keyed on tags is then `error`). */
function tags(list: unknown): Record<string, string> | null {
  if (!Array.isArray(list)) return null;
  const out: Record<string, string> = {};
  for (const t of list as Array<{ Key?: unknown; Value?: unknown }>) {
    if (typeof t?.Key !== 'string') return null;
    out[t.Key] = typeof t.Value === 'string' ? t.Value : '';
  }
  return out;
}

/** Every page of a listing: `next` reads the continuation from a page. Undefined when any page failed or the pages loop. */
export async function pages(rd: Reader, op: string, region: string, c: AnyClient, mk: (t?: string) => unknown, list: string, next: (r: Item) => unknown): Promise<Item[] | undefined> {
  const out: Item[] = [];
  let token: string | undefined;
  for (let page = 1; ; page++) {
    const r = await rd.send<Item>(op, region, c, mk(token), { list });
    if (!r) return undefined;
    rd.count();
    rd.art(`${op} ${region}#${page}`, r);
    out.push(...(r[list] as Item[]));
    const t = next(r);
    token = typeof t === 'string' && t !== '' ? t : undefined;
    if (!token) return out;
    if (page >= MAX_PAGES) {
      rd.malformed(op, region, `more than ${MAX_PAGES} pages`, 'incomplete');
      return undefined;
    }
  }
}

/** Every item must carry its ids; one that does not makes the listing malformed (its resource cannot be named). */
export function withIds(rd: Reader, op: string, region: string, items: Item[] | undefined, ids: string[]): Item[] | undefined {
  if (!items) return undefined;
  const bad = items.find((i) => ids.some((k) => !str(i[k])));
  if (bad) {
    rd.malformed(op, region, `an item without ${ids.join(' or ')}`);
    return undefined;
  }
  return items;
}

export async function collectRegional(rd: Reader, region: string): Promise<{ rdsI: boolean; rdsC: boolean; plans: boolean; prot: boolean; jobs: boolean; alarms: boolean }> {
  const ok = { rdsI: true, rdsC: true, plans: true, prot: true, jobs: true, alarms: true };

  // --- RDS (Marker paging)
  const rds = rd.client(RDSClient as never, region) as AnyClient;
  const inst = withIds(rd, 'rds:DescribeDBInstances', region, await pages(rd, 'rds:DescribeDBInstances', region, rds, (m) => new DescribeDBInstancesCommand({ MaxRecords: 100, ...(m ? { Marker: m } : {}) }), 'DBInstances', (r) => r.Marker), ['DBInstanceArn', 'DBInstanceIdentifier']);
  if (inst) {
    for (const d of inst) {
      rd.res('aws.rds.instance', String(d.DBInstanceArn), String(d.DBInstanceIdentifier), region, {
        engine: str(d.Engine),
        // null where the reply did not say: a rule needing it is `error` for this instance, never a default
        backupRetentionPeriod: num(d.BackupRetentionPeriod),
        multiAz: bool(d.MultiAZ),
        deletionProtection: bool(d.DeletionProtection),
        storageEncrypted: bool(d.StorageEncrypted),
        publiclyAccessible: bool(d.PubliclyAccessible),
        // absent means the instance is in no cluster
        clusterId: str(d.DBClusterIdentifier),
        tags: tags(d.TagList),
      });
    }
  } else ok.rdsI = false;
  const clus = withIds(rd, 'rds:DescribeDBClusters', region, await pages(rd, 'rds:DescribeDBClusters', region, rds, (m) => new DescribeDBClustersCommand({ MaxRecords: 100, ...(m ? { Marker: m } : {}) }), 'DBClusters', (r) => r.Marker), ['DBClusterArn', 'DBClusterIdentifier']);
  if (clus) {
    for (const d of clus) {
      rd.res('aws.rds.cluster', String(d.DBClusterArn), String(d.DBClusterIdentifier), region, {
        engine: str(d.Engine),
        backupRetentionPeriod: num(d.BackupRetentionPeriod),
        multiAz: bool(d.MultiAZ),
        deletionProtection: bool(d.DeletionProtection),
        storageEncrypted: bool(d.StorageEncrypted),
        tags: tags(d.TagList),
      });
    }
  } else ok.rdsC = false;

  // --- Backup (NextToken paging)
  const bk = rd.client(BackupClient as never, region) as AnyClient;
  const plans = withIds(rd, 'backup:ListBackupPlans', region, await pages(rd, 'backup:ListBackupPlans', region, bk, (t) => new ListBackupPlansCommand({ MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'BackupPlansList', (r) => r.NextToken), ['BackupPlanId', 'BackupPlanArn', 'BackupPlanName']);
  if (plans) {
    for (const p of plans) {
      const g = await rd.send<{ BackupPlan?: { Rules?: Array<{ RuleName?: string; ScheduleExpression?: string; Lifecycle?: { DeleteAfterDays?: number } }> } }>('backup:GetBackupPlan', region, bk, new GetBackupPlanCommand({ BackupPlanId: String(p.BackupPlanId) }));
      const s = await pages(rd, 'backup:ListBackupSelections', region, bk, (t) => new ListBackupSelectionsCommand({ BackupPlanId: String(p.BackupPlanId), MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'BackupSelectionsList', (r) => r.NextToken);
      rd.count();
      if (g && !Array.isArray(g.BackupPlan?.Rules)) {
        rd.malformed('backup:GetBackupPlan', region, `${String(p.BackupPlanId)}: BackupPlan.Rules missing`);
        ok.plans = false;
        continue;
      }
      if (!g || !s) {
        ok.plans = false;
        continue;
      }
      rd.art(`backup:GetBackupPlan ${String(p.BackupPlanId)}`, g);
      rd.res('aws.backup.plan', String(p.BackupPlanArn), String(p.BackupPlanName), region, {
        // a rule without a schedule or lifecycle is as AWS Backup documents it (on demand; kept forever)
        rules: g.BackupPlan!.Rules!.map((r) => ({ name: r.RuleName ?? null, schedule: str(r.ScheduleExpression), deleteAfterDays: num(r.Lifecycle?.DeleteAfterDays) })),
        selections: s.length,
      });
    }
  } else ok.plans = false;
  const prot = withIds(rd, 'backup:ListProtectedResources', region, await pages(rd, 'backup:ListProtectedResources', region, bk, (t) => new ListProtectedResourcesCommand({ MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'Results', (r) => r.NextToken), ['ResourceArn']);
  if (prot) {
    for (const p of prot) rd.res('aws.backup.protected_resource', String(p.ResourceArn), String(p.ResourceArn).split(':').pop() ?? '', region, { resourceType: str(p.ResourceType), lastBackupTime: isoOrNull(p.LastBackupTime) });
  } else ok.prot = false;
  ok.jobs = await readBackupJobs(rd, region, bk);

  // --- CloudWatch alarms
  const cw = rd.client(CloudWatchClient as never, region) as AnyClient;
  const alarms = withIds(rd, 'cloudwatch:DescribeAlarms', region, await pages(rd, 'cloudwatch:DescribeAlarms', region, cw, (t) => new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], MaxRecords: 100, ...(t ? { NextToken: t } : {}) }), 'MetricAlarms', (r) => r.NextToken), ['AlarmArn', 'AlarmName']);
  if (alarms) {
    for (const a of alarms) {
      rd.res('aws.cloudwatch.alarm', String(a.AlarmArn), String(a.AlarmName), region, {
        actionsEnabled: bool(a.ActionsEnabled),
        alarmActions: Array.isArray(a.AlarmActions) ? a.AlarmActions : null,
        state: str(a.StateValue),
        stateUpdated: isoOrNull(a.StateUpdatedTimestamp),
        // what it watches (alarm-metrics.ts): null where the reply does not say
        metrics: alarmMetrics(a),
      });
    }
  } else ok.alarms = false;
  return ok;
}

/** Backup jobs completed since the cursor (30 days on the first run); history out of reach is declared once. */
async function readBackupJobs(rd: Reader, region: string, bk: AnyClient): Promise<boolean> {
  const { now, o } = rd;
  const jobKey = `backup:${region}:jobs`;
  const jobPrev = rd.ctx.cursors?.[jobKey];
  const jobReach = new Date(now.getTime() - BACKUP_JOB_WINDOW_MS + 60_000);
  // as for CloudTrail: read from the true edge, declare up to the next whole day so a re-declared gap is the same gap
  const gapTo = dayCeil(jobReach.getTime()).toISOString();
  let jobStart = jobPrev ? new Date(jobPrev) : jobReach;
  let accounted = jobPrev;
  if (!jobPrev) {
    const from = o.periodStart ?? dayFloor(now.getTime() - 365 * 86_400_000).toISOString();
    if (Date.parse(from) < jobReach.getTime()) {
      rd.gaps.set(`bk:${from}:${gapTo}`, { from, to: gapTo, reason: `AWS Backup ListBackupJobs only returns the last 30 days; job history before ${gapTo} was out of reach on the first run` });
      accounted = gapTo;
    }
  } else if (jobStart < jobReach) {
    rd.gaps.set(`bk:${jobPrev}:${gapTo}`, { from: jobPrev, to: gapTo, reason: 'backup job history no longer returned by ListBackupJobs' });
    jobStart = jobReach;
    accounted = gapTo;
  }
  const jobEnd = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const jobs = withIds(rd, 'backup:ListBackupJobs', region, await pages(rd, 'backup:ListBackupJobs', region, bk, (t) => new ListBackupJobsCommand({ ByCompleteAfter: jobStart, ByCompleteBefore: jobEnd, MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'BackupJobs', (r) => r.NextToken), ['BackupJobId', 'State']);
  if (!jobs) {
    if (accounted) rd.cursors[jobKey] = accounted;
    return false;
  }
  rd.cursors[jobKey] = jobEnd.toISOString();
  for (const j of jobs) {
    // listed by completion time, so each has one; a job without it is still running and is read next time
    const completedAt = isoOrNull(j.CompletionDate);
    if (!completedAt) continue;
    rd.res('aws.backup.job', `arn:aws:backup:${region}:${rd.account}:backup-job:${String(j.BackupJobId)}`, String(j.BackupJobId), region, {
      resourceArn: str(j.ResourceArn),
      resourceType: str(j.ResourceType),
      state: String(j.State),
      createdAt: isoOrNull(j.CreationDate),
      completedAt,
      statusMessage: str(j.StatusMessage),
    });
  }
  return true;
}

/**
 * S3: one global list, then tags for each bucket and versioning for the ones that carry tags. True when complete.
 * `onList` receives every bucket's region once the list itself was read whole.
 */
export async function collectS3(rd: Reader, onList?: (regions: Map<string, string>) => void): Promise<boolean> {
  const { o } = rd;
  const s3 = rd.client(S3Client as never, o.region, o.pathStyle ? { forcePathStyle: true } : {}) as AnyClient;
  const lb = await rd.send<{ Buckets: Item[] }>('s3:ListAllMyBuckets', o.region, s3, new ListBucketsCommand({}), { list: 'Buckets' });
  if (!lb) return false;
  rd.count();
  rd.art('s3:ListBuckets', lb);
  if (lb.Buckets.some((b) => !str(b.Name))) {
    rd.malformed('s3:ListAllMyBuckets', o.region, 'a bucket without Name');
    return false;
  }
  onList?.(new Map(lb.Buckets.map((b) => [String(b.Name), str(b.BucketRegion) ?? o.region])));
  let ok = true;
  for (const b of lb.Buckets) {
    const name = String(b.Name);
    // ListBuckets names each bucket's region; an older reply without it is tried in the home region (S3 redirects otherwise)
    const region = str(b.BucketRegion) ?? o.region;
    const rs3 = region === o.region ? s3 : (rd.client(S3Client as never, region, o.pathStyle ? { forcePathStyle: true } : {}) as AnyClient);
    // NoSuchTagSet (404) is S3's answer for a bucket without tags
    const t = await rd.send<{ TagSet?: unknown }>('s3:GetBucketTagging', region, rs3, new GetBucketTaggingCommand({ Bucket: name }), { absent: (code, status) => code === 'NoSuchTagSet' && status === 404 });
    rd.count();
    if (t === undefined) {
      ok = false;
      continue;
    }
    const bucketTags = t === null ? {} : tags(t.TagSet);
    if (bucketTags === null) {
      rd.malformed('s3:GetBucketTagging', region, `${name}: TagSet missing`);
      ok = false;
      continue;
    }
    let versioning: string | null = null;
    const tagged = Object.keys(bucketTags).length > 0;
    if (tagged) {
      const v = await rd.send<{ Status?: string }>('s3:GetBucketVersioning', region, rs3, new GetBucketVersioningCommand({ Bucket: name }));
      rd.count();
      if (!v) {
        ok = false;
        continue;
      }
      // no Status: versioning was never enabled on the bucket (documented)
      versioning = str(v.Status);
    }
    rd.res('aws.s3.bucket', `arn:aws:s3:::${name}`, name, region, { tags: bucketTags, versioning, versioningRead: tagged });
  }
  return ok;
}
