// Rule tables for the AWS CloudTrail, RDS, Backup, S3 and CloudWatch rules: pass and fail rows, and `error` for a resource
// whose needed attribute the collector could not read (null), through the real engine.
import { describe, expect, it } from 'vitest';
import type { Resource, Rule, Status } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { AWS_IAM_RESOURCE_TYPES } from '../../src/core/contracts/aws.js';
import { AWS_SERVICE_RESOURCE_TYPES } from '../../collectors/aws/services.js';
import { ACCOUNT, NOW, ROOT_ARN, daysAgo, snapshot } from './helpers.js';
import multiRegion from '../../rules/aws/cloudtrail/multi_region_trail_logging.js';
import logIntegrity from '../../rules/aws/cloudtrail/log_integrity.js';
import tampering from '../../rules/aws/cloudtrail/no_logging_tampering.js';
import signins from '../../rules/aws/cloudtrail/sensitive_signins.js';
import iamChanges from '../../rules/aws/cloudtrail/iam_change_events.js';
import rdsBackups from '../../rules/aws/rds/automated_backups.js';
import rdsMultiAz from '../../rules/aws/rds/multi_az.js';
import rdsDeletion from '../../rules/aws/rds/deletion_protection.js';
import rdsEncrypted from '../../rules/aws/rds/encrypted_private.js';
import planRetention from '../../rules/aws/backup/plan_retention.js';
import covered from '../../rules/aws/backup/critical_resources_covered.js';
import jobSuccess from '../../rules/aws/backup/job_success.js';
import s3Versioning from '../../rules/aws/s3/versioning_critical_buckets.js';
import alarms from '../../rules/aws/cloudwatch/alarms_actionable.js';

const R = 'us-east-1';
const OBSERVED = new Date(NOW.getTime() - 3_600_000).toISOString();
const ALL_INPUTS = Object.fromEntries([...AWS_IAM_RESOURCE_TYPES, ...AWS_SERVICE_RESOURCE_TYPES].map((t) => [t, { observedAt: OBSERVED }]));

function res(type: string, id: string, name: string, attributes: Record<string, unknown>): Resource {
  return { source: 'aws', scope: ACCOUNT, type, id, name, region: R, attributes, observedAt: OBSERVED };
}
const trailArn = (n: string) => `arn:aws:cloudtrail:${R}:${ACCOUNT}:trail/${n}`;
const trail = (n: string, a: Record<string, unknown> = {}) =>
  res('aws.cloudtrail.trail', trailArn(n), n, { multiRegion: true, organization: false, homeRegion: R, logFileValidation: true, kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k', cloudWatchLogsGroup: 'lg', logging: true, latestDeliveryError: null, latestCloudWatchLogsDelivery: daysAgo(0.1), managementEvents: 'all', ...a });
const dbArn = (n: string) => `arn:aws:rds:${R}:${ACCOUNT}:db:${n}`;
const db = (n: string, a: Record<string, unknown> = {}) =>
  res('aws.rds.instance', dbArn(n), n, { engine: 'postgres', backupRetentionPeriod: 7, multiAz: true, deletionProtection: true, storageEncrypted: true, publiclyAccessible: false, clusterId: null, tags: { env: 'production', 'vigil:critical': 'true' }, ...a });
const clusterArn = (n: string) => `arn:aws:rds:${R}:${ACCOUNT}:cluster:${n}`;
const cluster = (n: string, a: Record<string, unknown> = {}) =>
  res('aws.rds.cluster', clusterArn(n), n, { engine: 'aurora-postgresql', backupRetentionPeriod: 14, multiAz: true, deletionProtection: true, storageEncrypted: true, tags: { env: 'production' }, ...a });
const planArn = (n: string) => `arn:aws:backup:${R}:${ACCOUNT}:backup-plan:${n}`;
const plan = (n: string, a: Record<string, unknown> = {}) => res('aws.backup.plan', planArn(n), n, { rules: [{ name: 'daily', schedule: 'cron(0 5 * * ? *)', deleteAfterDays: 35 }], selections: 1, ...a });
const protectedRes = (arn: string, lastBackupTime: string | null) => res('aws.backup.protected_resource', arn, arn.split(':').pop()!, { resourceType: 'RDS', lastBackupTime });
const jobArn = (n: string) => `arn:aws:backup:${R}:${ACCOUNT}:backup-job:${n}`;
const job = (n: string, a: Record<string, unknown> = {}) => res('aws.backup.job', jobArn(n), n, { resourceArn: dbArn('orders'), resourceType: 'RDS', state: 'COMPLETED', createdAt: daysAgo(1.1), completedAt: daysAgo(1), statusMessage: null, ...a });
const bucketArn = (n: string) => `arn:aws:s3:::${n}`;
const bucket = (n: string, a: Record<string, unknown> = {}) => ({ ...res('aws.s3.bucket', bucketArn(n), n, { tags: { 'vigil:critical': 'true' }, versioning: 'Enabled', versioningRead: true, ...a }) });
const alarmArn = (n: string) => `arn:aws:cloudwatch:${R}:${ACCOUNT}:alarm:${n}`;
const alarm = (n: string, a: Record<string, unknown> = {}) => res('aws.cloudwatch.alarm', alarmArn(n), n, { actionsEnabled: true, alarmActions: ['arn:aws:sns:us-east-1:111122223333:ops'], state: 'OK', stateUpdated: daysAgo(2), ...a });
const HISTORY = `arn:aws:cloudtrail:${R}:${ACCOUNT}:event-history`;
const history = () => res('aws.cloudtrail.history', HISTORY, `event-history/${R}`, { from: daysAgo(1), to: daysAgo(0.01), eventsRead: 3, streams: ['writes', 'root'] });
const event = (id: string, a: Record<string, unknown>) =>
  res('aws.cloudtrail.event', `arn:aws:cloudtrail:${R}:${ACCOUNT}:event/${id}`, String(a.eventName), { eventId: id, eventSource: 'iam.amazonaws.com', eventTime: daysAgo(0.5), readOnly: false, userType: 'IAMUser', userName: 'alice', mfaUsed: null, loginOutcome: null, target: null, sourceIp: '198.51.100.7', ...a });
const eventId = (id: string) => `arn:aws:cloudtrail:${R}:${ACCOUNT}:event/${id}`;

interface Row {
  name: string;
  resources: Resource[];
  id: string;
  status: Status;
  reason?: RegExp;
}

function table(rule: Rule, rows: Row[]): void {
  describe(rule.id, () => {
    it.each(rows.map((r) => [r.name, r] as const))('%s', (_n, row) => {
      const results = evaluateSnapshot(snapshot(row.resources, { inputs: ALL_INPUTS }), [rule], { now: NOW });
      const r = results.find((x) => x.resourceId === row.id);
      expect(r, `no result for ${row.id}: ${JSON.stringify(results)}`).toBeDefined();
      expect(r!.status, r!.reason).toBe(row.status);
      if (row.reason) expect(r!.reason).toMatch(row.reason);
    });
  });
}

table(multiRegion, [
  { name: 'a multi-region trail logging all management events passes', resources: [trail('main')], id: trailArn('main'), status: 'pass' },
  { name: 'only a single-region trail fails', resources: [trail('local', { multiRegion: false })], id: ROOT_ARN, status: 'fail', reason: /single-region/ },
  { name: 'no trail at all fails', resources: [], id: ROOT_ARN, status: 'fail', reason: /no CloudTrail trail/ },
  { name: 'a trail whose logging state was not read is error, not fail', resources: [trail('main', { logging: null })], id: ROOT_ARN, status: 'error', reason: /logging unread/ },
]);

table(logIntegrity, [
  { name: 'validation and KMS pass', resources: [trail('main')], id: trailArn('main'), status: 'pass' },
  { name: 'a single-region trail without validation is judged and fails', resources: [trail('local', { multiRegion: false, logFileValidation: false })], id: trailArn('local'), status: 'fail', reason: /log-file validation off/ },
  { name: 'no KMS key fails', resources: [trail('main', { kmsKeyId: null })], id: trailArn('main'), status: 'fail', reason: /SSE-KMS/ },
  { name: 'validation not reported is error', resources: [trail('main', { logFileValidation: null })], id: trailArn('main'), status: 'error', reason: /logFileValidation/ },
  { name: 'zero trails after a complete read is not applicable', resources: [], id: ROOT_ARN, status: 'not_applicable' },
]);

table(tampering, [
  { name: 'a region with no tampering event passes its summary', resources: [history()], id: HISTORY, status: 'pass' },
  { name: 'StopLogging fails and is listed', resources: [history(), event('e1', { eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com' })], id: eventId('e1'), status: 'fail', reason: /StopLogging/ },
  { name: 'the region summary fails with a tampering event', resources: [history(), event('e1', { eventName: 'DeleteTrail', eventSource: 'cloudtrail.amazonaws.com' })], id: HISTORY, status: 'fail' },
]);

table(signins, [
  { name: 'no root use passes the summary', resources: [history(), event('e1', { eventName: 'CreateUser' })], id: HISTORY, status: 'pass' },
  { name: 'a root API call fails', resources: [history(), event('e1', { eventName: 'CreateUser', userType: 'Root', userName: 'root' })], id: eventId('e1'), status: 'fail', reason: /root API call/ },
  { name: 'a console sign-in without MFA fails', resources: [history(), event('e1', { eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', mfaUsed: false, loginOutcome: 'Success' })], id: eventId('e1'), status: 'fail' },
  { name: 'a console sign-in whose MFAUsed was not recorded is error', resources: [history(), event('e1', { eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', mfaUsed: null, loginOutcome: 'Success' })], id: eventId('e1'), status: 'error' },
  { name: '…and the region summary cannot pass', resources: [history(), event('e1', { eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', mfaUsed: null, loginOutcome: 'Success' })], id: HISTORY, status: 'error', reason: /could not be judged/ },
]);

table(iamChanges, [
  { name: 'a CreateUser event is listed as a population member', resources: [history(), event('e1', { eventName: 'CreateUser', target: 'bob' })], id: eventId('e1'), status: 'pass', reason: /CreateUser bob/ },
  { name: 'the summary counts the population', resources: [history(), event('e1', { eventName: 'CreateUser' })], id: HISTORY, status: 'pass', reason: /1 IAM provisioning/ },
]);

table(rdsBackups, [
  { name: '7 days of backups pass', resources: [db('orders')], id: dbArn('orders'), status: 'pass' },
  { name: 'backups off fail', resources: [db('orders', { backupRetentionPeriod: 0 })], id: dbArn('orders'), status: 'fail', reason: /off/ },
  { name: 'a cluster with 3 days fails', resources: [cluster('aurora', { backupRetentionPeriod: 3 })], id: clusterArn('aurora'), status: 'fail' },
  { name: 'retention not reported is error, not "off"', resources: [db('orders', { backupRetentionPeriod: null })], id: dbArn('orders'), status: 'error' },
]);

table(rdsMultiAz, [
  { name: 'a Multi-AZ production instance passes', resources: [db('orders')], id: dbArn('orders'), status: 'pass' },
  { name: 'a single-AZ production instance fails', resources: [db('orders', { multiAz: false })], id: dbArn('orders'), status: 'fail' },
  { name: 'MultiAZ not reported is error', resources: [db('orders', { multiAz: null })], id: dbArn('orders'), status: 'error' },
  { name: 'tags not reported is error (production could not be told)', resources: [db('orders', { tags: null })], id: dbArn('orders'), status: 'error', reason: /tags/ },
]);

table(rdsDeletion, [
  { name: 'deletion protection on passes', resources: [db('orders')], id: dbArn('orders'), status: 'pass' },
  { name: 'deletion protection off fails', resources: [cluster('aurora', { deletionProtection: false })], id: clusterArn('aurora'), status: 'fail' },
  { name: 'DeletionProtection not reported is error', resources: [db('orders', { deletionProtection: null })], id: dbArn('orders'), status: 'error' },
]);

table(rdsEncrypted, [
  { name: 'encrypted and private passes', resources: [db('orders')], id: dbArn('orders'), status: 'pass' },
  { name: 'public fails', resources: [db('orders', { publiclyAccessible: true })], id: dbArn('orders'), status: 'fail', reason: /publicly accessible/ },
  { name: 'StorageEncrypted absent is error, not "not encrypted"', resources: [db('orders', { storageEncrypted: null })], id: dbArn('orders'), status: 'error', reason: /storageEncrypted/ },
  { name: 'a fail seen on what was read stands', resources: [db('orders', { storageEncrypted: null, publiclyAccessible: true })], id: dbArn('orders'), status: 'fail' },
]);

table(planRetention, [
  { name: 'a scheduled plan with selections and 35 days passes', resources: [plan('daily')], id: planArn('daily'), status: 'pass' },
  { name: 'short retention fails on the account', resources: [plan('daily', { rules: [{ name: 'd', schedule: 'cron(0 5 * * ? *)', deleteAfterDays: 7 }] })], id: ROOT_ARN, status: 'fail' },
  { name: 'no plan fails', resources: [], id: ROOT_ARN, status: 'fail', reason: /no AWS Backup plan/ },
  { name: 'a plan whose rules were not read is error', resources: [plan('daily', { rules: null })], id: ROOT_ARN, status: 'error' },
]);

table(covered, [
  { name: 'a recent recovery point passes', resources: [db('orders'), protectedRes(dbArn('orders'), daysAgo(0.5))], id: dbArn('orders'), status: 'pass' },
  { name: 'not protected fails', resources: [db('orders')], id: dbArn('orders'), status: 'fail', reason: /not protected/ },
  { name: 'an old recovery point fails', resources: [db('orders'), protectedRes(dbArn('orders'), daysAgo(3))], id: dbArn('orders'), status: 'fail' },
  { name: 'tags not reported is error', resources: [db('orders', { tags: null }), protectedRes(dbArn('orders'), daysAgo(0.5))], id: dbArn('orders'), status: 'error' },
]);

table(jobSuccess, [
  { name: 'a completed job passes', resources: [job('j1')], id: jobArn('j1'), status: 'pass' },
  { name: 'a failed job fails', resources: [job('j1', { state: 'FAILED', statusMessage: 'role missing' })], id: jobArn('j1'), status: 'fail', reason: /FAILED: role missing/ },
  { name: 'a job without a state is error', resources: [job('j1', { state: null })], id: jobArn('j1'), status: 'error' },
]);

table(s3Versioning, [
  { name: 'versioning enabled passes', resources: [bucket('records')], id: bucketArn('records'), status: 'pass' },
  { name: 'versioning never enabled fails', resources: [bucket('records', { versioning: null })], id: bucketArn('records'), status: 'fail', reason: /never enabled/ },
  { name: 'suspended fails', resources: [bucket('records', { versioning: 'Suspended' })], id: bucketArn('records'), status: 'fail' },
  { name: 'tags not read is error', resources: [bucket('records', { tags: null })], id: bucketArn('records'), status: 'error' },
  { name: 'versioning not read is error, not "never enabled"', resources: [bucket('records', { versioning: null, versioningRead: false })], id: bucketArn('records'), status: 'error' },
]);

table(alarms, [
  { name: 'an alarm notifying SNS passes', resources: [alarm('cpu')], id: alarmArn('cpu'), status: 'pass' },
  { name: 'actions disabled fails', resources: [alarm('cpu', { actionsEnabled: false })], id: alarmArn('cpu'), status: 'fail', reason: /actions disabled/ },
  { name: 'stuck in INSUFFICIENT_DATA fails', resources: [alarm('cpu', { state: 'INSUFFICIENT_DATA', stateUpdated: daysAgo(30) })], id: alarmArn('cpu'), status: 'fail' },
  { name: 'ActionsEnabled not reported is error', resources: [alarm('cpu', { actionsEnabled: null })], id: alarmArn('cpu'), status: 'error' },
]);
