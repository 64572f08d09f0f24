// Rule tables for the AWS security-settings rules (S3 Block Public Access, security groups, EBS default encryption,
// GuardDuty, Security Hub, Config, Access Analyzer): pass and fail rows, and `error` where the collector could not read
// what the rule needs (null), through the real engine.
import { ACCOUNT, NOW } from './helpers.js';
import { R, res, table } from './aws-table.js';
import publicAccess from '../../rules/aws/s3/account_public_access_blocked.js';
import adminPorts from '../../rules/aws/ec2/no_admin_ports_open_to_internet.js';
import ebsDefault from '../../rules/aws/ec2/ebs_encrypted_by_default.js';
import guardduty from '../../rules/aws/guardduty/enabled.js';
import securityhub from '../../rules/aws/securityhub/enabled.js';
import configRecorder from '../../rules/aws/config/recorder_enabled.js';
import analyzer from '../../rules/aws/iam/access_analyzer_enabled.js';
import keyRotation from '../../rules/aws/kms/key_rotation_enabled.js';
import logRetention from '../../rules/aws/logs/retention_covers_audit_period.js';
import vaultProtected from '../../rules/aws/backup/vault_protected.js';

const PAB = `arn:aws:s3:::account/${ACCOUNT}/public-access-block`;
const pab = (a: Record<string, unknown> = {}) => res('aws.s3.account_public_access_block', PAB, 'pab', { configured: true, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true, ...a }, undefined);
const sgArn = (id: string) => `arn:aws:ec2:${R}:${ACCOUNT}:security-group/${id}`;
const perm = (protocol: string, fromPort: number | null, toPort: number | null, ipv4: string[], ipv6: string[] = []) => ({ protocol, fromPort, toPort, ipv4, ipv6, prefixLists: [] });
const sg = (id: string, ingress: unknown) => res('aws.ec2.security_group', sgArn(id), id, { groupId: id, vpcId: 'vpc-1', ingress });
const EBS = `arn:aws:ec2:${R}:${ACCOUNT}:ebs-encryption-by-default`;
const ebs = (enabled: boolean | null) => res('aws.ec2.ebs_default_encryption', EBS, `ebs/${R}`, { enabled });
const GD = `arn:aws:guardduty:${R}:${ACCOUNT}:detectors`;
const gd = (detectors: unknown) => res('aws.guardduty.detectors', GD, `guardduty/${R}`, { detectors });
const SH = `arn:aws:securityhub:${R}:${ACCOUNT}:hub/default`;
const FSBP = `arn:aws:securityhub:${R}::standards/aws-foundational-security-best-practices/v/1.0.0`;
const CIS = `arn:aws:securityhub:${R}::standards/cis-aws-foundations-benchmark/v/3.0.0`;
const sh = (enabled: boolean | null, standards: unknown = enabled ? [{ arn: FSBP, status: 'READY' }] : null) => res('aws.securityhub.hub', SH, `securityhub/${R}`, { enabled, subscribedAt: enabled ? '2024-01-01T00:00:00.000Z' : null, standards });
const CFG = `arn:aws:config:${R}:${ACCOUNT}:configuration-recorders`;
const recorder = (a: Record<string, unknown> = {}) => ({ name: 'default', allSupported: true, includeGlobalResourceTypes: true, recording: true, lastStatus: 'SUCCESS', lastStatusChange: null, ...a });
const channel = (a: Record<string, unknown> = {}) => ({ name: 'default', statusRead: true, historyStatus: 'Success', snapshotStatus: 'Success', lastErrorCode: null, ...a });
const cfg = (recorders: unknown, deliveryChannels: unknown = [channel()]) => res('aws.config.recorders', CFG, `config/${R}`, { recorders, deliveryChannels });
const AA = `arn:aws:access-analyzer:${R}:${ACCOUNT}:analyzers`;
const aa = (analyzers: unknown) => res('aws.accessanalyzer.analyzers', AA, `access-analyzer/${R}`, { analyzers });
const an = (type: string | null, status: string | null, activeFindings: unknown = status === 'ACTIVE' && (type === 'ACCOUNT' || type === 'ORGANIZATION') ? [] : null) => ({ arn: `arn:aws:access-analyzer:${R}:${ACCOUNT}:analyzer/a`, name: 'a', type, status, activeFindings });
const finding = (id: string, days: number | null) => ({ id, resource: `arn:aws:s3:::${id}`, resourceType: 'AWS::S3::Bucket', createdAt: days === null ? null : new Date(NOW.getTime() - days * 86_400_000).toISOString() });

const keyArn = (id: string) => `arn:aws:kms:${R}:${ACCOUNT}:key/${id}`;
const key = (id: string, a: Record<string, unknown> = {}) => res('aws.kms.key', keyArn(id), id, { manager: 'CUSTOMER', state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS', rotationRead: true, rotationEnabled: true, rotationPeriodDays: 365, ...a });
const lgArn = (n: string) => `arn:aws:logs:${R}:${ACCOUNT}:log-group:${n}`;
const lg = (n: string, retentionInDays: unknown) => res('aws.logs.log_group', lgArn(n), n, { retentionInDays });

const vaultArn = (n: string) => `arn:aws:backup:${R}:${ACCOUNT}:backup-vault:${n}`;
const vault = (n: string, a: Record<string, unknown> = {}) => res('aws.backup.vault', vaultArn(n), n, { vaultType: 'BACKUP_VAULT', encryptionKeyArn: `arn:aws:kms:${R}:${ACCOUNT}:key/k`, recoveryPoints: 40, locked: true, minRetentionDays: 35, lockDate: null, accessPolicy: 'none', denyDeletePolicy: false, recoveryPointsListed: 40, unencryptedRecoveryPoints: 0, ...a });

table(publicAccess, [
  { name: 'all four settings on passes', resources: [pab()], id: PAB, status: 'pass' },
  { name: 'no configuration at all (NoSuchPublicAccessBlockConfiguration) fails', resources: [pab({ configured: false, blockPublicAcls: null, ignorePublicAcls: null, blockPublicPolicy: null, restrictPublicBuckets: null })], id: PAB, status: 'fail', reason: /no account-level Block Public Access/ },
  { name: 'one setting off fails, naming it', resources: [pab({ restrictPublicBuckets: false })], id: PAB, status: 'fail', reason: /restrictPublicBuckets off/ },
  { name: 'a setting not reported is error, not "off"', resources: [pab({ blockPublicPolicy: null })], id: PAB, status: 'error', reason: /blockPublicPolicy/ },
  { name: 'an off setting stands even when another was not reported', resources: [pab({ blockPublicPolicy: null, blockPublicAcls: false })], id: PAB, status: 'fail' },
]);

table(adminPorts, [
  { name: 'HTTPS open to the world and SSH from a private range passes', resources: [sg('sg-web', [perm('tcp', 443, 443, ['0.0.0.0/0'], ['::/0']), perm('tcp', 22, 22, ['10.0.0.0/8'])])], id: sgArn('sg-web'), status: 'pass' },
  { name: 'a group with no inbound rules passes', resources: [sg('sg-default', [])], id: sgArn('sg-default'), status: 'pass' },
  { name: 'SSH open to 0.0.0.0/0 fails', resources: [sg('sg-bastion', [perm('tcp', 22, 22, ['0.0.0.0/0'])])], id: sgArn('sg-bastion'), status: 'fail', reason: /tcp 22 from 0\.0\.0\.0\/0/ },
  { name: 'RDP open to ::/0 fails', resources: [sg('sg-win', [perm('tcp', 3389, 3389, [], ['::/0'])])], id: sgArn('sg-win'), status: 'fail', reason: /3389 from ::\/0/ },
  { name: 'a port range spanning 22 fails', resources: [sg('sg-range', [perm('tcp', 20, 30, ['0.0.0.0/0'])])], id: sgArn('sg-range'), status: 'fail' },
  { name: 'every protocol (-1) open to the world fails', resources: [sg('sg-all', [perm('-1', null, null, ['0.0.0.0/0'])])], id: sgArn('sg-all'), status: 'fail', reason: /all ports/ },
  { name: 'a protocol number other than tcp/udp opens every port and fails', resources: [sg('sg-gre', [perm('47', null, null, ['0.0.0.0/0'])])], id: sgArn('sg-gre'), status: 'fail', reason: /protocol 47/ },
  { name: 'ICMP open to the world opens no port and passes', resources: [sg('sg-ping', [perm('icmp', -1, -1, ['0.0.0.0/0'])])], id: sgArn('sg-ping'), status: 'pass' },
  { name: 'a configured admin port list is used', resources: [sg('sg-db', [perm('tcp', 5432, 5432, ['0.0.0.0/0'])])], id: sgArn('sg-db'), status: 'fail', params: { adminPorts: [22, 3389, 5432] } },
  { name: 'a world-open TCP rule without its port range is error, not pass', resources: [sg('sg-odd', [perm('tcp', null, null, ['0.0.0.0/0'])])], id: sgArn('sg-odd'), status: 'error', reason: /port range/ },
  { name: 'ingress not read is error', resources: [sg('sg-x', null)], id: sgArn('sg-x'), status: 'error' },
]);

table(ebsDefault, [
  { name: 'encryption by default on passes', resources: [ebs(true)], id: EBS, status: 'pass' },
  { name: 'off fails', resources: [ebs(false)], id: EBS, status: 'fail', reason: /off/ },
  { name: 'not reported is error', resources: [ebs(null)], id: EBS, status: 'error' },
]);

table(guardduty, [
  { name: 'an enabled detector passes', resources: [gd([{ id: 'd1', status: 'ENABLED' }])], id: GD, status: 'pass' },
  { name: 'no detector in the region fails', resources: [gd([])], id: GD, status: 'fail', reason: /no GuardDuty detector/ },
  { name: 'a suspended detector fails', resources: [gd([{ id: 'd1', status: 'DISABLED' }])], id: GD, status: 'fail', reason: /suspended/ },
  { name: 'a detector whose status was not reported is error', resources: [gd([{ id: 'd1', status: null }])], id: GD, status: 'error' },
]);

table(securityhub, [
  { name: 'a subscribed hub running a ready standard passes', resources: [sh(true)], id: SH, status: 'pass', reason: /running aws-foundational-security-best-practices\/v\/1\.0\.0/ },
  { name: 'a hub without any standard fails: it runs no checks', resources: [sh(true, [])], id: SH, status: 'fail', reason: /enabled since .* but no standard subscribed/ },
  { name: 'a hub whose only standard is still pending or incomplete fails', resources: [sh(true, [{ arn: FSBP, status: 'PENDING' }, { arn: CIS, status: 'INCOMPLETE' }])], id: SH, status: 'fail', reason: /no standard ready \(aws-foundational.* PENDING, cis-aws.* INCOMPLETE\)/ },
  { name: 'one ready standard passes beside a failed one', resources: [sh(true, [{ arn: FSBP, status: 'FAILED' }, { arn: CIS, status: 'READY' }])], id: SH, status: 'pass', reason: /running cis-aws/ },
  { name: 'standards not read while the hub is enabled is error', resources: [sh(true, null)], id: SH, status: 'error', reason: /standards/ },
  { name: 'a standard without its status is error unless another is ready', resources: [sh(true, [{ arn: FSBP, status: null }])], id: SH, status: 'error' },
  { name: 'not subscribed in the region fails', resources: [sh(false)], id: SH, status: 'fail', reason: /not enabled/ },
  { name: 'unknown is error', resources: [sh(null)], id: SH, status: 'error' },
]);

table(configRecorder, [
  { name: 'a recorder recording all supported types passes', resources: [cfg([recorder()])], id: CFG, status: 'pass' },
  { name: 'no recorder fails', resources: [cfg([])], id: CFG, status: 'fail', reason: /no configuration recorder/ },
  { name: 'a stopped recorder fails', resources: [cfg([recorder({ recording: false })])], id: CFG, status: 'fail', reason: /not recording/ },
  { name: 'a recorder of selected types only fails', resources: [cfg([recorder({ allSupported: false })])], id: CFG, status: 'fail', reason: /not all resource types/ },
  { name: 'a recorder whose delivery last failed fails', resources: [cfg([recorder({ lastStatus: 'FAILURE' })])], id: CFG, status: 'fail', reason: /last delivery failed/ },
  { name: 'a recorder without its status is error', resources: [cfg([recorder({ recording: null, lastStatus: null })])], id: CFG, status: 'error' },
  { name: 'a recording recorder without a delivery channel fails', resources: [cfg([recorder()], [])], id: CFG, status: 'fail', reason: /recording, but no delivery channel/ },
  { name: 'a delivery channel whose history delivery failed fails, naming the error', resources: [cfg([recorder()], [channel({ historyStatus: 'Failure', lastErrorCode: 'NoSuchBucket' })])], id: CFG, status: 'fail', reason: /default last delivery failed \(NoSuchBucket\)/ },
  { name: 'a failed snapshot delivery in the CLI\'s upper case fails too', resources: [cfg([recorder()], [channel({ snapshotStatus: 'FAILURE' })])], id: CFG, status: 'fail' },
  { name: 'Not_Applicable deliveries (no snapshot frequency, no SNS topic) pass', resources: [cfg([recorder()], [channel({ snapshotStatus: 'Not_Applicable' })])], id: CFG, status: 'pass', reason: /delivery channel delivering/ },
  { name: 'a channel without its status is error, not "delivering"', resources: [cfg([recorder()], [channel({ statusRead: false, historyStatus: null, snapshotStatus: null })])], id: CFG, status: 'error', reason: /delivery channel status/ },
  { name: 'channels not read are error for a recording region', resources: [cfg([recorder()], null)], id: CFG, status: 'error' },
]);

table(analyzer, [
  { name: 'an active account analyzer passes', resources: [aa([an('ACCOUNT', 'ACTIVE')])], id: AA, status: 'pass' },
  { name: 'an active organization analyzer passes', resources: [aa([an('ORGANIZATION', 'ACTIVE')])], id: AA, status: 'pass' },
  { name: 'no analyzer fails', resources: [aa([])], id: AA, status: 'fail', reason: /no Access Analyzer/ },
  { name: 'only an unused-access analyzer fails', resources: [aa([an('ACCOUNT_UNUSED_ACCESS', 'ACTIVE')])], id: AA, status: 'fail', reason: /no active external-access analyzer/ },
  { name: 'a disabled analyzer fails', resources: [aa([an('ACCOUNT', 'DISABLED')])], id: AA, status: 'fail' },
  { name: 'an analyzer without a status is error', resources: [aa([an('ACCOUNT', null)])], id: AA, status: 'error' },
  { name: 'an ACTIVE finding younger than the allowed age passes', resources: [aa([an('ACCOUNT', 'ACTIVE', [finding('shared', 29)])])], id: AA, status: 'pass', reason: /1 ACTIVE finding\(s\), none older than 30 days/ },
  { name: 'an ACTIVE finding left unreviewed past 30 days fails, naming it', resources: [aa([an('ACCOUNT', 'ACTIVE', [finding('shared', 31), finding('fresh', 2)])])], id: AA, status: 'fail', reason: /1 ACTIVE finding\(s\) unreviewed for more than 30 days: arn:aws:s3:::shared since / },
  { name: 'a shorter allowed age turns a recent finding into a fail', resources: [aa([an('ACCOUNT', 'ACTIVE', [finding('shared', 10)])])], params: { maxFindingAgeDays: 7 }, id: AA, status: 'fail' },
  { name: 'findings not read for the active analyzer is error', resources: [aa([an('ACCOUNT', 'ACTIVE', null)])], id: AA, status: 'error', reason: /active findings/ },
  { name: 'a finding without its creation time is error', resources: [aa([an('ACCOUNT', 'ACTIVE', [finding('x', null)])])], id: AA, status: 'error' },
]);

table(keyRotation, [
  { name: 'a customer key rotating yearly passes', resources: [key('k1')], id: keyArn('k1'), status: 'pass' },
  { name: 'a customer key without rotation fails', resources: [key('k1', { rotationEnabled: false })], id: keyArn('k1'), status: 'fail', reason: /rotation off/ },
  { name: 'an AWS-managed key is not applicable (KMS rotates it)', resources: [key('k1', { manager: 'AWS', rotationRead: false, rotationEnabled: null })], id: keyArn('k1'), status: 'not_applicable' },
  { name: 'an asymmetric key is not applicable', resources: [key('k1', { spec: 'ECC_NIST_P256', rotationRead: false, rotationEnabled: null })], id: keyArn('k1'), status: 'not_applicable' },
  { name: 'a rotatable key whose status was not read is error', resources: [key('k1', { rotationRead: false, rotationEnabled: null })], id: keyArn('k1'), status: 'error' },
  { name: 'a key whose metadata was not reported is error', resources: [key('k1', { manager: null })], id: keyArn('k1'), status: 'error' },
]);

table(logRetention, [
  { name: 'a group kept 400 days passes', resources: [lg('/aws/cloudtrail/org', 400)], id: lgArn('/aws/cloudtrail/org'), status: 'pass' },
  { name: 'a group whose events never expire passes', resources: [lg('/app/api', 'never_expire')], id: lgArn('/app/api'), status: 'pass', reason: /never expire/ },
  { name: 'a group kept 30 days fails', resources: [lg('/aws/cloudtrail/org', 30)], id: lgArn('/aws/cloudtrail/org'), status: 'fail', reason: /kept 30 days/ },
  { name: 'a retention not reported is error', resources: [lg('/aws/cloudtrail/org', null)], id: lgArn('/aws/cloudtrail/org'), status: 'error' },
  { name: 'a group outside the configured prefixes is not judged', resources: [lg('/aws/cloudtrail/org', 400), lg('/app/short', 7)], id: lgArn('/aws/cloudtrail/org'), status: 'pass', params: { logGroupPrefixes: ['/aws/cloudtrail/'] } },
]);

table(vaultProtected, [
  { name: 'a locked vault with 35 days minimum retention passes', resources: [vault('prod')], id: vaultArn('prod'), status: 'pass' },
  { name: 'a vault without Vault Lock fails', resources: [vault('prod', { locked: false, minRetentionDays: null })], id: vaultArn('prod'), status: 'fail', reason: /no Vault Lock and no deny-delete access policy/ },
  { name: 'a vault without Vault Lock but with a deny-delete access policy passes', resources: [vault('prod', { locked: false, minRetentionDays: null, accessPolicy: 'set', denyDeletePolicy: true })], id: vaultArn('prod'), status: 'pass', reason: /deny-delete access policy/ },
  { name: 'an access policy that denies nothing does not stand in for Vault Lock', resources: [vault('prod', { locked: false, minRetentionDays: null, accessPolicy: 'set', denyDeletePolicy: false })], id: vaultArn('prod'), status: 'fail', reason: /its access policy denies nothing/ },
  { name: 'an unreadable access policy on an unlocked vault is error', resources: [vault('prod', { locked: false, minRetentionDays: null, accessPolicy: 'set', denyDeletePolicy: null })], id: vaultArn('prod'), status: 'error', reason: /denyDeletePolicy/ },
  { name: 'unencrypted recovery points fail a locked vault', resources: [vault('prod', { unencryptedRecoveryPoints: 3 })], id: vaultArn('prod'), status: 'fail', reason: /3 of 40 recovery points unencrypted/ },
  { name: 'a recovery point whose encryption was not reported is error', resources: [vault('prod', { unencryptedRecoveryPoints: null })], id: vaultArn('prod'), status: 'error', reason: /unencryptedRecoveryPoints/ },
  { name: 'a lock whose minimum retention is below the parameter fails', resources: [vault('prod', { minRetentionDays: 1 })], id: vaultArn('prod'), status: 'fail', reason: /minimum retention 1 < 7/ },
  { name: 'an empty vault is not applicable', resources: [vault('Default', { recoveryPoints: 0, locked: false })], id: vaultArn('Default'), status: 'not_applicable' },
  { name: 'the lock state not reported is error', resources: [vault('prod', { locked: null })], id: vaultArn('prod'), status: 'error', reason: /locked/ },
  { name: 'the recovery point count not reported is error', resources: [vault('prod', { recoveryPoints: null })], id: vaultArn('prod'), status: 'error' },
]);
