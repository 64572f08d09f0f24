// What an emulated account holds beyond IAM (regions, CloudTrail, RDS, Backup, S3, CloudWatch) and generators for it.
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { emptyGovernance, seedGovernance, type EmuBucketProtection, type EmuGovernance } from './governance-estate.js';
import { seedGuardDutyFindings, type EmuGuardDutyFinding } from './guardduty-estate.js';
import { seedAvailability, type EmuAutoScalingGroup, type EmuDynamoTable, type EmuLoadBalancer } from './availability-estate.js';
import { seedRestoreJobs, type EmuRestoreJob } from './restore-estate.js';

export interface EmuTrail {
  name: string;
  homeRegion: string;
  multiRegion: boolean;
  organization: boolean;
  logging: boolean;
  logFileValidation: boolean;
  kmsKeyId?: string;
  latestDeliveryError?: string;
  /** Last CloudWatch Logs delivery; absent = not integrated with CloudWatch Logs. */
  cloudWatchLogsDelivery?: string;
  /** `all`: read+write management events; `write`: WriteOnly; `none`: management events excluded. */
  selectors: 'all' | 'write' | 'none';
}

export interface EmuEvent {
  id: string;
  time: string;
  name: string;
  source: string;
  region: string;
  readOnly: boolean;
  /** `Root`, `IAMUser`, `AssumedRole`. */
  userType: string;
  userName: string;
  mfaUsed?: boolean;
  /** For ConsoleLogin: Success or Failure. */
  outcome?: string;
  /** Resource named in the request (the user created, the trail stopped). */
  target?: string;
}

export interface EmuDbInstance {
  id: string;
  region: string;
  engine: string;
  backupRetention: number;
  multiAz: boolean;
  deletionProtection: boolean;
  encrypted: boolean;
  public: boolean;
  clusterId?: string;
  tags: Record<string, string>;
}

export interface EmuDbCluster {
  id: string;
  region: string;
  engine: string;
  backupRetention: number;
  multiAz: boolean;
  deletionProtection: boolean;
  encrypted: boolean;
  tags: Record<string, string>;
}

export interface EmuBackupPlan {
  id: string;
  name: string;
  region: string;
  rules: Array<{ name: string; schedule?: string; deleteAfterDays?: number }>;
  selections: string[];
}

export interface EmuBackupJob {
  id: string;
  region: string;
  resourceArn: string;
  resourceType: string;
  state: 'COMPLETED' | 'FAILED' | 'ABORTED' | 'EXPIRED' | 'PARTIAL';
  created: string;
  completed: string;
  message?: string;
}

export interface AccountServices {
  /** Regions enabled for the account (account:ListRegions). */
  regions: string[];
  trails: EmuTrail[];
  /** CloudTrail management events, any order. */
  events: EmuEvent[];
  dbInstances: EmuDbInstance[];
  dbClusters: EmuDbCluster[];
  backupPlans: EmuBackupPlan[];
  protectedResources: Array<{ arn: string; type: string; region: string; lastBackup: string }>;
  backupJobs: EmuBackupJob[];
  buckets: EmuBucket[];
  alarms: Array<{ name: string; region: string; actionsEnabled: boolean; alarmActions: string[]; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; stateUpdated: string; /** what it watches; absent = RDS CPUUtilization without dimensions */ metric?: { namespace: string; name: string; dimensions: Record<string, string> } }>;
  /** Account-level S3 Block Public Access; null = never set (NoSuchPublicAccessBlockConfiguration). */
  publicAccessBlock: { blockPublicAcls: boolean; ignorePublicAcls: boolean; blockPublicPolicy: boolean; restrictPublicBuckets: boolean } | null;
  securityGroups: EmuSecurityGroup[];
  /** Regions where EBS encryption by default is on. */
  ebsDefaultEncryption: string[];
  guardDuty: Array<{ id: string; region: string; status: 'ENABLED' | 'DISABLED' }>;
  /** Regions where Security Hub is enabled (elsewhere DescribeHub answers "not subscribed"). */
  securityHub: string[];
  configRecorders: Array<{ name: string; region: string; allSupported: boolean; includeGlobal: boolean; recording: boolean; lastStatus: 'SUCCESS' | 'FAILURE' | 'PENDING' }>;
  /** Backup vaults; `minRetentionDays` set = Vault Lock applied (with `locked` once its grace period ended). */
  backupVaults: Array<{ name: string; region: string; recoveryPoints: number; locked: boolean; minRetentionDays?: number; /** access policy JSON; absent = none */ policy?: string; /** how many recovery points are unencrypted */ unencrypted?: number }>;
  kmsKeys: Array<{ id: string; region: string; manager: 'AWS' | 'CUSTOMER'; state: 'Enabled' | 'Disabled' | 'PendingDeletion'; spec: 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'HMAC_256'; origin: 'AWS_KMS' | 'EXTERNAL'; rotation: boolean }>;
  /** `retentionDays` absent = never expire (DescribeLogGroups then omits retentionInDays). */
  logGroups: Array<{ name: string; region: string; retentionDays?: number }>;
  analyzers: Array<{ name: string; region: string; type: 'ACCOUNT' | 'ORGANIZATION' | 'ACCOUNT_UNUSED_ACCESS' | 'ORGANIZATION_UNUSED_ACCESS'; status: 'ACTIVE' | 'CREATING' | 'DISABLED' | 'FAILED' }>;
  /** Alternate contacts, SAML/OIDC providers and Identity Center instances (governance.ts). */
  governance: EmuGovernance;
  /** DynamoDB tables, ELBv2 load balancers and Auto Scaling groups (emulator/availability.ts); absent = none. */
  dynamoTables?: EmuDynamoTable[];
  loadBalancers?: EmuLoadBalancer[];
  autoScalingGroups?: EmuAutoScalingGroup[];
  /** GuardDuty findings of the region's detector (emulator/guardduty-findings.ts); absent = none. */
  guardDutyFindings?: EmuGuardDutyFinding[];
  /** AWS Backup restore jobs (restore-jobs.ts); absent = none ever run. */
  restoreJobs?: EmuRestoreJob[];
  /** AWS Health (emulator/health.ts); absent or `subscribed: false` = no support plan that includes the Health API (`emptyServices` gives a plan with no events; tests of the refusal set `subscribed: false`). */
  health?: { subscribed: boolean; events: Array<{ id: string; service: string; typeCode: string; category: 'issue' | 'scheduledChange' | 'accountNotification'; region: string; status: 'open' | 'upcoming' | 'closed'; start: string }> };
}

/** An inbound rule: protocol `tcp`, `udp`, `icmp` or `-1` (all); ports absent for `-1`. */
export interface EmuSecurityGroup {
  id: string;
  name: string;
  region: string;
  vpcId: string;
  ingress: Array<{ protocol: string; from?: number; to?: number; cidrs: string[]; ipv6?: string[] }>;
}

/** One version of an object in an emulated bucket (PutObject, HeadObject, DeleteObject). */
export interface EmuObjectVersion {
  key: string;
  versionId: string;
  body: Buffer;
  contentType: string;
  /** Hex MD5 of the body (S3's ETag for a single-part upload, quoted on the wire). */
  md5: string;
  /** The checksum the upload carried (S3 keeps and returns it with x-amz-checksum-mode: ENABLED). */
  checksum?: { algorithm: string; value: string };
  lastModified: string;
  /** Object Lock retention of this version, if any. */
  lock?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; retainUntil: string };
  /** A delete marker (DeleteObject without a version id on a versioned bucket). */
  deleteMarker?: boolean;
}

/** An emulated bucket. `objectLock` set = created with Object Lock enabled (versioning is then always Enabled). */
export interface EmuBucket {
  name: string;
  region: string;
  created: string;
  tags: Record<string, string>;
  versioning: 'Enabled' | 'Suspended' | null;
  objectLock?: { defaultRetention?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; days: number } };
  /** Every object version, oldest first. */
  objects?: EmuObjectVersion[];
  /** Policy status, ACL, access logging and MFA delete; absent = no policy, private ACL, no logging (governance.ts). */
  protection?: EmuBucketProtection;
}

/** A member of an emulated organization. `role` null = no role Vigil can assume (AssumeRole answers AccessDenied). */
export interface EmuAccountMeta {
  name: string;
  email: string;
  status: 'ACTIVE' | 'SUSPENDED';
  role: { name: string; externalId?: string } | null;
}

export function emptyServices(regions: string[] = ['us-east-1']): AccountServices {
  return { regions, trails: [], events: [], dbInstances: [], dbClusters: [], backupPlans: [], protectedResources: [], backupJobs: [], buckets: [], alarms: [], publicAccessBlock: null, securityGroups: [], ebsDefaultEncryption: [], guardDuty: [], securityHub: [], configRecorders: [], analyzers: [], kmsKeys: [], logGroups: [], backupVaults: [], governance: emptyGovernance(), health: { subscribed: true, events: [] } };
}

const rng = mulberry32;

export interface EventStreamOptions {
  accountId: string;
  /** Events are spread from `from` to `to`. */
  from: Date;
  to: Date;
  /** Events per day on average. @defaultValue 20 */
  perDay?: number;
  regions?: string[];
  seed?: number;
}

/**
 * A CloudTrail management-event stream with a chosen mix: mostly routine writes and reads, some IAM provisioning,
 * console sign-ins (a few without MFA), rare root use and rarer trail tampering.
 */
export function generateEvents(o: EventStreamOptions): EmuEvent[] {
  const r = rng(o.seed ?? 7);
  const regions = o.regions ?? ['us-east-1'];
  const span = o.to.getTime() - o.from.getTime();
  const n = Math.max(0, Math.round(((o.perDay ?? 20) * span) / 86_400_000));
  const out: EmuEvent[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const iamNames = ['CreateUser', 'DeleteUser', 'CreateLoginProfile', 'DeleteLoginProfile', 'CreateAccessKey', 'UpdateAccessKey', 'AttachUserPolicy', 'PutUserPolicy', 'AddUserToGroup', 'UpdateAssumeRolePolicy'];
  const tamper = ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'];
  for (let i = 0; i < n; i++) {
    // second precision, as CloudTrail reports
    const time = new Date(Math.floor((o.from.getTime() + r() * span) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const x = r();
    const user = `user${Math.floor(r() * 40)}`;
    let e: Omit<EmuEvent, 'id' | 'time'>;
    if (x < 0.5) e = { name: pick(['RunInstances', 'CreateBucket', 'PutBucketPolicy', 'CreateDBSnapshot', 'AuthorizeSecurityGroupIngress']), source: 'ec2.amazonaws.com', region: pick(regions), readOnly: false, userType: 'AssumedRole', userName: 'deploy' };
    else if (x < 0.7) e = { name: pick(['DescribeInstances', 'GetBucketAcl', 'ListUsers']), source: 'ec2.amazonaws.com', region: pick(regions), readOnly: true, userType: 'IAMUser', userName: user };
    else if (x < 0.82) e = { name: pick(iamNames), source: 'iam.amazonaws.com', region: 'us-east-1', readOnly: false, userType: 'IAMUser', userName: 'admin', target: user };
    else if (x < 0.95) e = { name: 'ConsoleLogin', source: 'signin.amazonaws.com', region: 'us-east-1', readOnly: false, userType: 'IAMUser', userName: user, mfaUsed: r() < 0.85, outcome: 'Success' };
    else if (x < 0.975) e = r() < 0.5
      ? { name: 'ConsoleLogin', source: 'signin.amazonaws.com', region: 'us-east-1', readOnly: false, userType: 'Root', userName: 'root', mfaUsed: r() < 0.5, outcome: 'Success' }
      : { name: pick(['GetAccountSummary', 'CreateAccessKey']), source: 'iam.amazonaws.com', region: 'us-east-1', readOnly: r() < 0.5, userType: 'Root', userName: 'root' };
    else e = { name: pick(tamper), source: 'cloudtrail.amazonaws.com', region: pick(regions), readOnly: false, userType: 'IAMUser', userName: 'admin', target: 'org-trail' };
    out.push({ id: eventId(o.accountId, o.seed ?? 7, i), time, ...e });
  }
  return out;
}

function eventId(account: string, seed: number, i: number): string {
  const h = (BigInt(account) * 1_000_003n + BigInt(seed) * 7919n + BigInt(i)).toString(16).padStart(32, '0').slice(-32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface ServicesOptions {
  accountId: string;
  now?: Date;
  regions?: string[];
  /** Days of CloudTrail history to generate. @defaultValue 120 */
  historyDays?: number;
  eventsPerDay?: number;
  /** Databases per region. @defaultValue 2 */
  databases?: number;
  seed?: number;
  /** A healthy account passes every availability rule; otherwise a few controls fail. @defaultValue false */
  healthy?: boolean;
}

/** A plausible account: an organization trail, tagged databases (some failing), a backup plan, buckets and alarms. */
export function generateServices(o: ServicesOptions): AccountServices {
  const now = o.now ?? new Date();
  const regions = o.regions ?? ['us-east-1', 'eu-west-1'];
  const r = rng((o.seed ?? 1) * 31 + Number(o.accountId.slice(-4)));
  const healthy = o.healthy ?? false;
  const iso = (msAgo: number): string => new Date(now.getTime() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const DAY = 86_400_000;
  const s = emptyServices(regions);
  s.trails.push({
    name: 'org-trail',
    homeRegion: regions[0]!,
    multiRegion: true,
    organization: false,
    logging: true,
    logFileValidation: true,
    ...(healthy ? { kmsKeyId: `arn:aws:kms:${regions[0]}:${o.accountId}:key/1111aaaa-2222-3333-4444-555566667777` } : {}),
    cloudWatchLogsDelivery: iso(5 * 60_000),
    selectors: 'all',
  });
  s.events = generateEvents({ accountId: o.accountId, from: new Date(now.getTime() - (o.historyDays ?? 120) * DAY), to: new Date(now.getTime() - 20 * 60_000), regions, ...(o.eventsPerDay !== undefined ? { perDay: o.eventsPerDay } : {}), seed: o.seed ?? 1 });
  for (const region of regions) {
    for (let i = 0; i < (o.databases ?? 2); i++) {
      const id = `db-${region}-${i}`;
      const prod = i === 0;
      const weak = !healthy && i === 1;
      s.dbInstances.push({
        id,
        region,
        engine: 'postgres',
        backupRetention: weak ? 1 : 14,
        multiAz: prod || healthy,
        deletionProtection: prod || healthy,
        encrypted: !weak,
        public: false,
        tags: prod ? { env: 'production', 'vigil:critical': 'true' } : { env: 'staging' },
      });
      const arn = `arn:aws:rds:${region}:${o.accountId}:db:${id}`;
      if (prod || healthy) s.protectedResources.push({ arn, type: 'RDS', region, lastBackup: iso(6 * 3600_000) });
    }
    s.dbClusters.push({ id: `aurora-${region}`, region, engine: 'aurora-postgresql', backupRetention: 7, multiAz: true, deletionProtection: true, encrypted: true, tags: { env: 'production', 'vigil:critical': 'true' } });
    s.protectedResources.push({ arn: `arn:aws:rds:${region}:${o.accountId}:cluster:aurora-${region}`, type: 'Aurora', region, lastBackup: iso(3 * 3600_000) });
    s.backupPlans.push({ id: `plan-${region}`, name: 'daily-35d', region, rules: [{ name: 'daily', schedule: 'cron(0 5 ? * * *)', deleteAfterDays: healthy ? 35 : 30 }], selections: ['tagged-critical'] });
    for (let d = 1; d <= 40; d++) {
      const failed = !healthy && d % 13 === 0;
      const created = iso(d * DAY);
      s.backupJobs.push({
        id: `job-${region}-${d}`,
        region,
        resourceArn: `arn:aws:rds:${region}:${o.accountId}:cluster:aurora-${region}`,
        resourceType: 'Aurora',
        state: failed ? 'FAILED' : 'COMPLETED',
        created,
        completed: iso(d * DAY - 40 * 60_000),
        ...(failed ? { message: 'Backup job failed because the snapshot quota was exceeded' } : {}),
      });
    }
    s.alarms.push({ name: `rds-cpu-${region}`, region, actionsEnabled: true, alarmActions: [`arn:aws:sns:${region}:${o.accountId}:oncall`], state: 'OK', stateUpdated: iso(2 * DAY), metric: { namespace: 'AWS/RDS', name: 'CPUUtilization', dimensions: { DBInstanceIdentifier: `db-${region}-0` } } });
    // capacity alarms (aws.cloudwatch.capacity_monitoring): the Aurora cluster, load balancer and group of the first region only
    if (healthy || region === regions[0]) s.alarms.push(...capacityAlarms(region, o.accountId, iso(2 * DAY)));
    if (!healthy) s.alarms.push({ name: `orphan-${region}`, region, actionsEnabled: false, alarmActions: [], state: 'INSUFFICIENT_DATA', stateUpdated: iso(60 * DAY) });
  }
  seedSecurity(s, o.accountId, regions, healthy);
  seedAvailability(s, o.accountId, regions, healthy);
  s.guardDutyFindings = seedGuardDutyFindings(regions, now, healthy);
  s.restoreJobs = seedRestoreJobs(o.accountId, regions, now, healthy);
  // a Business support plan: an upcoming RDS maintenance, an open EC2 issue, and a closed issue the filter leaves out
  s.health = {
    subscribed: true,
    events: [
      { id: 'EV1', service: 'RDS', typeCode: 'AWS_RDS_MAINTENANCE_SCHEDULED', category: 'scheduledChange', region: regions[0]!, status: 'upcoming', start: iso(-5 * DAY) },
      { id: 'EV2', service: 'EC2', typeCode: 'AWS_EC2_OPERATIONAL_ISSUE', category: 'issue', region: regions[regions.length - 1]!, status: 'open', start: iso(2 * 3600_000) },
      { id: 'EV3', service: 'EC2', typeCode: 'AWS_EC2_OPERATIONAL_ISSUE', category: 'issue', region: regions[0]!, status: 'closed', start: iso(20 * DAY) },
    ],
  };
  s.buckets.push({ name: `critical-data-${o.accountId}`, region: regions[0]!, created: iso(400 * DAY), tags: { 'vigil:critical': 'true' }, versioning: 'Enabled' });
  s.buckets.push({ name: `critical-logs-${o.accountId}`, region: regions[regions.length - 1]!, created: iso(300 * DAY), tags: { 'vigil:critical': 'true' }, versioning: healthy ? 'Enabled' : null });
  s.buckets.push({ name: `scratch-${o.accountId}`, region: regions[0]!, created: iso(10 * DAY), tags: {}, versioning: null });
  // the bucket the trail delivers to (DescribeTrails names it), with its protection settings
  s.buckets.push({ name: `cloudtrail-${o.accountId}`, region: regions[0]!, created: iso(700 * DAY), tags: {}, versioning: null });
  seedGovernance(s.governance, o.accountId, now, regions, s.securityHub, healthy, s.buckets[s.buckets.length - 1]!);
  void r;
  return s;
}

/**
 * Security settings: healthy, everything is on in every region; otherwise the first region is well set up and the
 * others show the common gaps (no Block Public Access, SSH open to the world, EBS unencrypted by default, GuardDuty
 * suspended, Security Hub and Access Analyzer never enabled, the Config recorder stopped, a customer KMS key not
 * rotated, the trail's log group kept 30 days, the production backup vault without Vault Lock).
 */
/** Capacity alarms on a region's Aurora cluster, load balancer and Auto Scaling group (as seeded), notifying on-call. */
function capacityAlarms(region: string, accountId: string, stateUpdated: string): AccountServices['alarms'] {
  const base = { region, actionsEnabled: true, alarmActions: [`arn:aws:sns:${region}:${accountId}:oncall`], state: 'OK' as const, stateUpdated };
  return [
    { ...base, name: `aurora-free-storage-${region}`, metric: { namespace: 'AWS/RDS', name: 'FreeLocalStorage', dimensions: { DBClusterIdentifier: `aurora-${region}` } } },
    { ...base, name: `web-latency-${region}`, metric: { namespace: 'AWS/ApplicationELB', name: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/0000000000000001' } } },
    { ...base, name: `web-asg-cpu-${region}`, metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'web-asg' } } },
  ];
}

/** A vault access policy that lets another account copy into the vault and denies nothing. */
const COPY_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'backup:CopyIntoBackupVault', Resource: '*' }] });

function seedSecurity(s: AccountServices, accountId: string, regions: string[], healthy: boolean): void {
  s.publicAccessBlock = healthy ? { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true } : null;
  const tail = accountId.slice(-6);
  regions.forEach((region, i) => {
    const good = healthy || i === 0;
    const vpcId = `vpc-${tail}${i}`;
    s.securityGroups.push({ id: `sg-${tail}${i}0`, name: 'default', region, vpcId, ingress: [] });
    s.securityGroups.push({ id: `sg-${tail}${i}1`, name: 'web', region, vpcId, ingress: [{ protocol: 'tcp', from: 443, to: 443, cidrs: ['0.0.0.0/0'], ipv6: ['::/0'] }, { protocol: 'tcp', from: 22, to: 22, cidrs: ['10.0.0.0/8'] }] });
    if (!good) s.securityGroups.push({ id: `sg-${tail}${i}2`, name: 'bastion', region, vpcId, ingress: [{ protocol: 'tcp', from: 22, to: 22, cidrs: ['0.0.0.0/0'] }] });
    if (good) s.ebsDefaultEncryption.push(region);
    s.guardDuty.push({ id: `${tail}${i}`.padEnd(32, '0'), region, status: good ? 'ENABLED' : 'DISABLED' });
    if (good) s.securityHub.push(region);
    s.configRecorders.push({ name: 'default', region, allSupported: true, includeGlobal: i === 0, recording: good, lastStatus: good ? 'SUCCESS' : 'FAILURE' });
    if (good) s.analyzers.push({ name: `external-access-${region}`, region, type: 'ACCOUNT', status: 'ACTIVE' });
    const key = (n: number): string => `${tail}${i}${n}`.padEnd(8, '0') + '-1111-2222-3333-444455556666';
    s.kmsKeys.push({ id: key(1), region, manager: 'AWS', state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS', rotation: true });
    s.kmsKeys.push({ id: key(2), region, manager: 'CUSTOMER', state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS', rotation: good });
    s.kmsKeys.push({ id: key(3), region, manager: 'CUSTOMER', state: 'Enabled', spec: 'ECC_NIST_P256', origin: 'AWS_KMS', rotation: false });
    s.logGroups.push({ name: '/aws/cloudtrail/org-trail', region, retentionDays: good ? 400 : 30 });
    s.logGroups.push({ name: '/app/api', region });
    s.backupVaults.push({ name: 'Default', region, recoveryPoints: 0, locked: false });
    // not locked: no deny-delete policy either (one allowing cross-account copies), and three unencrypted recovery points
    s.backupVaults.push({ name: 'prod-vault', region, recoveryPoints: 40, locked: good, ...(good ? { minRetentionDays: 35 } : { policy: COPY_POLICY, unencrypted: 3 }) });
  });
}
