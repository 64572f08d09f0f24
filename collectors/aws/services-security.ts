// Account and regional security settings: S3 account Block Public Access, security groups and EBS default encryption
// (EC2), and whether GuardDuty, Security Hub, AWS Config and IAM Access Analyzer run in a region. Each is the service's
// bulk or account-level call; "not enabled" is read from the service's documented answer, never from a failed call.
import { S3ControlClient, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { EC2Client, DescribeSecurityGroupsCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { GuardDutyClient, ListDetectorsCommand, GetDetectorCommand } from '@aws-sdk/client-guardduty';
import { SecurityHubClient, DescribeHubCommand, GetEnabledStandardsCommand } from '@aws-sdk/client-securityhub';
import { ConfigServiceClient, DescribeConfigurationRecordersCommand, DescribeConfigurationRecorderStatusCommand, DescribeDeliveryChannelsCommand, DescribeDeliveryChannelStatusCommand } from '@aws-sdk/client-config-service';
import { AccessAnalyzerClient, ListAnalyzersCommand, ListFindingsV2Command } from '@aws-sdk/client-accessanalyzer';
import { KMSClient, DescribeKeyCommand, GetKeyRotationStatusCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BackupClient, ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { pages, withIds, type Item } from './services-regional.js';
import { readGuardDutyFindings } from './services-findings.js';
import { readVaultProtection } from './services-vaults.js';
import { readRestoreJobs } from './services-restores.js';
import type { AnyClient, Reader } from './service-reader.js';

const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isoOrNull = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : null);

export const SECURITY_REGIONAL_TYPES = {
  sg: 'aws.ec2.security_group',
  ebs: 'aws.ec2.ebs_default_encryption',
  guardduty: 'aws.guardduty.detectors',
  findings: 'aws.guardduty.findings',
  securityhub: 'aws.securityhub.hub',
  config: 'aws.config.recorders',
  analyzer: 'aws.accessanalyzer.analyzers',
  kms: 'aws.kms.key',
  logs: 'aws.logs.log_group',
  vaults: 'aws.backup.vault',
  restores: 'aws.backup.restore_jobs',
} as const;
export type SecurityRegional = Record<keyof typeof SECURITY_REGIONAL_TYPES, boolean>;

/**
 * S3 Control addresses `{AccountId}.{endpoint}`. A custom endpoint given as an IP address (a local proxy or test
 * service) cannot carry that label, and the account already travels in the x-amz-account-id header, so such an
 * endpoint is used as it is; every other endpoint goes through the SDK's own rules.
 */
function s3ControlEndpoint(rd: Reader): Record<string, unknown> {
  const custom = (rd.o.clientConfig.endpoint as string | undefined) ?? process.env.AWS_ENDPOINT_URL_S3_CONTROL ?? process.env.AWS_ENDPOINT_URL;
  if (!custom) return {};
  let url: URL;
  try {
    url = new URL(custom);
  } catch {
    return {};
  }
  return /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/i.test(url.hostname) ? { endpointProvider: () => ({ url }) } : {};
}

/** The account's S3 Block Public Access (S3 Control, once per account). True when read. */
export async function collectAccountPublicAccessBlock(rd: Reader): Promise<boolean> {
  const home = rd.o.region;
  const c = rd.client(S3ControlClient as never, home, s3ControlEndpoint(rd)) as AnyClient;
  const op = 's3:GetAccountPublicAccessBlock';
  // NoSuchPublicAccessBlockConfiguration (404) is S3's documented answer for an account that never set one
  const r = await rd.send<{ PublicAccessBlockConfiguration?: Record<string, unknown> }>(op, home, c, new GetPublicAccessBlockCommand({ AccountId: rd.account }), { absent: (code, status) => code === 'NoSuchPublicAccessBlockConfiguration' && status === 404 });
  rd.count();
  if (r === undefined) return false;
  const cfg = r?.PublicAccessBlockConfiguration;
  if (r !== null && (!cfg || typeof cfg !== 'object')) {
    rd.malformed(op, home, 'PublicAccessBlockConfiguration missing');
    return false;
  }
  if (r) rd.art(op, r);
  rd.res('aws.s3.account_public_access_block', `arn:aws:s3:::account/${rd.account}/public-access-block`, `s3-block-public-access/${rd.account}`, undefined, {
    configured: r !== null,
    // null where the reply did not say (or no configuration exists): a rule needing it is `error`, or `fail` when none is set
    blockPublicAcls: cfg ? bool(cfg.BlockPublicAcls) : null,
    ignorePublicAcls: cfg ? bool(cfg.IgnorePublicAcls) : null,
    blockPublicPolicy: cfg ? bool(cfg.BlockPublicPolicy) : null,
    restrictPublicBuckets: cfg ? bool(cfg.RestrictPublicBuckets) : null,
  });
  return true;
}

/** One inbound permission as rules read it; null ports are "not reported" (a TCP/UDP rule without them is unjudgeable). */
function permission(p: Item): Record<string, unknown> | null {
  const protocol = str(p.IpProtocol);
  if (!protocol || !Array.isArray(p.IpRanges) || !Array.isArray(p.Ipv6Ranges)) return null;
  return {
    protocol,
    fromPort: num(p.FromPort),
    toPort: num(p.ToPort),
    ipv4: (p.IpRanges as Item[]).map((x) => str(x.CidrIp)),
    ipv6: (p.Ipv6Ranges as Item[]).map((x) => str(x.CidrIpv6)),
    prefixLists: Array.isArray(p.PrefixListIds) ? (p.PrefixListIds as Item[]).map((x) => str(x.PrefixListId)) : null,
  };
}

async function readSecurityGroups(rd: Reader, region: string, ec2: AnyClient): Promise<boolean> {
  const op = 'ec2:DescribeSecurityGroups';
  const groups = withIds(rd, op, region, await pages(rd, op, region, ec2, (t) => new DescribeSecurityGroupsCommand({ MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'SecurityGroups', (r) => r.NextToken), ['GroupId', 'GroupName']);
  if (!groups) return false;
  for (const g of groups) {
    // EC2 always sends <ipPermissions/>: a group without the list is a reply cut short, not a group without rules
    const perms = Array.isArray(g.IpPermissions) ? (g.IpPermissions as Item[]).map(permission) : null;
    if (!perms || perms.includes(null)) {
      rd.malformed(op, region, `${String(g.GroupId)}: IpPermissions missing or a permission without IpProtocol, IpRanges or Ipv6Ranges`);
      return false;
    }
    rd.res('aws.ec2.security_group', `arn:aws:ec2:${region}:${rd.account}:security-group/${String(g.GroupId)}`, `${String(g.GroupName)} (${String(g.GroupId)})`, region, { groupId: String(g.GroupId), vpcId: str(g.VpcId), ingress: perms });
  }
  return true;
}

async function readEbsDefault(rd: Reader, region: string, ec2: AnyClient): Promise<boolean> {
  const op = 'ec2:GetEbsEncryptionByDefault';
  const r = await rd.send<{ EbsEncryptionByDefault?: unknown }>(op, region, ec2, new GetEbsEncryptionByDefaultCommand({}));
  rd.count();
  if (!r) return false;
  rd.art(`${op} ${region}`, r);
  rd.res('aws.ec2.ebs_default_encryption', `arn:aws:ec2:${region}:${rd.account}:ebs-encryption-by-default`, `ebs-encryption-by-default/${region}`, region, { enabled: bool(r.EbsEncryptionByDefault) });
  return true;
}

/** Detectors, then (services-findings.ts) their active HIGH+ findings: whether each type was read whole. */
async function readGuardDuty(rd: Reader, region: string): Promise<{ detectors: boolean; findings: boolean }> {
  const gd = rd.client(GuardDutyClient as never, region) as AnyClient;
  const ids = await pages(rd, 'guardduty:ListDetectors', region, gd, (t) => new ListDetectorsCommand({ MaxResults: 50, ...(t ? { NextToken: t } : {}) }), 'DetectorIds', (r) => r.NextToken);
  if (!ids) return { detectors: false, findings: false };
  if (ids.some((x) => !str(x))) {
    rd.malformed('guardduty:ListDetectors', region, 'an empty detector id');
    return { detectors: false, findings: false };
  }
  const detectors: Array<{ id: string; status: string | null }> = [];
  for (const id of ids as unknown as string[]) {
    const d = await rd.send<{ Status?: unknown }>('guardduty:GetDetector', region, gd, new GetDetectorCommand({ DetectorId: id }));
    rd.count();
    if (!d) return { detectors: false, findings: false };
    rd.art(`guardduty:GetDetector ${region} ${id}`, d);
    detectors.push({ id, status: str(d.Status) });
  }
  rd.res('aws.guardduty.detectors', `arn:aws:guardduty:${region}:${rd.account}:detectors`, `guardduty/${region}`, region, { detectors });
  return { detectors: true, findings: await readGuardDutyFindings(rd, region, gd, ids as unknown as string[]) };
}

async function readSecurityHub(rd: Reader, region: string): Promise<boolean> {
  const sh = rd.client(SecurityHubClient as never, region) as AnyClient;
  // a region where the account never enabled Security Hub answers InvalidAccessException "… is not subscribed to AWS Security Hub"
  const r = await rd.send<{ HubArn?: unknown; SubscribedAt?: unknown }>('securityhub:DescribeHub', region, sh, new DescribeHubCommand({}), {
    absent: (code, _status, message) => (code === 'InvalidAccessException' || code === 'ResourceNotFoundException') && /not subscribed/i.test(message),
  });
  rd.count();
  if (r === undefined) return false;
  if (r !== null && !str(r.HubArn)) {
    rd.malformed('securityhub:DescribeHub', region, 'HubArn missing');
    return false;
  }
  if (r) rd.art(`securityhub:DescribeHub ${region}`, r);
  // the standards a hub runs (catalogue row 26); only asked where the hub is enabled, elsewhere it answers "not subscribed" too
  const op = 'securityhub:GetEnabledStandards';
  const subs = r ? withIds(rd, op, region, await pages(rd, op, region, sh, (t) => new GetEnabledStandardsCommand({ MaxResults: 100, ...(t ? { NextToken: t } : {}) }), 'StandardsSubscriptions', (x) => x.NextToken), ['StandardsArn', 'StandardsSubscriptionArn']) : null;
  if (subs === undefined) return false;
  rd.res('aws.securityhub.hub', `arn:aws:securityhub:${region}:${rd.account}:hub/default`, `securityhub/${region}`, region, {
    enabled: r !== null,
    subscribedAt: r ? str(r.SubscribedAt) : null,
    // null where the hub is not enabled; a status absent → null → `error` unless another standard is READY
    standards: subs ? subs.map((x) => ({ arn: String(x.StandardsArn), status: str(x.StandardsStatus) })) : null,
  });
  return true;
}

async function readConfig(rd: Reader, region: string): Promise<boolean> {
  const cf = rd.client(ConfigServiceClient as never, region) as AnyClient;
  const recs = await rd.send<{ ConfigurationRecorders: Item[] }>('config:DescribeConfigurationRecorders', region, cf, new DescribeConfigurationRecordersCommand({}), { list: 'ConfigurationRecorders' });
  const stat = await rd.send<{ ConfigurationRecordersStatus: Item[] }>('config:DescribeConfigurationRecorderStatus', region, cf, new DescribeConfigurationRecorderStatusCommand({}), { list: 'ConfigurationRecordersStatus' });
  // the delivery channels carry what the recorder records to S3 (catalogue row 27): Config's history is only as good as them
  const chans = await rd.send<{ DeliveryChannels: Item[] }>('config:DescribeDeliveryChannels', region, cf, new DescribeDeliveryChannelsCommand({}), { list: 'DeliveryChannels' });
  const chanStat = await rd.send<{ DeliveryChannelsStatus: Item[] }>('config:DescribeDeliveryChannelStatus', region, cf, new DescribeDeliveryChannelStatusCommand({}), { list: 'DeliveryChannelsStatus' });
  rd.count(4);
  if (!recs || !stat || !chans || !chanStat) return false;
  if ([...chans.DeliveryChannels, ...chanStat.DeliveryChannelsStatus].some((x) => !str(x.name))) {
    rd.malformed('config:DescribeDeliveryChannels', region, 'a delivery channel or status without name');
    return false;
  }
  if ([...recs.ConfigurationRecorders, ...stat.ConfigurationRecordersStatus].some((x) => !str(x.name))) {
    rd.malformed('config:DescribeConfigurationRecorders', region, 'a recorder or status without name');
    return false;
  }
  rd.art(`config:DescribeConfigurationRecorders ${region}`, recs);
  rd.art(`config:DescribeConfigurationRecorderStatus ${region}`, stat);
  const recorders = recs.ConfigurationRecorders.map((x) => {
    const s = stat.ConfigurationRecordersStatus.find((y) => y.name === x.name);
    const g = x.recordingGroup as Item | undefined;
    return {
      name: String(x.name),
      // null where the reply did not say: a rule needing it is `error` for the region
      allSupported: g ? bool(g.allSupported) : null,
      includeGlobalResourceTypes: g ? bool(g.includeGlobalResourceTypes) : null,
      recording: s ? bool(s.recording) : null,
      lastStatus: s ? str(s.lastStatus) : null,
      lastStatusChange: s ? isoOrNull(s.lastStatusChangeTime) : null,
    };
  });
  rd.art(`config:DescribeDeliveryChannels ${region}`, chans);
  rd.art(`config:DescribeDeliveryChannelStatus ${region}`, chanStat);
  const deliveryChannels = chans.DeliveryChannels.map((x) => {
    const s = chanStat.DeliveryChannelsStatus.find((y) => y.name === x.name);
    const info = (k: string): Item | undefined => (s && typeof s[k] === 'object' && s[k] !== null ? (s[k] as Item) : undefined);
    return {
      name: String(x.name),
      s3BucketName: str(x.s3BucketName),
      // null where the status did not say: a rule needing it is `error` for the region
      statusRead: s !== undefined,
      historyStatus: str(info('configHistoryDeliveryInfo')?.lastStatus),
      snapshotStatus: str(info('configSnapshotDeliveryInfo')?.lastStatus),
      lastErrorCode: str(info('configHistoryDeliveryInfo')?.lastErrorCode) ?? str(info('configSnapshotDeliveryInfo')?.lastErrorCode),
    };
  });
  rd.res('aws.config.recorders', `arn:aws:config:${region}:${rd.account}:configuration-recorders`, `config/${region}`, region, { recorders, deliveryChannels });
  return true;
}

async function readAnalyzers(rd: Reader, region: string): Promise<boolean> {
  const aa = rd.client(AccessAnalyzerClient as never, region) as AnyClient;
  const list = withIds(rd, 'access-analyzer:ListAnalyzers', region, await pages(rd, 'access-analyzer:ListAnalyzers', region, aa, (t) => new ListAnalyzersCommand({ maxResults: 100, ...(t ? { nextToken: t } : {}) }), 'analyzers', (r) => r.nextToken), ['arn', 'name']);
  if (!list) return false;
  const analyzers: Array<Record<string, unknown>> = [];
  for (const a of list) {
    // the ACTIVE findings of each active external-access analyzer (catalogue row 14): what nobody has archived or fixed
    let findings: Array<Record<string, unknown>> | null = null;
    if (a.status === 'ACTIVE' && (a.type === 'ACCOUNT' || a.type === 'ORGANIZATION')) {
      const op = 'access-analyzer:ListFindingsV2';
      const fs = withIds(rd, op, region, await pages(rd, op, region, aa, (t) => new ListFindingsV2Command({ analyzerArn: String(a.arn), filter: { status: { eq: ['ACTIVE'] } }, maxResults: 100, ...(t ? { nextToken: t } : {}) }), 'findings', (r) => r.nextToken), ['id']);
      if (!fs) return false;
      // null where the reply did not say: a rule needing the age is `error` for the region
      findings = fs.map((f) => ({ id: String(f.id), resource: str(f.resource), resourceType: str(f.resourceType), createdAt: isoOrNull(f.createdAt) }));
    }
    analyzers.push({ arn: String(a.arn), name: String(a.name), type: str(a.type), status: str(a.status), activeFindings: findings });
  }
  rd.res('aws.accessanalyzer.analyzers', `arn:aws:access-analyzer:${region}:${rd.account}:analyzers`, `access-analyzer/${region}`, region, { analyzers });
  return true;
}

/** Whether KMS can rotate a key automatically: customer managed, enabled, symmetric, key material made by KMS. */
function rotatable(m: Item): boolean {
  return m.KeyManager === 'CUSTOMER' && m.KeyState === 'Enabled' && m.KeySpec === 'SYMMETRIC_DEFAULT' && m.Origin === 'AWS_KMS';
}

/** KMS keys: ListKeys (Marker paging), DescribeKey for each, GetKeyRotationStatus for the keys KMS can rotate. */
async function readKmsKeys(rd: Reader, region: string): Promise<boolean> {
  const kms = rd.client(KMSClient as never, region) as AnyClient;
  const keys = withIds(rd, 'kms:ListKeys', region, await pages(rd, 'kms:ListKeys', region, kms, (m) => new ListKeysCommand({ Limit: 1000, ...(m ? { Marker: m } : {}) }), 'Keys', (r) => (r.Truncated === true ? r.NextMarker : undefined)), ['KeyId', 'KeyArn']);
  if (!keys) return false;
  let ok = true;
  for (const k of keys) {
    const d = await rd.send<{ KeyMetadata?: Item }>('kms:DescribeKey', region, kms, new DescribeKeyCommand({ KeyId: String(k.KeyArn) }));
    rd.count();
    if (!d) {
      ok = false;
      continue;
    }
    const m = d.KeyMetadata;
    if (!m || typeof m !== 'object') {
      rd.malformed('kms:DescribeKey', region, `${String(k.KeyId)}: KeyMetadata missing`);
      ok = false;
      continue;
    }
    rd.art(`kms:DescribeKey ${region} ${String(k.KeyId)}`, d);
    let rotation: Item | null = null;
    if (rotatable(m)) {
      const r = await rd.send<Item>('kms:GetKeyRotationStatus', region, kms, new GetKeyRotationStatusCommand({ KeyId: String(k.KeyArn) }));
      rd.count();
      if (!r) {
        ok = false;
        continue;
      }
      rotation = r;
      rd.art(`kms:GetKeyRotationStatus ${region} ${String(k.KeyId)}`, r);
    }
    rd.res('aws.kms.key', String(k.KeyArn), String(k.KeyId), region, {
      // null where DescribeKey did not say: the rule is `error` for the key
      manager: str(m.KeyManager),
      state: str(m.KeyState),
      spec: str(m.KeySpec),
      origin: str(m.Origin),
      rotationRead: rotation !== null,
      rotationEnabled: rotation ? bool(rotation.KeyRotationEnabled) : null,
      rotationPeriodDays: rotation ? num(rotation.RotationPeriodInDays) : null,
    });
  }
  return ok;
}

/** CloudWatch Logs log groups and their retention; `retentionInDays` absent is documented as "never expire". */
async function readLogGroups(rd: Reader, region: string): Promise<boolean> {
  const logs = rd.client(CloudWatchLogsClient as never, region) as AnyClient;
  const groups = withIds(rd, 'logs:DescribeLogGroups', region, await pages(rd, 'logs:DescribeLogGroups', region, logs, (t) => new DescribeLogGroupsCommand({ limit: 50, ...(t ? { nextToken: t } : {}) }), 'logGroups', (r) => r.nextToken), ['logGroupName', 'arn']);
  if (!groups) return false;
  for (const g of groups) {
    const days = g.retentionInDays;
    if (days !== undefined && num(days) === null) {
      rd.malformed('logs:DescribeLogGroups', region, `${String(g.logGroupName)}: retentionInDays not a number`);
      return false;
    }
    rd.res('aws.logs.log_group', String(g.arn).replace(/:\*$/, ''), String(g.logGroupName), region, { retentionInDays: days === undefined ? 'never_expire' : days });
  }
  return true;
}

/** Backup vaults, one bulk listing per region: encryption key, Vault Lock state and retention bounds, recovery points. */
async function readBackupVaults(rd: Reader, region: string): Promise<boolean> {
  const bk = rd.client(BackupClient as never, region) as AnyClient;
  const vaults = withIds(rd, 'backup:ListBackupVaults', region, await pages(rd, 'backup:ListBackupVaults', region, bk, (t) => new ListBackupVaultsCommand({ MaxResults: 1000, ...(t ? { NextToken: t } : {}) }), 'BackupVaultList', (r) => r.NextToken), ['BackupVaultArn', 'BackupVaultName']);
  if (!vaults) return false;
  for (const v of vaults) {
    // access policy and recovery points (services-vaults.ts) only where there are recovery points to protect
    const extra = num(v.NumberOfRecoveryPoints) === 0 ? {} : await readVaultProtection(rd, region, bk, String(v.BackupVaultName));
    if (!extra) return false;
    rd.res('aws.backup.vault', String(v.BackupVaultArn), String(v.BackupVaultName), region, {
      ...extra,
      vaultType: str(v.VaultType),
      // null where the listing did not say: the rule is `error` for the vault
      encryptionKeyArn: str(v.EncryptionKeyArn),
      recoveryPoints: num(v.NumberOfRecoveryPoints),
      locked: bool(v.Locked),
      // absent bounds are "no bound set" for a vault without Vault Lock
      minRetentionDays: num(v.MinRetentionDays),
      lockDate: isoOrNull(v.LockDate),
    });
  }
  return true;
}

/** One region's security settings; each flag is true when that type was read completely in the region. */
export async function collectSecurity(rd: Reader, region: string): Promise<SecurityRegional> {
  const ec2 = rd.client(EC2Client as never, region) as AnyClient;
  const sg = await readSecurityGroups(rd, region, ec2);
  const ebs = await readEbsDefault(rd, region, ec2);
  const gd = await readGuardDuty(rd, region);
  return {
    sg,
    ebs,
    guardduty: gd.detectors,
    findings: gd.findings,
    securityhub: await readSecurityHub(rd, region),
    config: await readConfig(rd, region),
    analyzer: await readAnalyzers(rd, region),
    kms: await readKmsKeys(rd, region),
    logs: await readLogGroups(rd, region),
    vaults: await readBackupVaults(rd, region),
    restores: await readRestoreJobs(rd, region),
  };
}
