// The emulator's non-IAM services, each in the wire protocol the current SDK speaks: CloudTrail and Organizations
// (JSON 1.1), CloudWatch (JSON 1.0, query-compatible), RDS (Query/XML), Backup and Account (REST-JSON), S3 (REST-XML).
import { cloudtrail } from './cloudtrail.js';
import { ServiceError, input, page, secs, type ServiceReply, type ServiceRequest, type ServiceState } from './service-protocol.js';
import { el, esc } from './xml.js';
import { SECURITY_SERVICES, S3_CONTROL_PREFIX, ec2Error, handleSecurity, s3Control, s3ControlError, securityActionOf } from './security.js';
import { GOVERNANCE_S3_QUERY, getAlternateContact, governanceS3, governanceS3Action, listInstances } from './governance.js';
import { health } from './health.js';
import { RECOVERY_POINTS_PATH, VAULT_POLICY_PATH, backupVaultRead } from './backup-vaults.js';
import { RESTORE_JOBS_PATH, listRestoreJobs } from './restore-jobs.js';
import { AVAILABILITY_SERVICES, QUERY_XML_SERVICES, availabilityActionOf, handleAvailability, queryError } from './availability.js';
import { bucketNameOf, deleteObject, getObject, getObjectLockConfiguration, getObjectRetention, headObject, putObject, s3ObjectAction } from './s3-objects.js';

/** Dispatches a request to its service; `action` names the operation for the call log and fault injection. */
export function actionOf(r: ServiceRequest): string {
  if (SECURITY_SERVICES.has(r.service)) return securityActionOf(r);
  if (AVAILABILITY_SERVICES.has(r.service)) return availabilityActionOf(r);
  if (r.service === 's3' && r.path.startsWith(S3_CONTROL_PREFIX)) return r.path === `${S3_CONTROL_PREFIX}configuration/publicAccessBlock` && r.method === 'GET' ? 'GetPublicAccessBlock' : '';
  if (r.target) return r.target.slice(r.target.lastIndexOf('.') + 1);
  if (r.service === 'rds') return new URLSearchParams(r.body.toString('utf8')).get('Action') ?? r.query.get('Action') ?? '';
  if (r.service === 'backup') {
    if (r.path === '/backup/plans' || r.path === '/backup/plans/') return 'ListBackupPlans';
    if (/^\/backup\/plans\/[^/]+\/selections\/?$/.test(r.path)) return 'ListBackupSelections';
    if (/^\/backup\/plans\/[^/]+\/?$/.test(r.path)) return 'GetBackupPlan';
    if (r.path.startsWith('/backup-jobs')) return 'ListBackupJobs';
    if (RESTORE_JOBS_PATH.test(r.path)) return 'ListRestoreJobs';
    if (/^\/backup-vaults\/?$/.test(r.path)) return 'ListBackupVaults';
    if (VAULT_POLICY_PATH.test(r.path)) return 'GetBackupVaultAccessPolicy';
    if (RECOVERY_POINTS_PATH.test(r.path)) return 'ListRecoveryPointsByBackupVault';
    if (r.path.startsWith('/resources')) return 'ListProtectedResources';
    return '';
  }
  if (r.service === 'account') return r.path === '/listRegions' ? 'ListRegions' : r.path === '/getAlternateContact' ? 'GetAlternateContact' : '';
  if (r.service === 's3') {
    const parts = r.path.split('/').filter(Boolean);
    if (parts.length === 0) return 'ListBuckets';
    if (parts.length > 1) return s3ObjectAction(r.method, r.query);
    if (r.query.has('object-lock') && r.method === 'GET') return 'GetObjectLockConfiguration';
    if (r.query.has('tagging')) return 'GetBucketTagging';
    if (r.query.has('versioning')) return 'GetBucketVersioning';
    if (GOVERNANCE_S3_QUERY.some((k) => r.query.has(k))) return governanceS3Action(r.query, r.method);
    return '';
  }
  return '';
}

export function handleService(r: ServiceRequest, action: string, st: ServiceState, lookups: Map<string, number[]>): ServiceReply {
  if (SECURITY_SERVICES.has(r.service)) return handleSecurity(r, action, st);
  if (AVAILABILITY_SERVICES.has(r.service)) return handleAvailability(r, action, st);
  if (r.service === 's3' && r.path.startsWith(S3_CONTROL_PREFIX)) return s3Control(r, st);
  switch (r.service) {
    case 'cloudtrail':
      return json11(action, cloudtrail(r, action, st, lookups));
    case 'organizations':
      return json11(action, organizations(r, action, st));
    case 'health':
      return json11(action, health(r, action, st));
    case 'monitoring':
      return { action, status: 200, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(cloudwatch(r, action, st)) };
    case 'rds':
      return { action, status: 200, contentType: 'text/xml', body: rds(r, action, st) };
    case 'backup':
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(backup(r, action, st)) };
    case 'sso':
      if (action !== 'ListInstances') throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
      return listInstances(r, st.services(r.account));
    case 'account':
      if (action === 'GetAlternateContact') return { action, status: 200, contentType: 'application/json', body: JSON.stringify(getAlternateContact(r, st.services(r.account))) };
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(account(r, action, st)) };
    case 's3':
      return s3(r, action, st);
    default:
      throw new ServiceError(400, 'UnknownService', `This emulator does not serve ${r.service}`);
  }
}

/** The error body each protocol uses, so the SDK maps it to the right exception name. */
export function renderServiceError(service: string, e: ServiceError, requestId: string, path = ''): { contentType: string; body: string; headers: Record<string, string> } {
  if (service === 'ec2') return { contentType: 'text/xml;charset=UTF-8', headers: {}, body: ec2Error(e.code, e.message, requestId) };
  if (service === 's3' && path.startsWith(S3_CONTROL_PREFIX)) return { contentType: 'application/xml', headers: {}, body: s3ControlError(e.code, e.message, requestId) };
  const headers: Record<string, string> = { 'x-amzn-ErrorType': e.code };
  if (e.retryAfterS !== undefined) headers['Retry-After'] = String(e.retryAfterS);
  if (QUERY_XML_SERVICES.has(service)) return { contentType: 'text/xml', headers, body: queryError(service, e.code, e.message, requestId) };
  if (service === 's3') {
    return { contentType: 'application/xml', headers: {}, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message>${bucketNameOf(e)}<RequestId>${requestId}</RequestId></Error>` };
  }
  if (service === 'monitoring') headers['x-amzn-query-error'] = `${e.code};Sender`;
  const type = service === 'monitoring' ? `com.amazonaws.cloudwatch#${e.code}` : service === 'dynamodb' ? `com.amazonaws.dynamodb.v20120810#${e.code}` : e.code;
  return { contentType: service === 'monitoring' || service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/json', headers, body: JSON.stringify({ __type: type, message: e.message, Message: e.message }) };
}

function json11(action: string, out: unknown): ServiceReply {
  return { action, status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(out) };
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
      MetricName: a.metric?.name ?? 'CPUUtilization',
      Namespace: a.metric?.namespace ?? 'AWS/RDS',
      Dimensions: Object.entries(a.metric?.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
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
    case 'ListBackupVaults': {
      const p = page(s.backupVaults.filter((v) => v.region === r.region), q.get('nextToken'), max);
      return {
        BackupVaultList: p.items.map((v) => ({
          BackupVaultName: v.name,
          BackupVaultArn: `arn:aws:backup:${r.region}:${r.account}:backup-vault:${v.name}`,
          VaultType: 'BACKUP_VAULT',
          VaultState: 'AVAILABLE',
          CreationDate: secs('2023-01-01T00:00:00Z'),
          EncryptionKeyArn: `arn:aws:kms:${r.region}:${r.account}:key/${v.name === 'Default' ? 'aws-backup' : 'prod'}-0000-1111-2222-333344445555`,
          CreatorRequestId: v.name,
          NumberOfRecoveryPoints: v.recoveryPoints,
          Locked: v.locked,
          ...(v.minRetentionDays !== undefined ? { MinRetentionDays: v.minRetentionDays, MaxRetentionDays: 3650, LockDate: secs('2024-01-04T00:00:00Z') } : {}),
        })),
        ...(p.next ? { NextToken: p.next } : {}),
      };
    }
    case 'GetBackupVaultAccessPolicy':
    case 'ListRecoveryPointsByBackupVault':
      return backupVaultRead(r, action, s);
    case 'ListRestoreJobs':
      return listRestoreJobs(r, s.restoreJobs);
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

function s3(r: ServiceRequest, action: string, st: ServiceState): ServiceReply {
  const s = st.services(r.account);
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  const xml = (body: string): ServiceReply => ({ action, status: 200, contentType: 'application/xml', body });
  if (action === 'ListBuckets') {
    return xml(`${head}<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>${'ab'.repeat(32)}</ID></Owner><Buckets>${s.buckets
      .map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', new Date(b.created).toISOString())}${el('BucketRegion', b.region)}</Bucket>`)
      .join('')}</Buckets></ListAllMyBucketsResult>`);
  }
  const [bucketPart, ...keyParts] = r.path.split('/').filter(Boolean);
  const name = decodeURIComponent(bucketPart ?? '');
  const b = s.buckets.find((x) => x.name === name);
  if (!b) throw new ServiceError(404, 'NoSuchBucket', 'The specified bucket does not exist');
  if (b.region !== r.region) throw new ServiceError(301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.');
  if (action === 'GetBucketTagging') {
    const t = Object.entries(b.tags);
    if (t.length === 0) throw new ServiceError(404, 'NoSuchTagSet', 'The TagSet does not exist');
    return xml(`${head}<Tagging xmlns="${S3_NS}"><TagSet>${t.map(([k, v]) => `<Tag>${el('Key', k)}${el('Value', v)}</Tag>`).join('')}</TagSet></Tagging>`);
  }
  if (action === 'GetBucketVersioning') return xml(`${head}<VersioningConfiguration xmlns="${S3_NS}">${b.versioning ? el('Status', b.versioning) : ''}${b.protection?.mfaDelete ? el('MfaDelete', b.protection.mfaDelete) : ''}</VersioningConfiguration>`);
  if (action === 'GetBucketPolicyStatus' || action === 'GetBucketAcl' || action === 'GetBucketLogging') return governanceS3(action, b, r.account);
  if (action === 'GetObjectLockConfiguration') return getObjectLockConfiguration(b);
  // r.path is already decoded once by the router; keys keep their slashes.
  const key = keyParts.join('/');
  const now = st.now();
  if (action === 'PutObject') return putObject(r, b, key, now);
  if (action === 'HeadObject') return headObject(r, b, key);
  if (action === 'GetObject') return getObject(r, b, key);
  if (action === 'GetObjectRetention') return getObjectRetention(r, b, key);
  if (action === 'DeleteObject') return deleteObject(r, b, key, now);
  throw new ServiceError(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
}
