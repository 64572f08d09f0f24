// Rule tables for the AWS availability and operations rules (aws.dynamodb.pitr, aws.compute.multi_az,
// aws.guardduty.high_findings_triaged): pass and fail rows with hand-written verdicts, and `error` where the collector
// could not read what the rule needs (null), through the real engine.
import { describe, expect, it } from 'vitest';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { ACCOUNT, NOW, snapshot } from './helpers.js';
import { ALL_INPUTS, R, res, table } from './aws-table.js';
import pitr from '../../rules/aws/dynamodb/pitr.js';
import multiAz from '../../rules/aws/compute/multi_az.js';
import triaged from '../../rules/aws/guardduty/high_findings_triaged.js';
import { deniesDelete } from '../../collectors/aws/services-vaults.js';
import capacity from '../../rules/aws/cloudwatch/capacity_monitoring.js';
import healthEvents from '../../rules/aws/health/events_reviewed.js';

const tableArn = (n: string) => `arn:aws:dynamodb:${R}:${ACCOUNT}:table/${n}`;
const ddbTable = (n: string, a: Record<string, unknown> = {}) => res('aws.dynamodb.table', tableArn(n), n, { status: 'ACTIVE', deletionProtection: true, pitrStatus: 'ENABLED', pitrRecoveryPeriodDays: 35, ...a });
const lbArn = (n: string) => `arn:aws:elasticloadbalancing:${R}:${ACCOUNT}:loadbalancer/app/${n}/1`;
const lb = (n: string, zones: unknown) => res('aws.elbv2.load_balancer', lbArn(n), n, { type: 'application', scheme: 'internal', state: 'active', zones });
const asgArn = (n: string) => `arn:aws:autoscaling:${R}:${ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/${n}`;
const asg = (n: string, a: Record<string, unknown> = {}) => res('aws.autoscaling.group', asgArn(n), n, { zones: [`${R}a`, `${R}b`], healthCheckTypes: ['ELB'], loadBalanced: true, desiredCapacity: 2, ...a });

table(pitr, [
  { name: 'PITR and deletion protection on passes', resources: [ddbTable('orders')], id: tableArn('orders'), status: 'pass', reason: /35-day window\), deletion protection on/ },
  { name: 'a reply without a recovery period is the 35-day window AWS had', resources: [ddbTable('orders', { pitrRecoveryPeriodDays: null })], id: tableArn('orders'), status: 'pass', reason: /35-day/ },
  { name: 'PITR disabled fails', resources: [ddbTable('sessions', { pitrStatus: 'DISABLED', pitrRecoveryPeriodDays: null })], id: tableArn('sessions'), status: 'fail', reason: /point-in-time recovery disabled/ },
  { name: 'deletion protection off fails', resources: [ddbTable('sessions', { deletionProtection: false })], id: tableArn('sessions'), status: 'fail', reason: /deletion protection off/ },
  { name: 'deletion protection off passes when the parameter does not require it', resources: [ddbTable('sessions', { deletionProtection: false })], id: tableArn('sessions'), status: 'pass', params: { requireDeletionProtection: false } },
  { name: 'a recovery period shorter than the parameter fails', resources: [ddbTable('orders', { pitrRecoveryPeriodDays: 7 })], id: tableArn('orders'), status: 'fail', reason: /recovery period 7 < 14 days/, params: { minRecoveryPeriodDays: 14 } },
  { name: 'the PITR status not reported is error', resources: [ddbTable('orders', { pitrStatus: null })], id: tableArn('orders'), status: 'error', reason: /pitrStatus/ },
  { name: 'deletion protection not reported is error', resources: [ddbTable('orders', { deletionProtection: null })], id: tableArn('orders'), status: 'error', reason: /deletionProtection/ },
  { name: 'a known failure stands even when another setting was not reported', resources: [ddbTable('orders', { pitrStatus: null, deletionProtection: false })], id: tableArn('orders'), status: 'fail', reason: /deletion protection off/ },
]);

table(multiAz, [
  { name: 'a load balancer in two zones passes', resources: [lb('web', [`${R}a`, `${R}b`])], id: lbArn('web'), status: 'pass', reason: /spans 2 Availability Zones/ },
  { name: 'a load balancer in one zone fails', resources: [lb('web', [`${R}a`])], id: lbArn('web'), status: 'fail', reason: /spans 1 Availability Zone \(eu-west-1a\), fewer than 2/ },
  { name: 'a zone listed twice counts once', resources: [lb('web', [`${R}a`, `${R}a`])], id: lbArn('web'), status: 'fail' },
  { name: 'three zones are required when the parameter says so', resources: [lb('web', [`${R}a`, `${R}b`])], id: lbArn('web'), status: 'fail', params: { minZones: 3 } },
  { name: 'a load balancer whose zones were not reported is error', resources: [lb('web', null)], id: lbArn('web'), status: 'error', reason: /zones/ },
  { name: 'a load-balanced group in two zones with ELB health checks passes', resources: [asg('web-asg')], id: asgArn('web-asg'), status: 'pass', reason: /ELB health checks/ },
  { name: 'ELB among several health-check types passes', resources: [asg('web-asg', { healthCheckTypes: ['EBS', 'ELB'] })], id: asgArn('web-asg'), status: 'pass' },
  { name: 'a load-balanced group on EC2 checks only fails', resources: [asg('web-asg', { healthCheckTypes: ['EC2'] })], id: asgArn('web-asg'), status: 'fail', reason: /EC2 health checks only/ },
  { name: 'a group without a load balancer needs no ELB health check', resources: [asg('batch', { healthCheckTypes: ['EC2'], loadBalanced: false })], id: asgArn('batch'), status: 'pass', reason: /no load balancer attached/ },
  { name: 'a group in one zone fails', resources: [asg('batch', { zones: [`${R}a`], loadBalanced: false, healthCheckTypes: ['EC2'] })], id: asgArn('batch'), status: 'fail', reason: /spans 1/ },
  { name: 'a group whose attachments were not reported is error', resources: [asg('web-asg', { loadBalanced: null, healthCheckTypes: ['EC2'] })], id: asgArn('web-asg'), status: 'error', reason: /load balancer attachments/ },
  { name: 'a load-balanced group whose health-check type was not reported is error', resources: [asg('web-asg', { healthCheckTypes: null })], id: asgArn('web-asg'), status: 'error', reason: /healthCheckTypes/ },
  { name: 'a one-zone group fails even with its attachments unread', resources: [asg('web-asg', { zones: [`${R}a`], loadBalanced: null })], id: asgArn('web-asg'), status: 'fail' },
]);

const GDF = `arn:aws:guardduty:${R}:${ACCOUNT}:findings/high-active`;
const gdf = (findings: unknown, detectors = 1) => res('aws.guardduty.findings', GDF, `guardduty-findings/${R}`, { detectors, minSeverity: 7, findings });
const finding = (id: string, createdDaysAgo: number | null, a: Record<string, unknown> = {}) => ({ id, type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', title: 't', severity: 8, createdAt: createdDaysAgo === null ? null : new Date(NOW.getTime() - createdDaysAgo * 86_400_000).toISOString(), updatedAt: null, archived: false, detectorId: 'd1', ...a });

table(triaged, [
  { name: 'no active HIGH finding passes', resources: [gdf([])], id: GDF, status: 'pass', reason: /no active HIGH\+ finding/ },
  { name: 'a HIGH finding opened 3 days ago is within the 7-day SLA and passes', resources: [gdf([finding('f1', 3)])], id: GDF, status: 'pass', reason: /1 active HIGH\+ finding\(s\), none older than 7 days/ },
  { name: 'a HIGH finding open 12 days fails, naming its type and day', resources: [gdf([finding('f1', 12)])], id: GDF, status: 'fail', reason: /1 HIGH\+ finding\(s\) active past 7 days: CryptoCurrency:EC2\/BitcoinTool\.B!DNS since 2025-06-03/ },
  { name: 'exactly 7 days open is not past a 7-day SLA', resources: [gdf([finding('f1', 7)])], id: GDF, status: 'pass' },
  { name: 'a longer SLA from the parameter passes a 12-day-old finding', resources: [gdf([finding('f1', 12)])], id: GDF, status: 'pass', params: { maxOpenDays: 14 } },
  { name: 'an archived finding does not count', resources: [gdf([finding('f1', 40, { archived: true })])], id: GDF, status: 'pass' },
  { name: 'a late finding fails even beside one without a creation time', resources: [gdf([finding('f1', 12), finding('f2', null)])], id: GDF, status: 'fail' },
  { name: 'an active finding without a creation time is error, not pass', resources: [gdf([finding('f2', null)])], id: GDF, status: 'error', reason: /without a creation time or severity/ },
  { name: 'an active finding without a severity is error', resources: [gdf([finding('f2', 2, { severity: null })])], id: GDF, status: 'error' },
  { name: 'a region without a detector is not applicable', resources: [gdf([], 0)], id: GDF, status: 'not_applicable' },
  { name: 'findings not reported is error', resources: [gdf(null)], id: GDF, status: 'error' },
]);

const alarm = (name: string, metrics: unknown, region = R) => ({ ...res('aws.cloudwatch.alarm', `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`, name, { actionsEnabled: true, alarmActions: ['arn:aws:sns:x'], state: 'OK', stateUpdated: null, metrics }), region });
const m = (namespace: string, metricName: string, dims: Record<string, string>) => ({ namespace, metricName, dimensions: Object.entries(dims).map(([name, value]) => ({ name, value })) });
const dbArn = (n: string) => `arn:aws:rds:${R}:${ACCOUNT}:db:${n}`;
const db = (n: string, a: Record<string, unknown> = {}) => res('aws.rds.instance', dbArn(n), n, { engine: 'postgres', clusterId: null, tags: { 'vigil:critical': 'true' }, ...a });
const clArn = (n: string) => `arn:aws:rds:${R}:${ACCOUNT}:cluster:${n}`;
const cl = (n: string) => res('aws.rds.cluster', clArn(n), n, { engine: 'aurora-postgresql', tags: { 'vigil:critical': 'true' } });
const web = () => lb('web', [`${R}a`, `${R}b`]);

table(capacity, [
  { name: 'a critical DB with a CPU alarm on its identifier passes', resources: [db('orders'), alarm('cpu', [m('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'orders' })])], id: dbArn('orders'), status: 'pass', reason: /watched by cpu \(CPUUtilization\)/ },
  { name: 'a critical DB whose alarms watch another DB fails', resources: [db('orders'), alarm('cpu', [m('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'billing' })])], id: dbArn('orders'), status: 'fail', reason: /no CloudWatch alarm on its metrics \(DBInstanceIdentifier=orders\)/ },
  { name: 'an alarm in another region does not count', resources: [db('orders'), alarm('cpu', [m('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'orders' })], 'us-east-1')], id: dbArn('orders'), status: 'fail' },
  { name: 'a DB without the critical tag is not judged', resources: [db('scratch', { tags: {} }), db('orders'), alarm('cpu', [m('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'orders' })])], id: dbArn('orders'), status: 'pass' },
  { name: 'a DB whose tags were not read is error', resources: [db('orders', { tags: null })], id: dbArn('orders'), status: 'error', reason: /tags/ },
  { name: 'an Aurora cluster is matched on DBClusterIdentifier', resources: [cl('aurora'), alarm('storage', [m('AWS/RDS', 'FreeLocalStorage', { DBClusterIdentifier: 'aurora' })])], id: clArn('aurora'), status: 'pass' },
  { name: 'a load balancer is matched on the end of its ARN', resources: [web(), alarm('lat', [m('AWS/ApplicationELB', 'TargetResponseTime', { LoadBalancer: 'app/web/1' })])], id: lbArn('web'), status: 'pass', reason: /TargetResponseTime/ },
  { name: 'a load balancer alarm in a foreign namespace does not count', resources: [web(), alarm('lat', [m('Custom/Web', 'Latency', { LoadBalancer: 'app/web/1' })])], id: lbArn('web'), status: 'fail' },
  { name: 'a metric-math alarm counts through any of its metrics', resources: [asg('web-asg'), alarm('math', [m('AWS/EC2', 'NetworkIn', { InstanceId: 'i-1' }), m('CWAgent', 'mem_used_percent', { AutoScalingGroupName: 'web-asg' })])], id: asgArn('web-asg'), status: 'pass' },
  { name: 'a group without an alarm fails', resources: [asg('web-asg')], id: asgArn('web-asg'), status: 'fail', reason: /AutoScalingGroupName=web-asg/ },
  { name: 'with no match, an alarm whose metrics were not reported makes it error', resources: [asg('web-asg'), alarm('odd', null)], id: asgArn('web-asg'), status: 'error', reason: /odd/ },
  { name: 'a match stands beside an alarm whose metrics were not reported', resources: [asg('web-asg'), alarm('odd', null), alarm('cpu', [m('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'web-asg' })])], id: asgArn('web-asg'), status: 'pass' },
]);

const HEV = `arn:aws:health:us-east-1:${ACCOUNT}:events/open`;
const EV = 'arn:aws:health:eu-west-1::event/RDS/AWS_RDS_MAINTENANCE_SCHEDULED/EV1';
const hev = (events: unknown) => res('aws.health.events', HEV, 'health-events', { events }, undefined);
const ev = { arn: EV, service: 'RDS', eventTypeCode: 'AWS_RDS_MAINTENANCE_SCHEDULED', category: 'scheduledChange', region: R, status: 'upcoming', startTime: '2025-06-20T02:00:00.000Z' };

table(healthEvents, [
  { name: 'an upcoming scheduled change is captured for review (pass), naming what and when', resources: [hev([ev])], id: EV, status: 'pass', reason: /captured for review: scheduledChange AWS_RDS_MAINTENANCE_SCHEDULED \(RDS\) in eu-west-1, upcoming from 2025-06-20/ },
  { name: 'the account summary counts the events read', resources: [hev([ev])], id: HEV, status: 'pass', reason: /^1 open issue/ },
  { name: 'no open event still passes the summary: the Health API answered', resources: [hev([])], id: HEV, status: 'pass', reason: /^0 open/ },
  { name: 'events not reported is error', resources: [hev(null)], id: HEV, status: 'error' },
]);

describe('no table, no load balancer, no group', () => {
  it('is not applicable for the account, once every input was read', () => {
    for (const rule of [pitr, multiAz]) {
      const results = evaluateSnapshot(snapshot([], { inputs: ALL_INPUTS }), [rule], { now: NOW });
      expect(results.map((r) => r.status), rule.id).toEqual(['not_applicable']);
    }
  });
  it('is error when an input was not collected', () => {
    const inputs = { ...ALL_INPUTS };
    delete inputs['aws.autoscaling.group'];
    const results = evaluateSnapshot(snapshot([lb('web', [`${R}a`, `${R}b`])], { inputs }), [multiAz], { now: NOW });
    expect(results.map((r) => r.status)).toEqual(['error']);
    expect(results[0]!.reason).toMatch(/aws.autoscaling.group was not collected/);
  });
});

describe('deniesDelete (vault access policies)', () => {
  const doc = (stmt: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [stmt] });
  const deny = { Effect: 'Deny', Principal: '*', Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'], Resource: '*' };
  it.each([
    ['the documented deny-delete statement', doc(deny), true],
    ['a wildcard action and principal {AWS: "*"}', doc({ ...deny, Principal: { AWS: '*' }, Action: 'backup:*' }), true],
    ['Delete* alone leaves UpdateRecoveryPointLifecycle open', doc({ ...deny, Action: 'backup:Delete*' }), false],
    ['a deny exempting a break-glass role (ArnNotLike on aws:PrincipalArn)', doc({ ...deny, Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/BreakGlass' } } }), true],
    ['a deny limited by another condition (only from one IP)', doc({ ...deny, Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }), false],
    ['a deny to one principal only', doc({ ...deny, Principal: { AWS: 'arn:aws:iam::111122223333:user/x' } }), false],
    ['an allow', doc({ ...deny, Effect: 'Allow' }), false],
    ['a deny of NotAction', doc({ Effect: 'Deny', Principal: '*', NotAction: 'backup:StartRestoreJob', Resource: '*' }), false],
    ['one recovery point only', doc({ ...deny, Resource: 'arn:aws:backup:eu-west-1:111122223333:recovery-point:x' }), false],
  ])('%s', (_n, policy, want) => {
    expect(deniesDelete(policy)).toBe(want);
  });
  it('is null for a document that is not a policy', () => {
    expect(deniesDelete('{"Version":')).toBeNull();
    expect(deniesDelete('[]')).toBeNull();
  });
});
