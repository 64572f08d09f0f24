// The security-settings reads over real HTTP against the emulator: each service's "not enabled" answer is a fail,
// every other failure (denied, throttled, another error, a degraded reply) is error naming its cause, and listings page.
import { afterEach, describe, expect, it } from 'vitest';
import { collector, emulator } from './helpers.js';
import { demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { generateServices } from '../../collectors/aws/emulator/services-estate.js';
import type { AwsSourceConfig } from '../../collectors/aws/index.js';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Result, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { awsRules } from '../../rules/aws/index.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const ACCOUNT = '123456789012';
const REGIONS = ['us-east-1', 'eu-west-1'];
const FULL: Partial<AwsSourceConfig> = { iamOnly: false, regions: REGIONS, maxAttempts: 2 };
const SECURITY_RULES = ['aws.s3.account_public_access_blocked', 'aws.ec2.no_admin_ports_open_to_internet', 'aws.ec2.ebs_encrypted_by_default', 'aws.guardduty.enabled', 'aws.securityhub.enabled', 'aws.config.recorder_enabled', 'aws.iam.access_analyzer_enabled', 'aws.kms.key_rotation_enabled', 'aws.logs.retention_covers_audit_period', 'aws.backup.vault_protected'];

async function withServices(healthy = false): Promise<AwsEmulator> {
  const e = await emulator(demoEstate());
  e.services = generateServices({ accountId: ACCOUNT, regions: REGIONS, historyDays: 2, eventsPerDay: 1, databases: 1, healthy });
  return e;
}

async function run(e: AwsEmulator): Promise<{ s: Snapshot; results: Result[] }> {
  const s = await collector(e, FULL).collect({ scope: ACCOUNT, slot: '2025-01-01T00:00:00.000Z', clock: systemClock, logger: silentLogger });
  return { s, results: evaluateSnapshot(s, awsRules, { now: new Date() }) };
}

const verdicts = (results: Result[], ruleId: string): Record<string, string> =>
  Object.fromEntries(results.filter((r) => r.ruleId === ruleId).map((r) => [r.region ?? 'account', r.status]));

describe('AWS security settings over HTTP', () => {
  it('reads the seeded estate: the first region well set up, the second with the usual gaps, and no errors', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    for (const id of SECURITY_RULES.slice(1, 7)) expect(verdicts(results, id), id).toEqual({ 'us-east-1': 'pass', 'eu-west-1': 'fail' });
    // per key and per log group: the customer key without rotation and the trail's 30-day log group fail; the
    // AWS-managed and asymmetric keys are not applicable (GetKeyRotationStatus is not even asked for them)
    const kms = results.filter((r) => r.ruleId === 'aws.kms.key_rotation_enabled');
    expect(kms.map((r) => `${r.region} ${r.status}`).sort()).toEqual(['eu-west-1 fail', 'eu-west-1 not_applicable', 'eu-west-1 not_applicable', 'us-east-1 not_applicable', 'us-east-1 not_applicable', 'us-east-1 pass']);
    expect(emu.calls.filter((c) => c.action === 'GetKeyRotationStatus')).toHaveLength(2);
    const logs = results.filter((r) => r.ruleId === 'aws.logs.retention_covers_audit_period' && r.status === 'fail');
    expect(logs.map((r) => r.reason)).toEqual(['/aws/cloudtrail/org-trail: kept 30 days (at least 365 needed)']);
    const vaults = results.filter((r) => r.ruleId === 'aws.backup.vault_protected');
    expect(vaults.map((r) => `${r.region} ${r.resourceId.split(':').pop()} ${r.status}`).sort()).toEqual(['eu-west-1 Default not_applicable', 'eu-west-1 prod-vault fail', 'us-east-1 Default not_applicable', 'us-east-1 prod-vault pass']);
    // no account-level configuration: S3 answers NoSuchPublicAccessBlockConfiguration, which is a fail, not an error
    expect(verdicts(results, 'aws.s3.account_public_access_blocked')).toEqual({ account: 'fail' });
    const bastion = results.find((r) => r.ruleId === 'aws.ec2.no_admin_ports_open_to_internet' && r.status === 'fail');
    expect(bastion?.reason).toMatch(/bastion .*tcp 22 from 0\.0\.0\.0\/0/);
    expect(results.find((r) => r.ruleId === 'aws.securityhub.enabled' && r.status === 'fail')?.reason).toMatch(/not subscribed/);
    // every call went to its own service in its region; S3 Control named the account in x-amz-account-id
    const called = new Set(emu.calls.map((c) => `${c.service}:${c.action}`));
    for (const a of ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'logs:DescribeLogGroups', 's3:GetPublicAccessBlock', 'ec2:DescribeSecurityGroups', 'ec2:GetEbsEncryptionByDefault', 'guardduty:ListDetectors', 'guardduty:GetDetector', 'securityhub:DescribeHub', 'config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus', 'access-analyzer:ListAnalyzers']) expect(called, a).toContain(a);
  });

  it('passes a healthy account everywhere; pages security groups, and reads a region without any group as empty', async () => {
    emu = await withServices(true);
    const many = Array.from({ length: 1005 }, (_, i) => ({ id: `sg-p${i}`, name: `g${i}`, region: 'us-east-1', vpcId: 'vpc-1', ingress: [] }));
    emu.services.securityGroups = [...many, { id: 'sg-last', name: 'last', region: 'us-east-1', vpcId: 'vpc-1', ingress: [{ protocol: '-1', cidrs: ['0.0.0.0/0'] }] }];
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(emu.calls.filter((c) => c.action === 'DescribeSecurityGroups' && c.region === 'us-east-1')).toHaveLength(2);
    expect(s.resources.filter((r) => r.type === 'aws.ec2.security_group')).toHaveLength(1006);
    expect(results.filter((r) => r.ruleId === 'aws.ec2.no_admin_ports_open_to_internet' && r.status === 'fail').map((r) => r.resourceId)).toEqual([`arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/sg-last`]);
    for (const id of SECURITY_RULES.filter((x) => x !== 'aws.ec2.no_admin_ports_open_to_internet')) {
      for (const r of results.filter((x) => x.ruleId === id)) expect(r.status, `${id} ${r.resourceId}`).toMatch(/^(pass|not_applicable)$/);
    }
  });

  it('each read denied is error naming its permission, never "not enabled"', async () => {
    emu = await withServices(true);
    const cases = [
      ['DescribeHub', 'securityhub:DescribeHub', 'aws.securityhub.enabled'],
      ['GetPublicAccessBlock', 's3:GetAccountPublicAccessBlock', 'aws.s3.account_public_access_blocked'],
      ['DescribeSecurityGroups', 'ec2:DescribeSecurityGroups', 'aws.ec2.no_admin_ports_open_to_internet'],
      ['GetEbsEncryptionByDefault', 'ec2:GetEbsEncryptionByDefault', 'aws.ec2.ebs_encrypted_by_default'],
      ['GetDetector', 'guardduty:GetDetector', 'aws.guardduty.enabled'],
      ['DescribeConfigurationRecorderStatus', 'config:DescribeConfigurationRecorderStatus', 'aws.config.recorder_enabled'],
      ['ListAnalyzers', 'access-analyzer:ListAnalyzers', 'aws.iam.access_analyzer_enabled'],
      ['GetKeyRotationStatus', 'kms:GetKeyRotationStatus', 'aws.kms.key_rotation_enabled'],
      ['DescribeLogGroups', 'logs:DescribeLogGroups', 'aws.logs.retention_covers_audit_period'],
      ['ListBackupVaults', 'backup:ListBackupVaults', 'aws.backup.vault_protected'],
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

  // one run per row, each degrading four different reads: none may read as "not enabled", "none set" or a pass
  it.each([
    {
      DescribeHub: { status: 401, body: JSON.stringify({ __type: 'InvalidAccessException', message: 'The security token does not allow this action' }), headers: { 'x-amzn-ErrorType': 'InvalidAccessException' } },
      GetPublicAccessBlock: { status: 404, contentType: 'application/xml', body: '<ErrorResponse><Error><Code>NoSuchBucket</Code><Message>x</Message></Error></ErrorResponse>' },
      GetEbsEncryptionByDefault: { status: 200, contentType: 'text/xml', body: '<GetEbsEncryptionByDefaultResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId></GetEbsEncryptionByDefaultResponse>' },
      DescribeSecurityGroups: { status: 200, contentType: 'text/xml', body: '<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId></DescribeSecurityGroupsResponse>' },
    },
    {
      DescribeHub: { status: 200, body: '{}' },
      GetPublicAccessBlock: { status: 200, contentType: 'application/xml', body: '<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"></PublicAccessBlockConfiguration>' },
      GetDetector: { status: 200, body: '{}' },
      DescribeConfigurationRecorders: { status: 200, body: '{"ConfigurationRecorders":[{"name":"default"}]}' },
    },
    {
      DescribeHub: { status: 200, contentType: 'text/html', body: '<html>502</html>' },
      GetPublicAccessBlock: { status: 200, contentType: 'application/xml', body: '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>' },
      ListDetectors: { status: 200, body: '{"detectorIds":null}' },
      ListAnalyzers: { status: 200, body: '{"analyzers":[{"name":"a"}]}' },
      DescribeKey: { status: 200, body: '{}' },
      DescribeLogGroups: { status: 200, body: '{"logGroups":[{"logGroupName":"/x","arn":"arn:aws:logs:us-east-1:123456789012:log-group:/x:*","retentionInDays":"forever"}]}' },
      ListBackupVaults: { status: 200, body: '{"BackupVaultList":[{"BackupVaultName":"v","BackupVaultArn":"arn:aws:backup:us-east-1:123456789012:backup-vault:v","NumberOfRecoveryPoints":3}]}' },
    },
  ])('degraded replies are error, never a verdict (%#)', async (replies) => {
    emu = await withServices(true);
    for (const [action, reply] of Object.entries(replies)) emu.faults.reply(action, reply);
    // where GuardDuty is not degraded otherwise, it is throttled past the retries: error for the type, retryable
    const throttled = !('ListDetectors' in replies) && !('GetDetector' in replies);
    if (throttled) emu.faults.throttle('ListDetectors', 10);
    const { s, results } = await run(emu);
    if (throttled) {
      expect(s.errors.find((e) => e.operation === 'guardduty:ListDetectors')).toMatchObject({ cause: 'throttled', retryable: true });
      expect(Object.values(verdicts(results, 'aws.guardduty.enabled'))).toEqual(['error']);
    }
    const ruleOf: Record<string, string> = {
      DescribeHub: 'aws.securityhub.enabled',
      GetPublicAccessBlock: 'aws.s3.account_public_access_blocked',
      GetEbsEncryptionByDefault: 'aws.ec2.ebs_encrypted_by_default',
      DescribeSecurityGroups: 'aws.ec2.no_admin_ports_open_to_internet',
      GetDetector: 'aws.guardduty.enabled',
      ListDetectors: 'aws.guardduty.enabled',
      DescribeConfigurationRecorders: 'aws.config.recorder_enabled',
      ListAnalyzers: 'aws.iam.access_analyzer_enabled',
      DescribeKey: 'aws.kms.key_rotation_enabled',
      DescribeLogGroups: 'aws.logs.retention_covers_audit_period',
      ListBackupVaults: 'aws.backup.vault_protected',
    };
    for (const action of Object.keys(replies)) {
      const v = Object.values(verdicts(results, ruleOf[action]!));
      expect(v.length, action).toBeGreaterThan(0);
      expect(new Set(v), action).toEqual(new Set(['error']));
    }
  });

});
