// The availability reads over real HTTP against the emulator: DynamoDB tables (ListTables paged by
// LastEvaluatedTableName, then DescribeTable and DescribeContinuousBackups per table), ELBv2 load balancers and Auto
// Scaling groups. Every failure — denied, throttled past retries, a vanished table, a degraded reply — is error naming
// its cause, never a pass or a smaller population.
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { denyDeletePolicy } from '../../collectors/aws/emulator/backup-vaults.js';
import type { Result } from '../../src/core/types.js';
import { ACCOUNT, REGIONS, run, withServices } from './services-setup.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const PITR = 'aws.dynamodb.pitr';
const MULTI_AZ = 'aws.compute.multi_az';

/** `region name status` of a rule's results, sorted. */
const verdicts = (results: Result[], ruleId: string): string[] =>
  results
    .filter((r) => r.ruleId === ruleId)
    .map((r) => `${r.region ?? '-'} ${r.resourceId.split(/[/:]/).filter(Boolean).slice(-1)[0]} ${r.status}`)
    .sort();

describe('AWS availability reads over HTTP', () => {
  it('reads the seeded estate: the first region well set up, the second with the usual gaps, and no errors', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    // seeded (emulator/availability-estate.ts): us-east-1 is well set up, eu-west-1 has the gaps
    expect(verdicts(results, PITR)).toEqual(['eu-west-1 sessions fail', 'us-east-1 orders pass']);
    expect(results.find((r) => r.ruleId === PITR && r.status === 'fail')?.reason).toBe('sessions: point-in-time recovery disabled; deletion protection off');
    // the load balancer's ARN ends in its id, the group's in its name
    const az = results.filter((r) => r.ruleId === MULTI_AZ).map((r) => `${r.region} ${r.reason} ${r.status}`).sort();
    expect(az).toEqual([
      'eu-west-1 web-asg: behind a load balancer but replaces instances on EC2 health checks only, not ELB fail',
      'eu-west-1 web: spans 1 Availability Zone (eu-west-1a), fewer than 2 fail',
      'us-east-1 web-asg: spans 2 Availability Zones; ELB health checks pass',
      'us-east-1 web: spans 2 Availability Zones pass',
    ]);
    const called = emu.calls.filter((c) => ['dynamodb', 'elasticloadbalancing', 'autoscaling'].includes(c.service)).map((c) => `${c.region} ${c.service}:${c.action}`);
    // one table a region: one listing, then two describes per table; one bulk call each for ELBv2 and Auto Scaling
    for (const region of REGIONS) {
      expect(called.filter((c) => c.startsWith(region)).sort(), region).toEqual([
        `${region} autoscaling:DescribeAutoScalingGroups`,
        `${region} dynamodb:DescribeContinuousBackups`,
        `${region} dynamodb:DescribeTable`,
        `${region} dynamodb:ListTables`,
        `${region} elasticloadbalancing:DescribeLoadBalancers`,
      ]);
    }
  });

  it('matches capacity alarms to the seeded databases, load balancers and groups: only the first region has them all', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    const cap = results.filter((r) => r.ruleId === 'aws.cloudwatch.capacity_monitoring').map((r) => `${r.region} ${r.status} ${r.reason}`).sort();
    expect(cap).toEqual([
      'eu-west-1 fail aurora-eu-west-1: no CloudWatch alarm on its metrics (DBClusterIdentifier=aurora-eu-west-1)',
      'eu-west-1 fail web-asg: no CloudWatch alarm on its metrics (AutoScalingGroupName=web-asg)',
      'eu-west-1 fail web: no CloudWatch alarm on its metrics (LoadBalancer=app/web/0000000000000001)',
      'eu-west-1 pass db-eu-west-1-0: watched by rds-cpu-eu-west-1 (CPUUtilization)',
      'us-east-1 pass aurora-us-east-1: watched by aurora-free-storage-us-east-1 (FreeLocalStorage)',
      'us-east-1 pass db-us-east-1-0: watched by rds-cpu-us-east-1 (CPUUtilization)',
      'us-east-1 pass web-asg: watched by web-asg-cpu-us-east-1 (CPUUtilization)',
      'us-east-1 pass web: watched by web-latency-us-east-1 (TargetResponseTime)',
    ]);
  });

  it('pages every listing by its own continuation: LastEvaluatedTableName, NextMarker, NextToken', async () => {
    emu = await withServices(true);
    const r = 'us-east-1';
    emu.services.dynamoTables = Array.from({ length: 101 }, (_, i) => ({ name: `t${String(i).padStart(3, '0')}`, region: r, pitr: true, deletionProtection: true }));
    emu.services.loadBalancers = Array.from({ length: 401 }, (_, i) => ({ name: `lb${i}`, region: r, type: 'network' as const, zones: [`${r}a`, `${r}b`] }));
    emu.services.autoScalingGroups = Array.from({ length: 101 }, (_, i) => ({ name: `g${i}`, region: r, zones: [`${r}a`, `${r}c`], healthCheckType: 'EC2', targetGroups: [] }));
    emu.services.autoScalingGroups.push({ name: 'lone', region: r, zones: [`${r}a`], healthCheckType: 'EC2', targetGroups: [] });
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    const n = (action: string) => emu!.calls.filter((c) => c.action === action && c.region === r).length;
    expect([n('ListTables'), n('DescribeLoadBalancers'), n('DescribeAutoScalingGroups')]).toEqual([2, 2, 2]);
    expect(s.resources.filter((x) => x.type === 'aws.dynamodb.table')).toHaveLength(101);
    expect(s.resources.filter((x) => x.type === 'aws.elbv2.load_balancer')).toHaveLength(401);
    expect(s.resources.filter((x) => x.type === 'aws.autoscaling.group')).toHaveLength(102);
    expect(results.filter((x) => x.ruleId === MULTI_AZ && x.status !== 'pass').map((x) => x.reason)).toEqual(['lone: spans 1 Availability Zone (us-east-1a), fewer than 2']);
    expect(results.filter((x) => x.ruleId === PITR && x.status !== 'pass')).toEqual([]);
  });

  it('each read denied is error naming its permission, for the whole type', async () => {
    emu = await withServices(true);
    const cases = [
      ['DescribeContinuousBackups', 'dynamodb:DescribeContinuousBackups', PITR],
      ['DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingGroups', MULTI_AZ],
    ] as const;
    for (const [action] of cases) emu.faults.deny(action);
    const { s, results } = await run(emu);
    for (const [, permission, ruleId] of cases) {
      expect(s.errors.find((e) => e.operation === permission), permission).toMatchObject({ cause: 'denied', permission });
      const rs = results.filter((r) => r.ruleId === ruleId);
      expect(rs.map((r) => r.status), ruleId).toEqual(['error']);
      expect(rs[0]!.reason).toContain(permission);
    }
  });

  it('a load balancer listing denied (Query protocol, 403 AccessDenied) is error, and a throttled one is retried', async () => {
    emu = await withServices(true);
    emu.faults.deny('DescribeLoadBalancers');
    emu.faults.throttle('ListTables', 1);
    const { s, results } = await run(emu);
    expect(s.errors.map((e) => [e.operation, e.cause, e.code])).toEqual([
      ['elasticloadbalancing:DescribeLoadBalancers', 'denied', 'AccessDenied'],
      ['elasticloadbalancing:DescribeLoadBalancers', 'denied', 'AccessDenied'],
    ]);
    expect(results.filter((r) => r.ruleId === MULTI_AZ).map((r) => r.status)).toEqual(['error']);
    expect(verdicts(results, PITR).every((v) => v.endsWith('pass'))).toBe(true);
    // regions are read concurrently: the one throttled reply went to whichever region asked first
    expect(emu.calls.filter((c) => c.action === 'ListTables').map((c) => c.status).sort()).toEqual([200, 200, 400]);
  });

  it('a table deleted between ListTables and its describe is error for the region, not a table left out', async () => {
    emu = await withServices(true);
    // the listing still names the table, its describe answers ResourceNotFoundException, as after a DeleteTable
    emu.faults.reply('DescribeTable', { status: 400, contentType: 'application/x-amz-json-1.0', body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found: Table: orders not found' }), headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' } }, 1);
    const { s, results } = await run(emu);
    expect(s.errors.map((e) => [e.operation, e.code])).toEqual([['dynamodb:DescribeTable', 'ResourceNotFoundException']]);
    expect(results.filter((r) => r.ruleId === PITR).map((r) => r.status)).toEqual(['error']);
  });

  it.each([
    ['ListTables', { status: 200, body: '{}' }, 'dynamodb:ListTables', PITR],
    ['ListTables', { status: 200, body: '{"TableNames":[""]}' }, 'dynamodb:ListTables', PITR],
    ['DescribeTable', { status: 200, body: '{"Table":{"TableName":"orders"}}' }, 'dynamodb:DescribeTable', PITR],
    ['DescribeContinuousBackups', { status: 200, body: '{}' }, 'dynamodb:DescribeContinuousBackups', PITR],
    ['DescribeLoadBalancers', { status: 200, contentType: 'text/xml', body: '<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeLoadBalancersResult>' }, 'elasticloadbalancing:DescribeLoadBalancers', MULTI_AZ],
    ['DescribeAutoScalingGroups', { status: 200, contentType: 'text/html', body: '<html>502 Bad Gateway</html>' }, 'autoscaling:DescribeAutoScalingGroups', MULTI_AZ],
  ])('a degraded %s reply (%#) is malformed, and the rule errors instead of passing', async (action, reply, operation, ruleId) => {
    emu = await withServices(true);
    emu.faults.reply(action, reply);
    const { s, results } = await run(emu);
    expect(s.errors.find((e) => e.operation === operation)?.cause).toBe('malformed');
    expect(results.filter((r) => r.ruleId === ruleId).map((r) => r.status)).toEqual(['error']);
  });

  it('a reply missing a field the rule needs is error for that resource, not pass', async () => {
    emu = await withServices(true);
    // PITR description absent; a group whose TargetGroupARNs list is missing (attachments cannot be told)
    emu.faults.reply('DescribeContinuousBackups', { status: 200, contentType: 'application/x-amz-json-1.0', body: '{"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED"}}' }, 1);
    emu.faults.reply('DescribeAutoScalingGroups', {
      status: 200,
      contentType: 'text/xml',
      body: `<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/g</AutoScalingGroupARN><AvailabilityZones><member>us-east-1a</member><member>us-east-1b</member></AvailabilityZones><LoadBalancerNames/><HealthCheckType>EC2</HealthCheckType><TrafficSources/></member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>`,
    }, 1);
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    // regions are read concurrently: the one degraded reply hit whichever region's orders table was described first
    expect(verdicts(results, PITR).map((v) => v.split(' ').slice(1).join(' ')).sort()).toEqual(['orders error', 'orders pass']);
    const g = results.find((r) => r.ruleId === MULTI_AZ && r.resourceId.endsWith('autoScalingGroupName/g'));
    expect(g?.status).toBe('error');
    expect(g?.reason).toMatch(/load balancer attachments/);
  });
});

describe('backup vault protection over HTTP (access policy, recovery points)', () => {
  const VAULT = 'aws.backup.vault_protected';
  const vaults = (results: Result[]) => results.filter((r) => r.ruleId === VAULT && !r.resourceId.endsWith(':Default')).map((r) => `${r.region} ${r.status} ${r.reason}`).sort();

  it('reads the policy and recovery points of vaults holding recovery points only, and judges both', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(vaults(results)).toEqual([
      'eu-west-1 fail prod-vault: no Vault Lock and no deny-delete access policy (its access policy denies nothing); 3 of 40 recovery points unencrypted',
      expect.stringMatching(/^us-east-1 pass prod-vault: locked, minimum retention 35 days, encrypted with arn:aws:kms:us-east-1:\d{12}:key\/prod-[\w-]+, all 40 recovery points encrypted$/),
    ]);
    // the empty Default vaults cost nothing beyond the listing
    const perVault = emu.calls.filter((c) => c.action === 'GetBackupVaultAccessPolicy' || c.action === 'ListRecoveryPointsByBackupVault');
    expect(perVault).toHaveLength(4);
  });

  it('a deny-delete access policy stands in for Vault Lock', async () => {
    emu = await withServices();
    const v = emu.services.backupVaults.find((x) => x.region === 'eu-west-1' && x.name === 'prod-vault')!;
    v.policy = denyDeletePolicy(`arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:prod-vault`);
    v.unencrypted = 0;
    const { results } = await run(emu);
    expect(vaults(results)[0]).toMatch(/^eu-west-1 pass prod-vault: deny-delete access policy, encrypted with .*, all 40 recovery points encrypted$/);
  });

  it('a denied policy read, or a vault gone before it was read, is error, never "no policy"', async () => {
    emu = await withServices();
    emu.faults.deny('GetBackupVaultAccessPolicy');
    let { s, results } = await run(emu);
    expect(s.errors.find((e) => e.operation === 'backup:GetBackupVaultAccessPolicy')).toMatchObject({ cause: 'denied', permission: 'backup:GetBackupVaultAccessPolicy' });
    expect(results.filter((r) => r.ruleId === VAULT).map((r) => r.status)).toEqual(['error']);
    emu.faults.clear();
    // ResourceNotFoundException for the vault itself (deleted after the listing) is not the "no access policy" answer
    emu.faults.reply('ListRecoveryPointsByBackupVault', { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: 'Backup vault prod-vault does not exist.' }), headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' } }, 1);
    ({ s, results } = await run(emu));
    expect(s.errors.map((e) => [e.operation, e.code])).toEqual([['backup:ListRecoveryPointsByBackupVault', 'ResourceNotFoundException']]);
    expect(results.filter((r) => r.ruleId === VAULT).map((r) => r.status)).toEqual(['error']);
  });
});
