// The emulator's non-IAM services, each in the wire protocol the current SDK speaks: CloudTrail and Organizations
// (JSON 1.1), CloudWatch (JSON 1.0, query-compatible), RDS (Query/XML), Backup and Account (REST-JSON), S3 (REST-XML).
import type { AccountServices, EmuAccountMeta } from './services-estate.js';
import { el, esc } from './xml.js';

export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export interface ServiceRequest {
  service: string;
  region: string;
  account: string;
  method: string;
  path: string;
  query: URLSearchParams;
  target: string;
  body: Buffer;
}

export interface ServiceReply {
  action: string;
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface OrgAccount {
  id: string;
  meta: EmuAccountMeta;
}

export interface ServiceState {
  services(account: string): AccountServices;
  /** Organization members, management first; undefined = the caller's account is in no organization. */
  organization(): { managementId: string; accounts: OrgAccount[] } | undefined;
  now(): Date;
  /** LookupEvents per second per account and region (the published limit is 2). */
  lookupEventsPerSecond: number;
}

const LOOKUP_WINDOW_MS = 90 * 86_400_000;
const secs = (iso: string): number => Date.parse(iso) / 1000;

/** Dispatches a request to its service; `action` names the operation for the call log and fault injection. */
export function actionOf(r: ServiceRequest): string {
  if (r.target) return r.target.slice(r.target.lastIndexOf('.') + 1);
  if (r.service === 'rds') return new URLSearchParams(r.body.toString('utf8')).get('Action') ?? r.query.get('Action') ?? '';
  if (r.service === 'backup') {
    if (r.path === '/backup/plans' || r.path === '/backup/plans/') return 'ListBackupPlans';
    if (/^\/backup\/plans\/[^/]+\/selections\/?$/.test(r.path)) return 'ListBackupSelections';
    if (/^\/backup\/plans\/[^/]+\/?$/.test(r.path)) return 'GetBackupPlan';
    if (r.path.startsWith('/backup-jobs')) return 'ListBackupJobs';
    if (r.path.startsWith('/resources')) return 'ListProtectedResources';
    return '';
  }
  if (r.service === 'account') return r.path === '/listRegions' ? 'ListRegions' : '';
  if (r.service === 's3') {
    const parts = r.path.split('/').filter(Boolean);
    if (parts.length === 0) return 'ListBuckets';
    if (r.query.has('tagging')) return 'GetBucketTagging';
    if (r.query.has('versioning')) return 'GetBucketVersioning';
    return '';
  }
  return '';
}

export function handleService(r: ServiceRequest, action: string, st: ServiceState, lookups: Map<string, number[]>): ServiceReply {
  switch (r.service) {
    case 'cloudtrail':
      return json11(action, cloudtrail(r, action, st, lookups));
    case 'organizations':
      return json11(action, organizations(r, action, st));
    case 'monitoring':
      return { action, status: 200, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(cloudwatch(r, action, st)) };
    case 'rds':
      return { action, status: 200, contentType: 'text/xml', body: rds(r, action, st) };
    case 'backup':
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(backup(r, action, st)) };
    case 'account':
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(account(r, action, st)) };
    case 's3':
      return { action, status: 200, contentType: 'application/xml', body: s3(r, action, st) };
    default:
      throw new ServiceError(400, 'UnknownService', `This emulator does not serve ${r.service}`);
  }
}

/** The error body each protocol uses, so the SDK maps it to the right exception name. */
export function renderServiceError(service: string, e: ServiceError, requestId: string): { contentType: string; body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'x-amzn-ErrorType': e.code };
  if (e.retryAfterS !== undefined) headers['Retry-After'] = String(e.retryAfterS);
  if (service === 'rds') {
    return { contentType: 'text/xml', headers, body: `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n` };
  }
  if (service === 's3') {
    return { contentType: 'application/xml', headers: {}, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message><RequestId>${requestId}</RequestId></Error>` };
  }
  if (service === 'monitoring') headers['x-amzn-query-error'] = `${e.code};Sender`;
  const type = service === 'monitoring' ? `com.amazonaws.cloudwatch#${e.code}` : e.code;
  return { contentType: service === 'monitoring' ? 'application/x-amz-json-1.0' : 'application/json', headers, body: JSON.stringify({ __type: type, message: e.message, Message: e.message }) };
}

function json11(action: string, out: unknown): ServiceReply {
  return { action, status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(out) };
}

function input(r: ServiceRequest): Record<string, unknown> {
  if (r.body.length === 0) return {};
  try {
    return JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ServiceError(400, 'SerializationException', 'Could not parse the request body as JSON');
  }
}

function page<T>(items: T[], token: unknown, max: number): { items: T[]; next?: string } {
  const off = typeof token === 'string' && token !== '' ? Number(Buffer.from(token, 'base64').toString('utf8').split(':')[1]) : 0;
  if (!Number.isInteger(off) || off < 0) throw new ServiceError(400, 'InvalidNextTokenException', 'Invalid NextToken');
  const slice = items.slice(off, off + max);
  return off + max < items.length ? { items: slice, next: Buffer.from(`p:${off + max}:vigil`).toString('base64') } : { items: slice };
}

// ---- CloudTrail -------------------------------------------------------------------------------------------------

function trailArn(region: string, account: string, name: string): string {
  return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
}

function cloudtrail(r: ServiceRequest, action: string, st: ServiceState, lookups: Map<string, number[]>): unknown {
  const s = st.services(r.account);
  const inp = input(r);
  const findTrail = (name: unknown) => {
    const n = String(name ?? '');
    const t = s.trails.find((x) => x.name === n || trailArn(x.homeRegion, r.account, x.name) === n);
    if (!t) throw new ServiceError(400, 'TrailNotFoundException', `Unknown trail: ${n} for the user: ${r.account}`);
    return t;
  };
  switch (action) {
    case 'DescribeTrails': {
      const shadow = inp.includeShadowTrails !== false;
      const list = s.trails.filter((t) => t.homeRegion === r.region || (shadow && t.multiRegion));
      return {
        trailList: list.map((t) => ({
          Name: t.name,
          S3BucketName: `cloudtrail-${r.account}`,
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: t.multiRegion,
          HomeRegion: t.homeRegion,
          TrailARN: trailArn(t.homeRegion, r.account, t.name),
          LogFileValidationEnabled: t.logFileValidation,
          ...(t.kmsKeyId ? { KmsKeyId: t.kmsKeyId } : {}),
          ...(t.cloudWatchLogsDelivery ? { CloudWatchLogsLogGroupArn: `arn:aws:logs:${t.homeRegion}:${r.account}:log-group:cloudtrail:*` } : {}),
          HasCustomEventSelectors: t.selectors !== 'all',
          HasInsightSelectors: false,
          IsOrganizationTrail: t.organization,
        })),
      };
    }
    case 'GetTrailStatus': {
      const t = findTrail(inp.Name);
      const now = st.now();
      return {
        IsLogging: t.logging,
        LatestDeliveryTime: now.getTime() / 1000 - 300,
        ...(t.latestDeliveryError ? { LatestDeliveryError: t.latestDeliveryError } : {}),
        ...(t.cloudWatchLogsDelivery ? { LatestCloudWatchLogsDeliveryTime: secs(t.cloudWatchLogsDelivery) } : {}),
        StartLoggingTime: now.getTime() / 1000 - 86_400 * 400,
      };
    }
    case 'GetEventSelectors': {
      const t = findTrail(inp.TrailName);
      return {
        TrailARN: trailArn(t.homeRegion, r.account, t.name),
        EventSelectors: [{ ReadWriteType: t.selectors === 'write' ? 'WriteOnly' : 'All', IncludeManagementEvents: t.selectors !== 'none', DataResources: [], ExcludeManagementEventSources: [] }],
      };
    }
    case 'LookupEvents':
      return lookupEvents(r, inp, st, lookups);
    default:
      throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
  }
}

function lookupEvents(r: ServiceRequest, inp: Record<string, unknown>, st: ServiceState, lookups: Map<string, number[]>): unknown {
  // The published limit: 2 requests per second per account per region; beyond it, ThrottlingException.
  const key = `${r.account}/${r.region}`;
  const t = Date.now();
  const recent = (lookups.get(key) ?? []).filter((x) => x > t - 1000);
  if (recent.length >= st.lookupEventsPerSecond) {
    lookups.set(key, recent);
    throw new ServiceError(400, 'ThrottlingException', 'Rate exceeded', 1);
  }
  recent.push(t);
  lookups.set(key, recent);

  const attrs = (inp.LookupAttributes as Array<{ AttributeKey?: string; AttributeValue?: string }> | undefined) ?? [];
  if (attrs.length > 1) throw new ServiceError(400, 'InvalidLookupAttributesException', 'You can only specify one lookup attribute.');
  const max = inp.MaxResults === undefined ? 50 : Number(inp.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 50) throw new ServiceError(400, 'InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
  const now = st.now().getTime();
  const start = Math.max(inp.StartTime === undefined ? 0 : Number(inp.StartTime) * 1000, now - LOOKUP_WINDOW_MS);
  const end = inp.EndTime === undefined ? now : Number(inp.EndTime) * 1000;
  if (end < start && inp.StartTime !== undefined && Number(inp.StartTime) * 1000 > end) throw new ServiceError(400, 'InvalidTimeRangeException', 'StartTime must be before EndTime.');
  const a = attrs[0];
  const match = (e: AccountServices['events'][number]): boolean => {
    if (!a) return true;
    switch (a.AttributeKey) {
      case 'EventName':
        return e.name === a.AttributeValue;
      case 'EventSource':
        return e.source === a.AttributeValue;
      case 'ReadOnly':
        return String(e.readOnly) === a.AttributeValue;
      case 'Username':
        return e.userName === a.AttributeValue;
      case 'EventId':
        return e.id === a.AttributeValue;
      default:
        throw new ServiceError(400, 'InvalidLookupAttributesException', `Unsupported lookup attribute ${a.AttributeKey}`);
    }
  };
  const events = st
    .services(r.account)
    .events.filter((e) => e.region === r.region && match(e))
    .filter((e) => {
      const x = Date.parse(e.time);
      return x >= start && x <= end && x <= now;
    })
    .sort((x, y) => (x.time < y.time ? 1 : x.time > y.time ? -1 : x.id < y.id ? -1 : 1)); // newest first, as CloudTrail
  const p = page(events, inp.NextToken, max);
  return {
    Events: p.items.map((e) => ({
      EventId: e.id,
      EventName: e.name,
      ReadOnly: String(e.readOnly),
      EventTime: secs(e.time),
      EventSource: e.source,
      Username: e.userName,
      Resources: e.target ? [{ ResourceType: e.source === 'cloudtrail.amazonaws.com' ? 'AWS::CloudTrail::Trail' : 'AWS::IAM::User', ResourceName: e.target }] : [],
      CloudTrailEvent: JSON.stringify({
        eventVersion: '1.09',
        userIdentity: e.userType === 'Root' ? { type: 'Root', principalId: r.account, arn: `arn:aws:iam::${r.account}:root`, accountId: r.account } : { type: e.userType, arn: `arn:aws:iam::${r.account}:user/${e.userName}`, accountId: r.account, userName: e.userName },
        eventTime: e.time,
        eventSource: e.source,
        eventName: e.name,
        awsRegion: e.region,
        sourceIPAddress: '198.51.100.7',
        ...(e.outcome ? { responseElements: { ConsoleLogin: e.outcome } } : {}),
        ...(e.mfaUsed !== undefined ? { additionalEventData: { MFAUsed: e.mfaUsed ? 'Yes' : 'No', LoginTo: 'https://console.aws.amazon.com/' } } : {}),
        eventID: e.id,
        readOnly: e.readOnly,
        eventType: e.name === 'ConsoleLogin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: r.account,
      }),
    })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
}

// ---- Organizations ----------------------------------------------------------------------------------------------

function organizations(r: ServiceRequest, action: string, st: ServiceState): unknown {
  if (action !== 'ListAccounts') throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
  const org = st.organization();
  if (!org) throw new ServiceError(400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  if (r.account !== org.managementId) throw new ServiceError(400, 'AccessDeniedException', 'You don\'t have permissions to access this resource.');
  const p = page(org.accounts, input(r).NextToken, Math.min(20, Number(input(r).MaxResults ?? 20)));
  return {
    Accounts: p.items.map((a) => ({
      Id: a.id,
      Arn: `arn:aws:organizations::${org.managementId}:account/o-vigil0emu/${a.id}`,
      Email: a.meta.email,
      Name: a.meta.name,
      Status: a.meta.status,
      State: a.meta.status,
      JoinedMethod: a.id === org.managementId ? 'CREATED' : 'INVITED',
      JoinedTimestamp: Date.parse('2021-01-01T00:00:00Z') / 1000,
    })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
}

// ---- CloudWatch (JSON 1.0) --------------------------------------------------------------------------------------

function cloudwatch(r: ServiceRequest, action: string, st: ServiceState): unknown {
  if (action !== 'DescribeAlarms') throw new ServiceError(400, 'InvalidAction', `Unknown operation ${action}`);
  const inp = input(r);
  const alarms = st.services(r.account).alarms.filter((a) => a.region === r.region);
  const p = page(alarms, inp.NextToken, Number(inp.MaxRecords ?? 100));
  return {
    MetricAlarms: p.items.map((a) => ({
      AlarmName: a.name,
      AlarmArn: `arn:aws:cloudwatch:${r.region}:${r.account}:alarm:${a.name}`,
      ActionsEnabled: a.actionsEnabled,
      AlarmActions: a.alarmActions,
      OKActions: [],
      InsufficientDataActions: [],
      StateValue: a.state,
      StateReason: 'emulated',
      StateUpdatedTimestamp: secs(a.stateUpdated),
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/RDS',
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
    })),
    CompositeAlarms: [],
    ...(p.next ? { NextToken: p.next } : {}),
  };
}

// ---- RDS (Query/XML) --------------------------------------------------------------------------------------------

const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

function tagList(tags: Record<string, string>): string {
  const t = Object.entries(tags);
  return t.length === 0 ? '<TagList/>' : `<TagList>${t.map(([k, v]) => `<Tag>${el('Key', k)}${el('Value', v)}</Tag>`).join('')}</TagList>`;
}

function rds(r: ServiceRequest, action: string, st: ServiceState): string {
  const params = new URLSearchParams(r.body.toString('utf8'));
  if (params.get('Version') !== '2014-10-31') throw new ServiceError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? '(none)'}`);
  const s = st.services(r.account);
  const marker = params.get('Marker');
  const max = Number(params.get('MaxRecords') ?? 100);
  if (!Number.isInteger(max) || max < 20 || max > 100) throw new ServiceError(400, 'InvalidParameterValue', 'Invalid value for MaxRecords. Must be between 20 and 100');
  const requestId = 'emu-' + Date.now().toString(36);
  let inner: string;
  if (action === 'DescribeDBInstances') {
    const p = page(s.dbInstances.filter((d) => d.region === r.region), marker, max);
    inner =
      '<DBInstances>' +
      p.items
        .map(
          (d) =>
            `<DBInstance>${el('DBInstanceIdentifier', d.id)}${el('DBInstanceArn', `arn:aws:rds:${r.region}:${r.account}:db:${d.id}`)}${el('Engine', d.engine)}${el('DBInstanceStatus', 'available')}` +
            `${el('BackupRetentionPeriod', d.backupRetention)}${el('MultiAZ', d.multiAz)}${el('DeletionProtection', d.deletionProtection)}${el('StorageEncrypted', d.encrypted)}${el('PubliclyAccessible', d.public)}` +
            `${d.clusterId ? el('DBClusterIdentifier', d.clusterId) : ''}${el('AvailabilityZone', `${r.region}a`)}${tagList(d.tags)}</DBInstance>`,
        )
        .join('') +
      '</DBInstances>' +
      (p.next ? el('Marker', p.next) : '');
  } else if (action === 'DescribeDBClusters') {
    const p = page(s.dbClusters.filter((d) => d.region === r.region), marker, max);
    inner =
      '<DBClusters>' +
      p.items
        .map(
          (d) =>
            `<DBCluster>${el('DBClusterIdentifier', d.id)}${el('DBClusterArn', `arn:aws:rds:${r.region}:${r.account}:cluster:${d.id}`)}${el('Engine', d.engine)}${el('Status', 'available')}` +
            `${el('BackupRetentionPeriod', d.backupRetention)}${el('MultiAZ', d.multiAz)}${el('DeletionProtection', d.deletionProtection)}${el('StorageEncrypted', d.encrypted)}${tagList(d.tags)}</DBCluster>`,
        )
        .join('') +
      '</DBClusters>' +
      (p.next ? el('Marker', p.next) : '');
  } else throw new ServiceError(400, 'InvalidAction', `Could not find operation ${action} for version 2014-10-31`);
  return `<${action}Response xmlns="${RDS_NS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
}

// ---- Backup (REST-JSON) -----------------------------------------------------------------------------------------

function backup(r: ServiceRequest, action: string, st: ServiceState): unknown {
  const s = st.services(r.account);
  const q = r.query;
  const max = Number(q.get('maxResults') ?? 1000);
  const arnOf = (id: string) => `arn:aws:backup:${r.region}:${r.account}:backup-plan:${id}`;
  const plans = s.backupPlans.filter((p) => p.region === r.region);
  const planOf = (): (typeof plans)[number] => {
    const id = decodeURIComponent(r.path.split('/')[3] ?? '');
    const p = plans.find((x) => x.id === id);
    if (!p) throw new ServiceError(404, 'ResourceNotFoundException', `Failed reading Backup plan with provided version`);
    return p;
  };
  switch (action) {
    case 'ListBackupPlans': {
      const p = page(plans, q.get('nextToken'), max);
      return { BackupPlansList: p.items.map((x) => ({ BackupPlanId: x.id, BackupPlanArn: arnOf(x.id), BackupPlanName: x.name, VersionId: 'v1', CreationDate: Date.parse('2023-01-01T00:00:00Z') / 1000 })), ...(p.next ? { NextToken: p.next } : {}) };
    }
    case 'GetBackupPlan': {
      const x = planOf();
      return {
        BackupPlanId: x.id,
        BackupPlanArn: arnOf(x.id),
        VersionId: 'v1',
        BackupPlan: {
          BackupPlanName: x.name,
          Rules: x.rules.map((ru) => ({ RuleName: ru.name, TargetBackupVaultName: 'Default', ...(ru.schedule ? { ScheduleExpression: ru.schedule } : {}), ...(ru.deleteAfterDays !== undefined ? { Lifecycle: { DeleteAfterDays: ru.deleteAfterDays } } : {}), RuleId: `${x.id}-${ru.name}` })),
        },
      };
    }
    case 'ListBackupSelections': {
      const x = planOf();
      return { BackupSelectionsList: x.selections.map((name, i) => ({ SelectionId: `${x.id}-sel-${i}`, SelectionName: name, BackupPlanId: x.id, IamRoleArn: `arn:aws:iam::${r.account}:role/service-role/AWSBackupDefaultServiceRole` })) };
    }
    case 'ListProtectedResources': {
      const p = page(s.protectedResources.filter((x) => x.region === r.region), q.get('nextToken'), max);
      return { Results: p.items.map((x) => ({ ResourceArn: x.arn, ResourceType: x.type, LastBackupTime: secs(x.lastBackup) })), ...(p.next ? { NextToken: p.next } : {}) };
    }
    case 'ListBackupJobs': {
      // Backup keeps 30 days of job history.
      const now = st.now().getTime();
      const after = Math.max(q.get('completeAfter') ? Date.parse(q.get('completeAfter')!) : 0, now - 30 * 86_400_000);
      const before = q.get('completeBefore') ? Date.parse(q.get('completeBefore')!) : now;
      const jobs = s.backupJobs
        .filter((j) => j.region === r.region && Date.parse(j.completed) >= after && Date.parse(j.completed) < before && (!q.get('state') || j.state === q.get('state')))
        .sort((a, b) => (a.completed < b.completed ? -1 : 1));
      const p = page(jobs, q.get('nextToken'), max);
      return {
        BackupJobs: p.items.map((j) => ({ BackupJobId: j.id, AccountId: r.account, BackupVaultName: 'Default', ResourceArn: j.resourceArn, ResourceType: j.resourceType, State: j.state, CreationDate: secs(j.created), CompletionDate: secs(j.completed), ...(j.message ? { StatusMessage: j.message } : {}) })),
        ...(p.next ? { NextToken: p.next } : {}),
      };
    }
    default:
      throw new ServiceError(404, 'UnknownOperationException', `Unknown operation ${r.method} ${r.path}`);
  }
}

// ---- Account (REST-JSON) ----------------------------------------------------------------------------------------

const ALL_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'af-south-1', 'me-south-1'];

function account(r: ServiceRequest, action: string, st: ServiceState): unknown {
  if (action !== 'ListRegions') throw new ServiceError(404, 'UnknownOperationException', `Unknown operation ${r.method} ${r.path}`);
  const inp = input(r);
  const enabled = new Set(st.services(r.account).regions);
  const want = (inp.RegionOptStatusContains as string[] | undefined) ?? [];
  const regions = ALL_REGIONS.map((name) => ({ RegionName: name, RegionOptStatus: enabled.has(name) ? (['af-south-1', 'me-south-1'].includes(name) ? 'ENABLED' : 'ENABLED_BY_DEFAULT') : 'DISABLED' })).filter((x) => want.length === 0 || want.includes(x.RegionOptStatus));
  const p = page(regions, inp.NextToken, Number(inp.MaxResults ?? 50));
  return { Regions: p.items, ...(p.next ? { NextToken: p.next } : {}) };
}

// ---- S3 (REST-XML) ----------------------------------------------------------------------------------------------

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function s3(r: ServiceRequest, action: string, st: ServiceState): string {
  const s = st.services(r.account);
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (action === 'ListBuckets') {
    return `${head}<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>${'ab'.repeat(32)}</ID></Owner><Buckets>${s.buckets
      .map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', new Date(b.created).toISOString())}${el('BucketRegion', b.region)}</Bucket>`)
      .join('')}</Buckets></ListAllMyBucketsResult>`;
  }
  const name = decodeURIComponent(r.path.split('/').filter(Boolean)[0] ?? '');
  const b = s.buckets.find((x) => x.name === name);
  if (!b) throw new ServiceError(404, 'NoSuchBucket', 'The specified bucket does not exist');
  if (b.region !== r.region) throw new ServiceError(301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.');
  if (action === 'GetBucketTagging') {
    const t = Object.entries(b.tags);
    if (t.length === 0) throw new ServiceError(404, 'NoSuchTagSet', 'The TagSet does not exist');
    return `${head}<Tagging xmlns="${S3_NS}"><TagSet>${t.map(([k, v]) => `<Tag>${el('Key', k)}${el('Value', v)}</Tag>`).join('')}</TagSet></Tagging>`;
  }
  if (action === 'GetBucketVersioning') return `${head}<VersioningConfiguration xmlns="${S3_NS}">${b.versioning ? el('Status', b.versioning) : ''}</VersioningConfiguration>`;
  throw new ServiceError(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
}

