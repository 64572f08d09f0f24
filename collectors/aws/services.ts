// Collects an account's CloudTrail (trails and event history), RDS, Backup, S3 and CloudWatch, and its security
// settings (S3 Block Public Access, EC2 security groups and EBS default encryption, GuardDuty, Security Hub, Config,
// Access Analyzer), region by region.
import { createHash } from 'node:crypto';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, LookupEventsCommand, type Event as CtEvent } from '@aws-sdk/client-cloudtrail';
import type { CollectContext } from '../../src/core/collector.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { Artifact, CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { awsCollectionError, errorCode } from './failure.js';
import { mapBounded } from './limits.js';
import { collectRegional, collectS3 } from './services-regional.js';
import { SECURITY_REGIONAL_TYPES, collectAccountPublicAccessBlock, collectSecurity, type SecurityRegional } from './services-security.js';
import { GOVERNANCE_ACTION_INPUTS, GOVERNANCE_TYPES, GOVERNANCE_XML_ROOT, collectGovernance } from './services-governance.js';
import { FINDINGS_ACTION_INPUTS } from './services-findings.js';
import { VAULT_ACTION_INPUTS } from './services-vaults.js';
import { RESTORE_ACTION_INPUTS } from './services-restores.js';
import { HEALTH_ACTION_INPUTS, collectHealth } from './services-health.js';
import { AVAILABILITY_ACTION_INPUTS, AVAILABILITY_REGIONAL_TYPES, AVAILABILITY_XML_ROOT, collectAvailability, type AvailabilityRegional } from './services-availability.js';
import { CLOUDTRAIL_DELIVERY_LAG_MS, DAY_MS, DEFAULT_PER_SECOND, LOOKUP_EVENTS_PER_SECOND, LOOKUP_STREAMS, LOOKUP_WINDOW_MS, MAX_PAGES, dayCeil, dayFloor, type Absent, type AnyClient, type Reader, type ServicesOptions, type ServicesPart } from './service-reader.js';
import { awsSend, requireList, type ReplyShape } from './wire.js';

/** Resource types each non-IAM action feeds: what its failure leaves missing or incomplete. */
export const SERVICE_ACTION_INPUTS: Record<string, string[]> = {
  'account:ListRegions': ['aws.cloudtrail.history', 'aws.cloudtrail.event', 'aws.rds.instance', 'aws.rds.cluster', 'aws.backup.plan', 'aws.backup.protected_resource', 'aws.backup.job', 'aws.cloudwatch.alarm', ...Object.values(SECURITY_REGIONAL_TYPES), ...Object.values(AVAILABILITY_REGIONAL_TYPES), GOVERNANCE_TYPES.federation],
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
  's3:GetAccountPublicAccessBlock': ['aws.s3.account_public_access_block'],
  'ec2:DescribeSecurityGroups': ['aws.ec2.security_group'],
  'ec2:GetEbsEncryptionByDefault': ['aws.ec2.ebs_default_encryption'],
  'guardduty:ListDetectors': ['aws.guardduty.detectors', 'aws.guardduty.findings'],
  'guardduty:GetDetector': ['aws.guardduty.detectors', 'aws.guardduty.findings'],
  ...FINDINGS_ACTION_INPUTS,
  ...VAULT_ACTION_INPUTS,
  ...RESTORE_ACTION_INPUTS,
  ...HEALTH_ACTION_INPUTS,
  'securityhub:DescribeHub': ['aws.securityhub.hub'],
  'securityhub:GetEnabledStandards': ['aws.securityhub.hub'],
  'config:DescribeConfigurationRecorders': ['aws.config.recorders'],
  'config:DescribeConfigurationRecorderStatus': ['aws.config.recorders'],
  'config:DescribeDeliveryChannels': ['aws.config.recorders'],
  'config:DescribeDeliveryChannelStatus': ['aws.config.recorders'],
  'access-analyzer:ListAnalyzers': ['aws.accessanalyzer.analyzers'],
  'access-analyzer:ListFindingsV2': ['aws.accessanalyzer.analyzers'],
  'kms:ListKeys': ['aws.kms.key'],
  'kms:DescribeKey': ['aws.kms.key'],
  'kms:GetKeyRotationStatus': ['aws.kms.key'],
  'logs:DescribeLogGroups': ['aws.logs.log_group'],
  'backup:ListBackupVaults': ['aws.backup.vault'],
  ...GOVERNANCE_ACTION_INPUTS,
  ...AVAILABILITY_ACTION_INPUTS,
};

export const AWS_SERVICE_RESOURCE_TYPES = [...new Set(Object.values(SERVICE_ACTION_INPUTS).flat())];

/** Root element of each XML-protocol (Query, REST-XML) reply; every other operation here answers a JSON object. */
const XML_ROOT: Record<string, string> = {
  'rds:DescribeDBInstances': 'DescribeDBInstancesResponse',
  'rds:DescribeDBClusters': 'DescribeDBClustersResponse',
  's3:ListAllMyBuckets': 'ListAllMyBucketsResult',
  's3:GetBucketTagging': 'Tagging',
  's3:GetBucketVersioning': 'VersioningConfiguration',
  's3:GetAccountPublicAccessBlock': 'PublicAccessBlockConfiguration',
  'ec2:DescribeSecurityGroups': 'DescribeSecurityGroupsResponse',
  'ec2:GetEbsEncryptionByDefault': 'GetEbsEncryptionByDefaultResponse',
  ...GOVERNANCE_XML_ROOT,
  ...AVAILABILITY_XML_ROOT,
};

export { LOOKUP_EVENTS_PER_SECOND, DEFAULT_PER_SECOND, CLOUDTRAIL_DELIVERY_LAG_MS, LOOKUP_WINDOW_MS, BACKUP_JOB_WINDOW_MS, MAX_PAGES, LOOKUP_STREAMS, dayFloor, dayCeil } from './service-reader.js';
export type { ServicesOptions, ServicesPart, Reader } from './service-reader.js';

export async function collectServices(ctx: CollectContext, o: ServicesOptions): Promise<ServicesPart> {
  const { scope: account, clock, logger, signal } = ctx;
  const resources: Resource[] = [];
  const artifacts: Artifact[] = [];
  const errors: CollectionError[] = [];
  const inputs: Snapshot['inputs'] = {};
  const metrics: Record<string, number> = { lookupEventsCalls: 0, eventsRead: 0, throttled: 0, regions: 0 };
  let apiCalls = 0;
  let minApiCalls = 0;
  const clients: AnyClient[] = [];
  const seenEvents = new Set<string>();

  const rd: Reader = {
    account,
    ctx,
    o,
    // one instant for every region, so the declared gaps and cursors of a run agree
    now: clock.now(),
    cursors: {},
    gaps: new Map(),
    metrics,
    client(C, region, extra = {}) {
      const c = new C({ ...o.clientConfig, region, ...extra });
      c.middlewareStack.add(
        (next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
          apiCalls++;
          return next(args).catch((e: unknown) => {
            if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 429 || /Throttl|SlowDown/.test(errorCode(e as { name?: string }))) metrics.throttled!++;
            throw e;
          });
        },
        { step: 'deserialize', priority: 'low', name: 'vigilCount' },
      );
      clients.push(c);
      return c;
    },
    async send<T>(op: string, region: string, c: AnyClient, cmd: unknown, opt: { list?: string; perSecond?: number; absent?: Absent; inputs?: string[] } = {}) {
      await o.limiter.take(`${op.split(':')[0]}:${account}:${region}`, opt.perSecond ?? DEFAULT_PER_SECOND, signal);
      const shape: ReplyShape = XML_ROOT[op] ? { xml: XML_ROOT[op] } : { json: true };
      const r = await awsSend<T>(c, cmd as Parameters<typeof awsSend>[1], { operation: op, shape, ...(signal ? { signal } : {}), ...(ctx.onOperation ? { onOperation: ctx.onOperation } : {}) });
      let err: unknown;
      if (r.ok) {
        try {
          if (opt.list) requireList(op, r.out, opt.list);
          return r.out;
        } catch (e) {
          err = e;
        }
      } else {
        if (opt.absent?.(errorCode(r.err as { name?: string }), r.status, String((r.err as { message?: unknown }).message ?? ''))) return null;
        err = r.err;
      }
      const e = awsCollectionError(op, err, { inputs: opt.inputs ?? SERVICE_ACTION_INPUTS[op] ?? [], where: region, ...(r.status !== undefined ? { status: r.status } : {}) });
      errors.push(e);
      logger.warn({ operation: op, region, code: e.code, cause: e.cause }, 'aws: read failed');
      return undefined;
    },
    malformed(op, region, detail, cause = 'malformed') {
      const e = awsCollectionError(op, new MalformedReplyError(op, detail), { inputs: SERVICE_ACTION_INPUTS[op] ?? [], where: region });
      errors.push(cause === 'incomplete' ? { ...e, cause, code: 'INCOMPLETE', retryable: true } : e);
    },
    res(type, id, name, region, attributes) {
      resources.push({ source: 'aws', scope: account, type, id, name, ...(region ? { region } : {}), attributes, observedAt: clock.now().toISOString() });
    },
    art(label, out) {
      const { $metadata: _m, ...rest } = out as Record<string, unknown>;
      const body = Buffer.from(JSON.stringify(rest), 'utf8');
      artifacts.push({ sha256: createHash('sha256').update(body).digest('hex'), mediaType: 'application/json', size: body.length, label, body });
    },
    mark(type) {
      inputs[type] ??= { observedAt: clock.now().toISOString() };
    },
    count(n = 1) {
      minApiCalls += n;
    },
  };

  try {
    // Regions: configured, or the account's enabled ones. Without the list, no regional type can be complete.
    let regions = o.regions;
    if (!regions) regions = await listRegions(rd);
    metrics.regions = regions?.length ?? 0;
    const trailBuckets = await readTrails(rd);
    if (regions) {
      const regional = { history: true, rdsI: true, rdsC: true, plans: true, prot: true, jobs: true, alarms: true };
      const security: SecurityRegional = { sg: true, ebs: true, guardduty: true, findings: true, securityhub: true, config: true, analyzer: true, kms: true, logs: true, vaults: true, restores: true };
      const availability: AvailabilityRegional = { dynamodb: true, elbv2: true, asg: true };
      await mapBounded(regions, o.regionConcurrency, async (region) => {
        if (!(await readHistory(rd, region, seenEvents))) regional.history = false;
        const ok = await collectRegional(rd, region);
        for (const k of Object.keys(ok) as Array<keyof typeof ok>) if (!ok[k]) regional[k] = false;
        const sec = await collectSecurity(rd, region);
        for (const k of Object.keys(sec) as Array<keyof SecurityRegional>) if (!sec[k]) security[k] = false;
        const av = await collectAvailability(rd, region);
        for (const k of Object.keys(av) as Array<keyof AvailabilityRegional>) if (!av[k]) availability[k] = false;
      });
      for (const [k, t] of Object.entries(SECURITY_REGIONAL_TYPES)) if (security[k as keyof SecurityRegional]) rd.mark(t);
      for (const [k, t] of Object.entries(AVAILABILITY_REGIONAL_TYPES)) if (availability[k as keyof AvailabilityRegional]) rd.mark(t);
      if (regional.history) {
        rd.mark('aws.cloudtrail.history');
        rd.mark('aws.cloudtrail.event');
      }
      const types = { rdsI: 'aws.rds.instance', rdsC: 'aws.rds.cluster', plans: 'aws.backup.plan', prot: 'aws.backup.protected_resource', jobs: 'aws.backup.job', alarms: 'aws.cloudwatch.alarm' } as const;
      for (const [k, t] of Object.entries(types)) if (regional[k as keyof typeof types]) rd.mark(t);
    }
    let owned: Map<string, string> | undefined;
    if (await collectS3(rd, (m) => (owned = m))) rd.mark('aws.s3.bucket');
    await collectGovernance(rd, regions, trailBuckets, owned);
    if (await collectAccountPublicAccessBlock(rd)) rd.mark('aws.s3.account_public_access_block');
    if (await collectHealth(rd)) rd.mark('aws.health.events');
  } finally {
    for (const c of clients) c.destroy();
  }
  return { resources, inputs, artifacts, errors, apiCalls, minApiCalls, cursors: rd.cursors, declaredGaps: [...rd.gaps.values()], metrics };
}

async function listRegions(rd: Reader): Promise<string[] | undefined> {
  const acct = rd.client(AccountClient as never, rd.o.region) as AnyClient;
  const found: string[] = [];
  let token: string | undefined;
  for (let page = 1; ; page++) {
    const r = await rd.send<{ Regions: Array<{ RegionName?: string }>; NextToken?: string }>('account:ListRegions', rd.o.region, acct, new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 50, ...(token ? { NextToken: token } : {}) }), { list: 'Regions' });
    if (!r) return undefined;
    rd.count();
    rd.art(`account:ListRegions#${page}`, r);
    for (const x of r.Regions) {
      if (typeof x.RegionName !== 'string' || x.RegionName === '') return void rd.malformed('account:ListRegions', rd.o.region, 'a region without RegionName');
      found.push(x.RegionName);
    }
    token = r.NextToken;
    if (!token) break;
    if (page >= MAX_PAGES) return void rd.malformed('account:ListRegions', rd.o.region, `more than ${MAX_PAGES} pages`);
  }
  return found.sort();
}

const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Trails: listed once in the home region (multi-region trails show there as shadow trails), each with status and
 * selectors. Returns the buckets they deliver to, or undefined when the listing could not be read.
 */
async function readTrails(rd: Reader): Promise<Set<string> | undefined> {
  const home = rd.o.region;
  const ct = rd.client(CloudTrailClient as never, home) as AnyClient;
  const trails = await rd.send<{ trailList: Array<Record<string, unknown>> }>('cloudtrail:DescribeTrails', home, ct, new DescribeTrailsCommand({ includeShadowTrails: true }), { list: 'trailList' });
  if (!trails) return undefined;
  rd.count();
  rd.art('cloudtrail:DescribeTrails', trails);
  let complete = true;
  const buckets = new Set<string>();
  for (const t of trails.trailList) {
    const arn = str(t.TrailARN);
    const trailHome = str(t.HomeRegion);
    if (!arn || !trailHome || !str(t.Name)) {
      rd.malformed('cloudtrail:DescribeTrails', home, 'a trail without TrailARN, Name or HomeRegion');
      complete = false;
      continue;
    }
    const bucket = str(t.S3BucketName);
    if (bucket) buckets.add(bucket);
    const homeCt = trailHome === home ? ct : (rd.client(CloudTrailClient as never, trailHome) as AnyClient);
    const status = await rd.send<Record<string, unknown>>('cloudtrail:GetTrailStatus', trailHome, homeCt, new GetTrailStatusCommand({ Name: arn }));
    const sel = await rd.send<{ EventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }>; AdvancedEventSelectors?: Array<{ FieldSelectors?: Array<{ Field?: string; Equals?: string[] }> }> }>('cloudtrail:GetEventSelectors', trailHome, homeCt, new GetEventSelectorsCommand({ TrailName: arn }));
    rd.count(2);
    if (status && typeof status.IsLogging !== 'boolean') {
      rd.malformed('cloudtrail:GetTrailStatus', trailHome, `${String(t.Name)}: IsLogging missing`);
      complete = false;
      continue;
    }
    if (sel && !Array.isArray(sel.EventSelectors) && !Array.isArray(sel.AdvancedEventSelectors)) {
      rd.malformed('cloudtrail:GetEventSelectors', trailHome, `${String(t.Name)}: neither EventSelectors nor AdvancedEventSelectors`);
      complete = false;
      continue;
    }
    if (!status || !sel) complete = false;
    if (status) rd.art(`cloudtrail:GetTrailStatus ${String(t.Name)}`, status);
    if (sel) rd.art(`cloudtrail:GetEventSelectors ${String(t.Name)}`, sel);
    rd.res('aws.cloudtrail.trail', arn, String(t.Name), trailHome, {
      // null where DescribeTrails did not say: a rule that needs it is `error` for this trail
      multiRegion: bool(t.IsMultiRegionTrail),
      organization: bool(t.IsOrganizationTrail),
      homeRegion: trailHome,
      logFileValidation: bool(t.LogFileValidationEnabled),
      // absent means "not set" for these two, as DescribeTrails documents
      kmsKeyId: str(t.KmsKeyId),
      cloudWatchLogsGroup: str(t.CloudWatchLogsLogGroupArn),
      logging: status ? status.IsLogging : null,
      latestDeliveryError: status ? str(status.LatestDeliveryError) : null,
      latestCloudWatchLogsDelivery: status?.LatestCloudWatchLogsDeliveryTime instanceof Date ? status.LatestCloudWatchLogsDeliveryTime.toISOString() : null,
      managementEvents: sel ? managementEvents(sel) : null,
      // the bucket the trail delivers to (required by CloudTrail): null is a reply cut short, `error` for row 18
      s3BucketName: bucket,
    });
  }
  if (complete) rd.mark('aws.cloudtrail.trail');
  return buckets;
}

/** One region's event history, incrementally from the cursors; true when every page of both streams was read. */
async function readHistory(rd: Reader, region: string, seen: Set<string>): Promise<boolean> {
  const { now, o, ctx } = rd;
  const rct = rd.client(CloudTrailClient as never, region) as AnyClient;
  const end = new Date(Math.floor((now.getTime() - CLOUDTRAIL_DELIVERY_LAG_MS) / 1000) * 1000);
  // reading starts at the true edge of the window; a declared gap ends at the next whole day, so a run that re-declares it
  // (its cursor lost) names the same span — the few hours both read and declared are claimed by neither twice
  const reach = new Date(now.getTime() - LOOKUP_WINDOW_MS + 60_000);
  const gapTo = dayCeil(reach.getTime()).toISOString();
  let historyOk = true;
  let earliestFrom = end.toISOString();
  let count = 0;
  const events: Array<Record<string, unknown> & { id: string; name: string }> = [];
  for (const [stream, attr] of Object.entries(LOOKUP_STREAMS)) {
    const key = `cloudtrail:${region}:${stream}`;
    const prev = ctx.cursors?.[key];
    let start = prev ? new Date(prev) : reach;
    // what the cursor says if this read fails: history up to here is read or declared, so no span is declared twice
    let accounted = prev;
    if (!prev) {
      const from = o.periodStart ?? dayFloor(now.getTime() - 365 * DAY_MS).toISOString();
      if (Date.parse(from) < reach.getTime()) {
        rd.gaps.set(`ct:${from}:${gapTo}`, { from, to: gapTo, reason: `CloudTrail LookupEvents only returns the last 90 days; history before ${gapTo} was out of reach on the first run` });
        accounted = gapTo;
      }
    } else if (start < reach) {
      rd.gaps.set(`ct:${prev}:${gapTo}`, { from: prev, to: gapTo, reason: `no run read CloudTrail history between ${prev} and ${gapTo}, which LookupEvents no longer returns` });
      start = reach;
      accounted = gapTo;
    }
    if (start.toISOString() < earliestFrom) earliestFrom = start.toISOString();
    let token: string | undefined;
    let ok = true;
    let pages = 0;
    do {
      rd.metrics.lookupEventsCalls!++;
      const r = await rd.send<{ Events: CtEvent[]; NextToken?: string }>('cloudtrail:LookupEvents', region, rct, new LookupEventsCommand({ LookupAttributes: [attr], StartTime: start, EndTime: end, MaxResults: 50, ...(token ? { NextToken: token } : {}) }), { list: 'Events', perSecond: LOOKUP_EVENTS_PER_SECOND });
      if (!r) {
        ok = false;
        break;
      }
      pages++;
      rd.art(`cloudtrail:LookupEvents ${region} ${stream}#${pages}`, r);
      for (const e of r.Events) {
        const ev = eventAttributes(e);
        if (typeof ev === 'string') {
          rd.malformed('cloudtrail:LookupEvents', region, ev);
          ok = false;
          break;
        }
        count++;
        events.push(ev);
      }
      token = r.NextToken;
      if (ok && token && pages >= MAX_PAGES) {
        rd.malformed('cloudtrail:LookupEvents', region, `more than ${MAX_PAGES} pages of ${stream} events`, 'incomplete');
        ok = false;
      }
    } while (ok && token);
    rd.count(Math.max(1, pages));
    // the cursor only moves when the whole window was read; a failed read is retried from the same place next run
    if (ok) rd.cursors[key] = end.toISOString();
    else {
      historyOk = false;
      if (accounted) rd.cursors[key] = accounted;
    }
  }
  rd.metrics.eventsRead! += count;
  if (!historyOk) return false;
  for (const ev of events) {
    const id = `arn:aws:cloudtrail:${region}:${rd.account}:event/${String(ev.eventId)}`;
    if (seen.has(id)) continue; // the two streams overlap on root writes
    seen.add(id);
    rd.res('aws.cloudtrail.event', id, ev.name, region, ev);
  }
  rd.res('aws.cloudtrail.history', `arn:aws:cloudtrail:${region}:${rd.account}:event-history`, `event-history/${region}`, region, { from: earliestFrom, to: end.toISOString(), eventsRead: count, streams: Object.keys(LOOKUP_STREAMS) });
  return true;
}

/** An event's attributes, or why it cannot be judged: the rules read who acted (in the CloudTrailEvent JSON) and when. */
function eventAttributes(e: CtEvent): (Record<string, unknown> & { id: string; name: string }) | string {
  if (!e.EventId || !e.EventName || !(e.EventTime instanceof Date)) return 'an event without EventId, EventName or EventTime';
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(e.CloudTrailEvent ?? '') as Record<string, unknown>;
  } catch (err) {
    // The parser's own words say where the document breaks (cut short, a stray byte): keep them in the recorded error.
    return `event ${e.EventId}: CloudTrailEvent is not JSON (${(err as Error).message.slice(0, 120)})`;
  }
  if (!detail || typeof detail !== 'object' || !detail.userIdentity || typeof detail.userIdentity !== 'object' || !str((detail.userIdentity as Record<string, unknown>).type)) return `event ${e.EventId}: CloudTrailEvent without userIdentity.type`;
  const ui = detail.userIdentity as Record<string, unknown>;
  const extra = (detail.additionalEventData ?? {}) as Record<string, unknown>;
  const resp = (detail.responseElements ?? {}) as Record<string, unknown>;
  return {
    id: e.EventId,
    name: e.EventName,
    eventId: e.EventId,
    eventName: e.EventName,
    eventSource: e.EventSource ?? null,
    eventTime: e.EventTime.toISOString(),
    readOnly: e.ReadOnly === 'true',
    userType: str(ui.type),
    userName: e.Username ?? null,
    mfaUsed: extra.MFAUsed === undefined ? null : extra.MFAUsed === 'Yes',
    loginOutcome: str(resp.ConsoleLogin),
    target: e.Resources?.[0]?.ResourceName ?? null,
    sourceIp: str(detail.sourceIPAddress),
  };
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
