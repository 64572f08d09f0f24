// The governance reads over real HTTP against the emulator (catalogue rows 9, 15, 18): each service's documented
// "none" (ResourceNotFoundException, NoSuchBucketPolicy, ObjectLockConfigurationNotFoundError, empty lists) is read as
// such, every other failure — denied, throttled, another 404, a degraded reply — is error naming its cause.
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
const CONTACT = `arn:aws:account::${ACCOUNT}:alternate-contact/SECURITY`;
const FED = `arn:aws:iam::${ACCOUNT}:federation`;
const BUCKET = `arn:aws:s3:::cloudtrail-${ACCOUNT}`;
const RULES = ['aws.iam.human_access_federated', 'aws.account.incident_contacts', 'aws.cloudtrail.bucket_protected'];

async function withServices(healthy = false): Promise<AwsEmulator> {
  const e = await emulator(demoEstate());
  e.services = generateServices({ accountId: ACCOUNT, regions: REGIONS, historyDays: 2, eventsPerDay: 1, databases: 1, healthy });
  return e;
}

async function run(e: AwsEmulator, params: Record<string, Record<string, unknown>> = {}): Promise<{ s: Snapshot; results: Result[] }> {
  const s = await collector(e, FULL).collect({ scope: ACCOUNT, slot: '2025-01-01T00:00:00.000Z', clock: systemClock, logger: silentLogger });
  return { s, results: evaluateSnapshot(s, awsRules, { now: new Date(), params }) };
}

const result = (results: Result[], ruleId: string, resourceId: string): Result | undefined => results.find((r) => r.ruleId === ruleId && r.resourceId === resourceId);

describe('AWS governance reads over HTTP', () => {
  it('reads the seeded estate: contact registered, SAML federation, console users and an unprotected trail bucket', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    // the demo IAM estate gives nobody AWSSupportAccess, so the registered contact alone does not pass
    expect(result(results, 'aws.account.incident_contacts', CONTACT)).toMatchObject({ status: 'fail', reason: 'SECURITY contact Security Operations registered; no principal holds AWSSupportAccess' });
    expect(result(results, 'aws.iam.human_access_federated', FED)).toMatchObject({ status: 'pass', reason: 'people can federate: SAML provider corp-okta' });
    // every demo user with a console password (alice … judy, not the two service users) is outside the empty break-glass list
    const users = results.filter((r) => r.ruleId === 'aws.iam.human_access_federated' && r.resourceId !== FED);
    expect(users.map((r) => r.resourceId.split('/').pop()).sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy']);
    expect(new Set(users.map((r) => r.status))).toEqual(new Set(['fail']));
    expect(result(results, 'aws.cloudtrail.bucket_protected', BUCKET)).toMatchObject({ status: 'fail', region: 'us-east-1', reason: `cloudtrail-${ACCOUNT} (trail org-trail): no server access logging; neither MFA delete nor Object Lock` });
    // the bucket reads went to the trail bucket only, and Identity Center was asked in every region
    const s3 = emu.calls.filter((c) => ['GetBucketPolicyStatus', 'GetBucketAcl', 'GetBucketLogging', 'GetObjectLockConfiguration'].includes(c.action));
    expect(s3.map((c) => c.action).sort()).toEqual(['GetBucketAcl', 'GetBucketLogging', 'GetBucketPolicyStatus', 'GetObjectLockConfiguration']);
    expect(emu.calls.filter((c) => c.action === 'ListInstances').map((c) => c.region).sort()).toEqual(REGIONS.slice().sort());
    // NoSuchBucketPolicy is never reached here: the seeded bucket has a (private) policy
    expect(emu.calls.find((c) => c.action === 'GetBucketPolicyStatus')?.status).toBe(200);
  });

  it('passes a healthy account: Identity Center in another region, a support role, a logged bucket with MFA delete', async () => {
    emu = await withServices(true);
    emu.services.governance.identityCenter[0]!.region = 'eu-west-1';
    emu.estate.roles.push({ name: 'incident-response', path: '/', created: '2024-01-01T00:00:00Z', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] }, attachedPolicies: ['arn:aws:iam::aws:policy/AWSSupportAccess'], inlinePolicies: [], lastUsed: null });
    const { s, results } = await run(emu, { 'aws.iam.human_access_federated': { breakGlassUsers: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'] } });
    expect(s.errors).toEqual([]);
    expect(result(results, 'aws.account.incident_contacts', CONTACT)).toMatchObject({ status: 'pass', reason: 'SECURITY contact Security Operations registered; AWSSupportAccess held by role incident-response' });
    expect(result(results, 'aws.iam.human_access_federated', FED)?.reason).toMatch(/^people can federate: IAM Identity Center arn:aws:sso:::instance\/ssoins-\S+ \(eu-west-1\)$/);
    expect(result(results, 'aws.cloudtrail.bucket_protected', BUCKET)).toMatchObject({ status: 'pass', reason: `cloudtrail-${ACCOUNT} (trail org-trail): not public, access logged to access-logs-${ACCOUNT}, MFA delete` });
    for (const r of results.filter((x) => RULES.includes(x.ruleId))) expect(r.status, `${r.ruleId} ${r.resourceId}`).toBe('pass');
  });

  it('reads each documented "none": no contact, no providers or instances, no bucket policy, a public ACL, Object Lock', async () => {
    emu = await withServices();
    Object.assign(emu.services.governance, { securityContact: null, samlProviders: [], oidcProviders: [], identityCenter: [] });
    const b = emu.services.buckets.find((x) => x.name === `cloudtrail-${ACCOUNT}`)!;
    b.protection = { policy: 'none', aclPublic: true, logTarget: 'logs' };
    b.objectLock = {};
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(emu.calls.find((c) => c.action === 'GetAlternateContact')).toMatchObject({ status: 404, code: 'ResourceNotFoundException' });
    expect(emu.calls.find((c) => c.action === 'GetBucketPolicyStatus')).toMatchObject({ status: 404, code: 'NoSuchBucketPolicy' });
    expect(result(results, 'aws.account.incident_contacts', CONTACT)).toMatchObject({ status: 'fail', reason: 'no SECURITY alternate contact registered; no principal holds AWSSupportAccess' });
    expect(result(results, 'aws.iam.human_access_federated', FED)).toMatchObject({ status: 'fail', reason: 'no IAM Identity Center instance in any enabled region and no SAML provider: people can only sign in as IAM users' });
    expect(result(results, 'aws.cloudtrail.bucket_protected', BUCKET)).toMatchObject({ status: 'fail', reason: `cloudtrail-${ACCOUNT} (trail org-trail): ACL grants AllUsers READ` });
  });

  it('a trail delivering to a bucket of another account is not applicable here, and that bucket is never read', async () => {
    emu = await withServices();
    emu.services.buckets = emu.services.buckets.filter((x) => x.name !== `cloudtrail-${ACCOUNT}`);
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(result(results, 'aws.cloudtrail.bucket_protected', BUCKET)).toMatchObject({ status: 'not_applicable' });
    expect(emu.calls.filter((c) => c.action === 'GetBucketPolicyStatus')).toEqual([]);
  });

  it('each read denied is error naming its permission, never "none"', async () => {
    const cases = [
      ['GetAlternateContact', 'account:GetAlternateContact', 'aws.account.incident_contacts'],
      ['ListSAMLProviders', 'iam:ListSAMLProviders', 'aws.iam.human_access_federated'],
      ['ListInstances', 'sso:ListInstances', 'aws.iam.human_access_federated'],
      ['GetBucketLogging', 's3:GetBucketLogging', 'aws.cloudtrail.bucket_protected'],
    ] as const;
    for (const [action, permission, ruleId] of cases) {
      emu = await withServices(true);
      emu.faults.deny(action);
      const { s, results } = await run(emu);
      expect(s.errors.find((e) => e.operation === permission), permission).toMatchObject({ cause: 'denied', permission });
      // the denial leaves only this rule's input incomplete: one scope-level error naming the permission, nothing else judged
      const rs = results.filter((r) => r.ruleId === ruleId);
      expect(rs.map((r) => r.status), ruleId).toEqual(['error']);
      expect(rs[0]!.reason).toContain(permission);
      for (const other of RULES.filter((x) => x !== ruleId)) expect(results.filter((r) => r.ruleId === other).some((r) => r.status === 'error'), `${permission} spilled into ${other}`).toBe(false);
      await emu.close();
      emu = undefined;
    }
  });

  it('a failed versioning read names the type it was for: the trail bucket\'s, or a tagged bucket\'s', async () => {
    emu = await withServices();
    emu.faults.fail('GetBucketVersioning', 20);
    const { s, results } = await run(emu);
    // two tagged buckets (collectS3) and the trail bucket: each error lists only the input its own read feeds
    expect(s.errors.filter((e) => e.operation === 's3:GetBucketVersioning').map((e) => e.inputs.join()).sort()).toEqual(['aws.s3.bucket', 'aws.s3.bucket', 'aws.s3.trail_bucket']);
    expect(result(results, 'aws.cloudtrail.bucket_protected', BUCKET)).toBeUndefined();
    expect(results.filter((r) => r.ruleId === 'aws.cloudtrail.bucket_protected').map((r) => r.status)).toEqual(['error']);
  });

  it.each([
    ['GetAlternateContact', { status: 404, body: JSON.stringify({ __type: 'UnknownOperationException', message: 'x' }), headers: { 'x-amzn-ErrorType': 'UnknownOperationException' } }, 'aws.account.incident_contacts'],
    ['GetAlternateContact', { status: 200, body: '{}' }, 'aws.account.incident_contacts'],
    ['GetAlternateContact', { status: 200, body: JSON.stringify({ AlternateContact: { AlternateContactType: 'BILLING', EmailAddress: 'b@example.com' } }) }, 'aws.account.incident_contacts'],
    ['ListInstances', { status: 200, body: '{"Instances":null}' }, 'aws.iam.human_access_federated'],
    ['ListSAMLProviders', { status: 200, contentType: 'text/html', body: '<html>502 Bad Gateway</html>' }, 'aws.iam.human_access_federated'],
    ['GetBucketPolicyStatus', { status: 404, contentType: 'application/xml', body: '<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>' }, 'aws.cloudtrail.bucket_protected'],
    ['GetBucketPolicyStatus', { status: 200, contentType: 'application/xml', body: '<PolicyStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></PolicyStatus>' }, 'aws.cloudtrail.bucket_protected'],
    ['GetObjectLockConfiguration', { status: 404, contentType: 'application/xml', body: '<Error><Code>NoSuchKey</Code><Message>x</Message></Error>' }, 'aws.cloudtrail.bucket_protected'],
    ['GetEnabledStandards', { status: 200, body: '{"StandardsSubscriptions":[{"StandardsArn":"arn:aws:securityhub:us-east-1::standards/x"}]}' }, 'aws.securityhub.enabled'],
    ['GetEnabledStandards', { status: 200, body: '{}' }, 'aws.securityhub.enabled'],
    ['DescribeDeliveryChannels', { status: 200, body: '{"DeliveryChannels":null}' }, 'aws.config.recorder_enabled'],
    ['DescribeDeliveryChannelStatus', { status: 200, body: '{"DeliveryChannelsStatus":[{"configHistoryDeliveryInfo":{"lastStatus":"Success"}}]}' }, 'aws.config.recorder_enabled'],
    ['ListFindingsV2', { status: 200, body: '{"findings":[{"resource":"arn:aws:s3:::x","status":"ACTIVE"}]}' }, 'aws.iam.access_analyzer_enabled'],
    ['ListFindingsV2', { status: 200, body: '{"findings":[{"id":"f1","resource":"arn:aws:s3:::x","status":"ACTIVE"}]}' }, 'aws.iam.access_analyzer_enabled'],
    ['GetBucketLogging', { status: 200, contentType: 'application/xml', body: '<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>x' }, 'aws.cloudtrail.bucket_protected'],
  ])('a degraded %s reply (%#) is error for its rule, never a verdict', async (action, reply, ruleId) => {
    emu = await withServices(true);
    emu.faults.reply(action, reply);
    const { results } = await run(emu);
    const rs = results.filter((r) => r.ruleId === ruleId);
    expect(rs.length).toBeGreaterThan(0);
    // the federation rule still judges console users from the credential report; its account verdict must be error
    const judged = ruleId === 'aws.iam.human_access_federated' ? rs.filter((r) => !r.resourceId.includes(':user/')) : rs;
    expect(new Set(judged.map((r) => r.status)), JSON.stringify(judged)).toEqual(new Set(['error']));
  });

  it('Security Hub standards (row 26): asked only where the hub is enabled; a hub without a ready standard fails, a denied read is error', async () => {
    emu = await withServices();
    const SH = (region: string) => `arn:aws:securityhub:${region}:${ACCOUNT}:hub/default`;
    let { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    // the second region never enabled Security Hub: GetEnabledStandards is not asked there (it would be "not subscribed" too)
    expect(emu.calls.filter((c) => c.action === 'GetEnabledStandards').map((c) => c.region)).toEqual(['us-east-1']);
    expect(result(results, 'aws.securityhub.enabled', SH('us-east-1'))).toMatchObject({ status: 'pass', reason: 'us-east-1: Security Hub enabled since 2023-01-01T00:00:00.000Z, running aws-foundational-security-best-practices/v/1.0.0' });
    expect(result(results, 'aws.securityhub.enabled', SH('eu-west-1'))?.status).toBe('fail');
    emu.services.governance.securityHubStandards[0]!.status = 'INCOMPLETE';
    ({ results } = await run(emu));
    expect(result(results, 'aws.securityhub.enabled', SH('us-east-1'))).toMatchObject({ status: 'fail', reason: 'us-east-1: Security Hub enabled since 2023-01-01T00:00:00.000Z but no standard ready (aws-foundational-security-best-practices/v/1.0.0 INCOMPLETE): it runs no checks' });
    emu.faults.deny('GetEnabledStandards');
    ({ s, results } = await run(emu));
    expect(s.errors.find((e) => e.operation === 'securityhub:GetEnabledStandards')).toMatchObject({ cause: 'denied', permission: 'securityhub:GetEnabledStandards' });
    expect(results.filter((r) => r.ruleId === 'aws.securityhub.enabled').map((r) => r.status)).toEqual(['error']);
  });

  it('Config delivery channels (row 27): a failed delivery or no channel fails a recording region; a denied status read is error', async () => {
    emu = await withServices(true);
    const CFG = (region: string) => `arn:aws:config:${region}:${ACCOUNT}:configuration-recorders`;
    emu.services.governance.configDeliveryChannels = emu.services.governance.configDeliveryChannels.filter((c) => c.region !== 'eu-west-1');
    emu.services.governance.configDeliveryChannels[0]!.history = 'Failure';
    emu.services.governance.configDeliveryChannels[0]!.error = 'NoSuchBucket';
    let { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(result(results, 'aws.config.recorder_enabled', CFG('us-east-1'))).toMatchObject({ status: 'fail', reason: 'us-east-1: recorder default recording, but delivery channel default last delivery failed (NoSuchBucket)' });
    expect(result(results, 'aws.config.recorder_enabled', CFG('eu-west-1'))).toMatchObject({ status: 'fail', reason: 'eu-west-1: recorder default recording, but no delivery channel (recorded changes go nowhere)' });
    emu.services.governance.configDeliveryChannels[0]!.history = 'Success';
    emu.faults.deny('DescribeDeliveryChannelStatus');
    ({ s, results } = await run(emu));
    expect(s.errors.find((e) => e.operation === 'config:DescribeDeliveryChannelStatus')).toMatchObject({ cause: 'denied' });
    expect(results.filter((r) => r.ruleId === 'aws.config.recorder_enabled').map((r) => r.status)).toEqual(['error']);
  });

  it('Access Analyzer findings (row 14): an ACTIVE finding older than 30 days fails the region, an archived one does not count', async () => {
    emu = await withServices();
    const AA = `arn:aws:access-analyzer:us-east-1:${ACCOUNT}:analyzers`;
    let { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    // asked once, for the only active external-access analyzer, filtered on ACTIVE (the 200-day-old archived one is not returned)
    expect(emu.calls.filter((c) => c.action === 'ListFindingsV2').map((c) => c.region)).toEqual(['us-east-1']);
    expect(result(results, 'aws.iam.access_analyzer_enabled', AA)).toMatchObject({ status: 'pass', reason: 'us-east-1: analyzer external-access-us-east-1 (ACCOUNT) active, 1 ACTIVE finding(s), none older than 30 days' });
    emu.services.governance.analyzerFindings.find((f) => f.id === 'f-archived')!.status = 'ACTIVE';
    ({ results } = await run(emu));
    expect(result(results, 'aws.iam.access_analyzer_enabled', AA)?.status).toBe('fail');
    expect(result(results, 'aws.iam.access_analyzer_enabled', AA)?.reason).toMatch(/1 ACTIVE finding\(s\) unreviewed for more than 30 days: arn:aws:iam::123456789012:role\/vendor-audit since /);
    emu.faults.deny('ListFindingsV2');
    ({ s, results } = await run(emu));
    expect(s.errors.find((e) => e.operation === 'access-analyzer:ListFindingsV2')).toMatchObject({ cause: 'denied', permission: 'access-analyzer:ListFindingsV2' });
    expect(results.filter((r) => r.ruleId === 'aws.iam.access_analyzer_enabled').map((r) => r.status)).toEqual(['error']);
  });

  it('without the region list, Identity Center cannot be read everywhere: the federation verdict is error', async () => {
    emu = await withServices(true);
    emu.faults.deny('ListRegions');
    const s = await collector(emu, { iamOnly: false, maxAttempts: 2 }).collect({ scope: ACCOUNT, slot: '2025-01-01T00:00:00.000Z', clock: systemClock, logger: silentLogger });
    const results = evaluateSnapshot(s, awsRules, { now: new Date() });
    expect(emu.calls.filter((c) => c.action === 'ListInstances')).toEqual([]);
    const rs = results.filter((r) => r.ruleId === 'aws.iam.human_access_federated');
    expect(rs.map((r) => r.status)).toEqual(['error']);
    expect(rs[0]!.reason).toContain('account:ListRegions');
  });
});
