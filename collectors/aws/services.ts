// Collects an account's CloudTrail (trails and event history), RDS, Backup, S3 and CloudWatch, region by region.
import { createHash } from 'node:crypto';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, LookupEventsCommand, type Event as CtEvent } from '@aws-sdk/client-cloudtrail';
import { RDSClient, DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { BackupClient, GetBackupPlanCommand, ListBackupJobsCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, ListProtectedResourcesCommand } from '@aws-sdk/client-backup';
import { S3Client, GetBucketTaggingCommand, GetBucketVersioningCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { CollectContext } from '../../src/core/collector.js';
import { redactSecrets } from '../../src/core/errors.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { mapBounded, type RateLimiter } from './limits.js';

/** Resource types each non-IAM action feeds: what its failure leaves missing or incomplete. */
export const SERVICE_ACTION_INPUTS: Record<string, string[]> = {
  'account:ListRegions': ['aws.cloudtrail.history', 'aws.cloudtrail.event', 'aws.rds.instance', 'aws.rds.cluster', 'aws.backup.plan', 'aws.backup.protected_resource', 'aws.backup.job', 'aws.cloudwatch.alarm'],
  'cloudtrail:DescribeTrails': ['aws.cloudtrail.trail'],
  'cloudtrail:GetTrailStatus': ['aws.cloudtrail.trail'],
  'cloudtrail:GetEventSelectors': ['aws.cloudtrail.trail'],
  'cloudtrail:LookupEvents': ['aws.cloudtrail.history', 'aws.cloudtrail.event'],
  'rds:DescribeDBInstances': ['aws.rds.instance'],
  'rds:DescribeDBClusters': ['aws.rds.cluster'],
  'backup:ListBackupPlans': ['aws.backup.plan'],
  'backup:GetBackupPlan': ['aws.backup.plan'],
  'backup:ListBackupSelections': ['aws.backup.plan'],
  'backup:ListProtectedResources': ['aws.backup.protected_resource'],
  'backup:ListBackupJobs': ['aws.backup.job'],
  's3:ListAllMyBuckets': ['aws.s3.bucket'],
  's3:GetBucketTagging': ['aws.s3.bucket'],
  's3:GetBucketVersioning': ['aws.s3.bucket'],
  'cloudwatch:DescribeAlarms': ['aws.cloudwatch.alarm'],
};

export const AWS_SERVICE_RESOURCE_TYPES = [...new Set(Object.values(SERVICE_ACTION_INPUTS).flat())];

/** LookupEvents: 2 requests per second per account and region; we aim a little under so arrival jitter never tips it. */
export const LOOKUP_EVENTS_PER_SECOND = 1.8;
/** Other read APIs: a conservative per service × account × region pace. */
export const DEFAULT_PER_SECOND = 10;
/** How long CloudTrail may take to make an event visible; the cursor stays this far behind now. */
export const CLOUDTRAIL_DELIVERY_LAG_MS = 15 * 60_000;
export const LOOKUP_WINDOW_MS = 90 * 86_400_000;
export const BACKUP_JOB_WINDOW_MS = 30 * 86_400_000;
/** The event streams read per region: every write, and everything root did (reads included). */
export const LOOKUP_STREAMS = { writes: { AttributeKey: 'ReadOnly', AttributeValue: 'false' }, root: { AttributeKey: 'Username', AttributeValue: 'root' } } as const;

export interface ServicesOptions {
  clientConfig: Record<string, unknown>;
  /** Home region: global clients and DescribeTrails. */
  region: string;
  regions?: string[];
  regionConcurrency: number;
  periodStart?: string;
  limiter: RateLimiter;
  pathStyle: boolean;
}

export type ServicesPart = Pick<Snapshot, 'resources' | 'inputs' | 'artifacts' | 'errors' | 'apiCalls' | 'minApiCalls' | 'cursors' | 'declaredGaps' | 'metrics'>;

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export async function collectServices(ctx: CollectContext, o: ServicesOptions): Promise<ServicesPart> {
  const { scope: account, clock, logger, signal } = ctx;
  const resources: Resource[] = [];
  const artifacts: Artifact[] = [];
  const errors: CollectionError[] = [];
  const cursors: Record<string, string> = {};
  const gaps = new Map<string, { from: string; to: string; reason: string }>();
  const inputs: Snapshot['inputs'] = {};
  const metrics = { lookupEventsCalls: 0, eventsRead: 0, throttled: 0, regions: 0 };
  let apiCalls = 0;
  let minApiCalls = 0;
  const clients: Array<{ destroy(): void }> = [];
  const nowIso = (): string => clock.now().toISOString();
  const seenEvents = new Set<string>();

  function client<T extends { middlewareStack: { add(mw: unknown, o: Record<string, unknown>): void }; destroy(): void }>(C: new (c: Record<string, unknown>) => T, region: string, extra: Record<string, unknown> = {}): T {
    const c = new C({ ...o.clientConfig, region, ...extra });
    c.middlewareStack.add(
      (next: (a: unknown) => Promise<{ response: { statusCode: number } }>) => async (args: unknown) => {
        apiCalls++;
        const r = await next(args).catch((e: SdkError) => {
          if (e.$metadata?.httpStatusCode === 429 || /Throttl|SlowDown/.test(e.name ?? '')) metrics.throttled++;
          throw e;
        });
        return r;
      },
      { step: 'deserialize', priority: 'low', name: 'vigilCount' },
    );
    clients.push(c);
    return c;
  }

  const art = (label: string, out: unknown): void => {
    const { $metadata: _m, ...rest } = (out ?? {}) as Record<string, unknown>;
    const body = Buffer.from(JSON.stringify(rest), 'utf8');
    artifacts.push({ sha256: createHash('sha256').update(body).digest('hex'), mediaType: 'application/json', size: body.length, label, body });
  };

  async function send<T>(op: string, region: string, c: { send(cmd: never, o?: unknown): Promise<unknown> }, cmd: unknown, perSecond = DEFAULT_PER_SECOND): Promise<T | undefined> {
    if (signal?.aborted) throw new Error('aws collection aborted');
    await o.limiter.take(`${op.split(':')[0]}:${account}:${region}`, perSecond, signal);
    try {
      return (await c.send(cmd as never, signal ? { abortSignal: signal } : {})) as T;
    } catch (e) {
      if (signal?.aborted) throw e;
      const err = e as SdkError;
      const code = err.name ?? 'UnknownError';
      const status = err.$metadata?.httpStatusCode;
      errors.push({
        operation: op,
        code,
        message: `${region}: ${redactSecrets(err.message ?? code).slice(0, 500)}`,
        permission: op,
        inputs: SERVICE_ACTION_INPUTS[op] ?? [],
        retryable: status === undefined || status >= 500 || /Throttl|SlowDown|Timeout/.test(code),
      });
      logger.warn({ operation: op, region, code }, 'aws: read failed');
      return undefined;
    }
  }
  const mark = (type: string): void => {
    inputs[type] ??= { observedAt: nowIso() };
  };
  const res = (type: string, id: string, name: string, region: string | undefined, attributes: Record<string, unknown>): void => {
    resources.push({ source: 'aws', scope: account, type, id, name, ...(region ? { region } : {}), attributes, observedAt: nowIso() });
  };
  const tags = (list: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> => Object.fromEntries((list ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

  try {
    // Regions: configured, or the account's enabled ones.
    let regions = o.regions;
    if (!regions) {
      const acct = client(AccountClient, o.region);
      const found: string[] = [];
      let token: string | undefined;
      let ok = true;
      do {
        const r = await send<{ Regions?: Array<{ RegionName?: string }>; NextToken?: string }>('account:ListRegions', o.region, acct, new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
        if (!r) {
          ok = false;
          break;
        }
        minApiCalls++;
        art('account:ListRegions', r);
        found.push(...(r.Regions ?? []).map((x) => x.RegionName ?? '').filter(Boolean));
        token = r.NextToken;
      } while (token);
      regions = ok ? found.sort() : [o.region];
    }
    metrics.regions = regions.length;

    // Trails: listed once in the home region; multi-region trails show there as shadow trails.
    const ct = client(CloudTrailClient, o.region);
    const trails = await send<{ trailList?: Array<Record<string, unknown>> }>('cloudtrail:DescribeTrails', o.region, ct, new DescribeTrailsCommand({ includeShadowTrails: true }));
    if (trails) {
      minApiCalls++;
      art('cloudtrail:DescribeTrails', trails);
      let complete = true;
      for (const t of trails.trailList ?? []) {
        const arn = String(t.TrailARN);
        const home = String(t.HomeRegion ?? o.region);
        const homeCt = home === o.region ? ct : client(CloudTrailClient, home);
        const status = await send<Record<string, unknown>>('cloudtrail:GetTrailStatus', home, homeCt, new GetTrailStatusCommand({ Name: arn }));
        const sel = await send<{ EventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }>; AdvancedEventSelectors?: Array<{ FieldSelectors?: Array<{ Field?: string; Equals?: string[] }> }> }>('cloudtrail:GetEventSelectors', home, homeCt, new GetEventSelectorsCommand({ TrailName: arn }));
        if (!status || !sel) complete = false;
        if (status) art(`cloudtrail:GetTrailStatus ${t.Name}`, status);
        if (sel) art(`cloudtrail:GetEventSelectors ${t.Name}`, sel);
        minApiCalls += 2;
        res('aws.cloudtrail.trail', arn, String(t.Name), home, {
          multiRegion: t.IsMultiRegionTrail === true,
          organization: t.IsOrganizationTrail === true,
          homeRegion: home,
          logFileValidation: t.LogFileValidationEnabled === true,
          kmsKeyId: (t.KmsKeyId as string | undefined) ?? null,
          cloudWatchLogsGroup: (t.CloudWatchLogsLogGroupArn as string | undefined) ?? null,
          logging: status ? status.IsLogging === true : null,
          latestDeliveryError: status ? ((status.LatestDeliveryError as string | undefined) ?? null) : null,
          latestCloudWatchLogsDelivery: status?.LatestCloudWatchLogsDeliveryTime instanceof Date ? status.LatestCloudWatchLogsDeliveryTime.toISOString() : null,
          managementEvents: sel ? managementEvents(sel) : null,
        });
      }
      if (complete) mark('aws.cloudtrail.trail');
    }

    // Region by region, a bounded number at a time.
    const regional = { history: true, rdsI: true, rdsC: true, plans: true, prot: true, jobs: true, alarms: true };
    // one instant for every region, so the declared gaps and cursors of a run agree
    const now = clock.now();
    await mapBounded(regions, o.regionConcurrency, async (region) => {
      // --- CloudTrail event history, incrementally from the cursor
      const rct = region === o.region ? ct : client(CloudTrailClient, region);
      const end = new Date(Math.floor((now.getTime() - CLOUDTRAIL_DELIVERY_LAG_MS) / 1000) * 1000);
      const reach = new Date(now.getTime() - LOOKUP_WINDOW_MS + 60_000);
      let historyOk = true;
      let earliestFrom = end.toISOString();
      let count = 0;
      for (const [stream, attr] of Object.entries(LOOKUP_STREAMS)) {
        const key = `cloudtrail:${region}:${stream}`;
        const prev = ctx.cursors?.[key];
        let start = prev ? new Date(prev) : reach;
        if (!prev) {
          const from = o.periodStart ?? new Date(now.getTime() - 365 * 86_400_000).toISOString();
          if (Date.parse(from) < reach.getTime()) gaps.set(`ct:${from}`, { from, to: reach.toISOString(), reason: `CloudTrail LookupEvents only returns the last 90 days; history before ${reach.toISOString()} was out of reach on the first run` });
        } else if (start < reach) {
          gaps.set(`ct:${prev}`, { from: prev, to: reach.toISOString(), reason: `no run read CloudTrail history between ${prev} and ${reach.toISOString()}, which LookupEvents no longer returns` });
          start = reach;
        }
        if (start.toISOString() < earliestFrom) earliestFrom = start.toISOString();
        let token: string | undefined;
        let ok = true;
        let pages = 0;
        do {
          metrics.lookupEventsCalls++;
          const r = await send<{ Events?: CtEvent[]; NextToken?: string }>('cloudtrail:LookupEvents', region, rct, new LookupEventsCommand({ LookupAttributes: [attr], StartTime: start, EndTime: end, MaxResults: 50, ...(token ? { NextToken: token } : {}) }), LOOKUP_EVENTS_PER_SECOND);
          if (!r) {
            ok = false;
            break;
          }
          pages++;
          art(`cloudtrail:LookupEvents ${region} ${stream}#${pages}`, r);
          for (const e of r.Events ?? []) {
            count++;
            addEvent(e, region);
          }
          token = r.NextToken;
        } while (token);
        minApiCalls += Math.max(1, pages);
        // the cursor only moves when the whole window was read; a failed read is retried from the same place next run
        if (ok) cursors[key] = end.toISOString();
        else {
          historyOk = false;
          if (prev) cursors[key] = prev;
        }
      }
      metrics.eventsRead += count;
      if (historyOk) res('aws.cloudtrail.history', `arn:aws:cloudtrail:${region}:${account}:event-history`, `event-history/${region}`, region, { from: earliestFrom, to: end.toISOString(), eventsRead: count, streams: Object.keys(LOOKUP_STREAMS) });
      else regional.history = false;

      // --- RDS
      const rds = client(RDSClient, region);
      const inst = await pagedMarker('rds:DescribeDBInstances', region, rds, (m) => new DescribeDBInstancesCommand({ MaxRecords: 100, ...(m ? { Marker: m } : {}) }), 'DBInstances');
      if (inst) {
        for (const d of inst as Array<Record<string, unknown>>) {
          res('aws.rds.instance', String(d.DBInstanceArn), String(d.DBInstanceIdentifier), region, {
            engine: d.Engine,
            backupRetentionPeriod: d.BackupRetentionPeriod ?? 0,
            multiAz: d.MultiAZ === true,
            deletionProtection: d.DeletionProtection === true,
            storageEncrypted: d.StorageEncrypted === true,
            publiclyAccessible: d.PubliclyAccessible === true,
            clusterId: d.DBClusterIdentifier ?? null,
            tags: tags(d.TagList as Array<{ Key?: string; Value?: string }>),
          });
        }
      } else regional.rdsI = false;
      const clus = await pagedMarker('rds:DescribeDBClusters', region, rds, (m) => new DescribeDBClustersCommand({ MaxRecords: 100, ...(m ? { Marker: m } : {}) }), 'DBClusters');
      if (clus) {
        for (const d of clus as Array<Record<string, unknown>>) {
          res('aws.rds.cluster', String(d.DBClusterArn), String(d.DBClusterIdentifier), region, {
            engine: d.Engine,
            backupRetentionPeriod: d.BackupRetentionPeriod ?? 0,
            multiAz: d.MultiAZ === true,
            deletionProtection: d.DeletionProtection === true,
            storageEncrypted: d.StorageEncrypted === true,
            tags: tags(d.TagList as Array<{ Key?: string; Value?: string }>),
          });
        }
      } else regional.rdsC = false;

      // --- Backup
      const bk = client(BackupClient, region);
      const plans = await pagedToken('backup:ListBackupPlans', region, bk, (t) => new ListBackupPlansCommand({ MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'BackupPlansList');
      if (plans) {
        for (const p of plans as Array<{ BackupPlanId?: string; BackupPlanArn?: string; BackupPlanName?: string }>) {
          const g = await send<{ BackupPlan?: { Rules?: Array<{ RuleName?: string; ScheduleExpression?: string; Lifecycle?: { DeleteAfterDays?: number } }> } }>('backup:GetBackupPlan', region, bk, new GetBackupPlanCommand({ BackupPlanId: p.BackupPlanId }));
          const s = await send<{ BackupSelectionsList?: unknown[] }>('backup:ListBackupSelections', region, bk, new ListBackupSelectionsCommand({ BackupPlanId: p.BackupPlanId, MaxResults: 1000 }));
          minApiCalls += 2;
          if (!g || !s) {
            regional.plans = false;
            continue;
          }
          art(`backup:GetBackupPlan ${p.BackupPlanId}`, g);
          art(`backup:ListBackupSelections ${p.BackupPlanId}`, s);
          res('aws.backup.plan', String(p.BackupPlanArn), String(p.BackupPlanName), region, {
            rules: (g.BackupPlan?.Rules ?? []).map((r) => ({ name: r.RuleName, schedule: r.ScheduleExpression ?? null, deleteAfterDays: r.Lifecycle?.DeleteAfterDays ?? null })),
            selections: (s.BackupSelectionsList ?? []).length,
          });
        }
      } else regional.plans = false;
      const prot = await pagedToken('backup:ListProtectedResources', region, bk, (t) => new ListProtectedResourcesCommand({ MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'Results');
      if (prot) {
        for (const p of prot as Array<{ ResourceArn?: string; ResourceType?: string; LastBackupTime?: Date }>) {
          res('aws.backup.protected_resource', String(p.ResourceArn), String(p.ResourceArn).split(':').pop() ?? '', region, { resourceType: p.ResourceType, lastBackupTime: p.LastBackupTime?.toISOString() ?? null });
        }
      } else regional.prot = false;
      const jobKey = `backup:${region}:jobs`;
      const jobPrev = ctx.cursors?.[jobKey];
      const jobReach = new Date(now.getTime() - BACKUP_JOB_WINDOW_MS + 60_000);
      let jobStart = jobPrev ? new Date(jobPrev) : jobReach;
      if (!jobPrev) {
        const from = o.periodStart ?? new Date(now.getTime() - 365 * 86_400_000).toISOString();
        if (Date.parse(from) < jobReach.getTime()) gaps.set(`bk:${from}`, { from, to: jobReach.toISOString(), reason: `AWS Backup ListBackupJobs only returns the last 30 days; job history before ${jobReach.toISOString()} was out of reach on the first run` });
      } else if (jobStart < jobReach) {
        gaps.set(`bk:${jobPrev}`, { from: jobPrev, to: jobReach.toISOString(), reason: 'backup job history no longer returned by ListBackupJobs' });
        jobStart = jobReach;
      }
      const jobEnd = new Date(Math.floor(now.getTime() / 1000) * 1000);
      const jobs = await pagedToken('backup:ListBackupJobs', region, bk, (t) => new ListBackupJobsCommand({ ByCompleteAfter: jobStart, ByCompleteBefore: jobEnd, MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'BackupJobs');
      if (jobs) {
        cursors[jobKey] = jobEnd.toISOString();
        for (const j of jobs as Array<{ BackupJobId?: string; ResourceArn?: string; ResourceType?: string; State?: string; CreationDate?: Date; CompletionDate?: Date; StatusMessage?: string }>) {
          if (!j.CompletionDate) continue;
          res('aws.backup.job', `arn:aws:backup:${region}:${account}:backup-job:${j.BackupJobId}`, String(j.BackupJobId), region, {
            resourceArn: j.ResourceArn,
            resourceType: j.ResourceType,
            state: j.State,
            createdAt: j.CreationDate?.toISOString() ?? null,
            completedAt: j.CompletionDate.toISOString(),
            statusMessage: j.StatusMessage ?? null,
          });
        }
      } else {
        regional.jobs = false;
        if (jobPrev) cursors[jobKey] = jobPrev;
      }

      // --- CloudWatch alarms
      const cw = client(CloudWatchClient, region);
      const alarms = await pagedToken('cloudwatch:DescribeAlarms', region, cw, (t) => new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], MaxRecords: 100, ...(t ? { NextToken: t } : {}) }), 'MetricAlarms');
      if (alarms) {
        for (const a of alarms as Array<{ AlarmArn?: string; AlarmName?: string; ActionsEnabled?: boolean; AlarmActions?: string[]; StateValue?: string; StateUpdatedTimestamp?: Date }>) {
          res('aws.cloudwatch.alarm', String(a.AlarmArn), String(a.AlarmName), region, { actionsEnabled: a.ActionsEnabled === true, alarmActions: a.AlarmActions ?? [], state: a.StateValue, stateUpdated: a.StateUpdatedTimestamp?.toISOString() ?? null });
        }
      } else regional.alarms = false;
    });
    if (regional.history) {
      mark('aws.cloudtrail.history');
      mark('aws.cloudtrail.event');
    }
    if (regional.rdsI) mark('aws.rds.instance');
    if (regional.rdsC) mark('aws.rds.cluster');
    if (regional.plans) mark('aws.backup.plan');
    if (regional.prot) mark('aws.backup.protected_resource');
    if (regional.jobs) mark('aws.backup.job');
    if (regional.alarms) mark('aws.cloudwatch.alarm');

    // --- S3: one global list, then tags for each bucket and versioning for the ones that carry tags
    const s3 = client(S3Client, o.region, o.pathStyle ? { forcePathStyle: true } : {});
    const lb = await send<{ Buckets?: Array<{ Name?: string; BucketRegion?: string }> }>('s3:ListAllMyBuckets', o.region, s3, new ListBucketsCommand({}));
    if (lb) {
      minApiCalls++;
      art('s3:ListBuckets', lb);
      let ok = true;
      for (const b of lb.Buckets ?? []) {
        const region = b.BucketRegion ?? o.region;
        const rs3 = region === o.region ? s3 : client(S3Client, region, o.pathStyle ? { forcePathStyle: true } : {});
        let bucketTags: Record<string, string> = {};
        try {
          await o.limiter.take(`s3:${account}:${region}`, DEFAULT_PER_SECOND, signal);
          const t = await rs3.send(new GetBucketTaggingCommand({ Bucket: b.Name }));
          bucketTags = tags(t.TagSet);
        } catch (e) {
          if ((e as SdkError).name !== 'NoSuchTagSet') {
            ok = false;
            errors.push({ operation: 's3:GetBucketTagging', code: (e as SdkError).name ?? 'UnknownError', message: `${b.Name}: ${redactSecrets((e as SdkError).message ?? '')}`.slice(0, 500), permission: 's3:GetBucketTagging', inputs: ['aws.s3.bucket'], retryable: true });
            continue;
          }
        }
        minApiCalls++;
        let versioning: string | null = null;
        if (Object.keys(bucketTags).length > 0) {
          const v = await send<{ Status?: string }>('s3:GetBucketVersioning', region, rs3, new GetBucketVersioningCommand({ Bucket: b.Name }));
          minApiCalls++;
          if (!v) {
            ok = false;
            continue;
          }
          versioning = v.Status ?? null;
        }
        res('aws.s3.bucket', `arn:aws:s3:::${b.Name}`, String(b.Name), region, { tags: bucketTags, versioning, versioningRead: Object.keys(bucketTags).length > 0 });
      }
      if (ok) mark('aws.s3.bucket');
    }
  } finally {
    for (const c of clients) c.destroy();
  }

  function addEvent(e: CtEvent, region: string): void {
    let detail: Record<string, unknown> = {};
    try {
      detail = JSON.parse(e.CloudTrailEvent ?? '{}') as Record<string, unknown>;
    } catch {
      /* keep the summary fields */
    }
    const ui = (detail.userIdentity ?? {}) as Record<string, unknown>;
    const extra = (detail.additionalEventData ?? {}) as Record<string, unknown>;
    const resp = (detail.responseElements ?? {}) as Record<string, unknown>;
    const id = `arn:aws:cloudtrail:${region}:${account}:event/${e.EventId}`;
    if (seenEvents.has(id)) return; // the two streams overlap on root writes
    seenEvents.add(id);
    res('aws.cloudtrail.event', id, String(e.EventName), region, {
      eventId: e.EventId,
      eventName: e.EventName,
      eventSource: e.EventSource,
      eventTime: e.EventTime?.toISOString() ?? null,
      readOnly: e.ReadOnly === 'true',
      userType: (ui.type as string | undefined) ?? null,
      userName: e.Username ?? null,
      mfaUsed: extra.MFAUsed === undefined ? null : extra.MFAUsed === 'Yes',
      loginOutcome: (resp.ConsoleLogin as string | undefined) ?? null,
      target: e.Resources?.[0]?.ResourceName ?? null,
      sourceIp: (detail.sourceIPAddress as string | undefined) ?? null,
    });
  }

  async function pagedMarker(op: string, region: string, c: { send(cmd: never, o?: unknown): Promise<unknown> }, mk: (m?: string) => unknown, field: string): Promise<unknown[] | undefined> {
    const out: unknown[] = [];
    let marker: string | undefined;
    let page = 0;
    do {
      const r = await send<Record<string, unknown>>(op, region, c, mk(marker));
      if (!r) return undefined;
      page++;
      minApiCalls++;
      art(`${op} ${region}#${page}`, r);
      out.push(...((r[field] as unknown[]) ?? []));
      marker = r.Marker as string | undefined;
    } while (marker);
    return out;
  }
  async function pagedToken(op: string, region: string, c: { send(cmd: never, o?: unknown): Promise<unknown> }, mk: (t?: string) => unknown, field: string): Promise<unknown[] | undefined> {
    const out: unknown[] = [];
    let token: string | undefined;
    let page = 0;
    do {
      const r = await send<Record<string, unknown>>(op, region, c, mk(token));
      if (!r) return undefined;
      page++;
      minApiCalls++;
      art(`${op} ${region}#${page}`, r);
      out.push(...((r[field] as unknown[]) ?? []));
      token = r.NextToken as string | undefined;
    } while (token);
    return out;
  }

  return { resources, inputs, artifacts, errors, apiCalls, minApiCalls, cursors, declaredGaps: [...gaps.values()], metrics };
}

/** What management events a trail's selectors record: `all`, `write`, `read` or `none`. */
function managementEvents(sel: { EventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }>; AdvancedEventSelectors?: Array<{ FieldSelectors?: Array<{ Field?: string; Equals?: string[] }> }> }): string {
  let read = false;
  let write = false;
  for (const s of sel.EventSelectors ?? []) {
    if (s.IncludeManagementEvents === false) continue;
    if (s.ReadWriteType === 'All' || s.ReadWriteType === undefined) read = write = true;
    if (s.ReadWriteType === 'ReadOnly') read = true;
    if (s.ReadWriteType === 'WriteOnly') write = true;
  }
  for (const a of sel.AdvancedEventSelectors ?? []) {
    const f = a.FieldSelectors ?? [];
    if (!f.some((x) => x.Field === 'eventCategory' && x.Equals?.includes('Management'))) continue;
    const ro = f.find((x) => x.Field === 'readOnly');
    if (!ro) read = write = true;
    else if (ro.Equals?.includes('true')) read = true;
    else write = true;
  }
  return read && write ? 'all' : write ? 'write' : read ? 'read' : 'none';
}
