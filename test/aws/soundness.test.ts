// AWS soundness over real HTTP: replies the emulator degrades as real services and proxies do never yield a false pass,
// and every error names its real cause (denied only for a denial, with the permission).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { collector, emulator } from './helpers.js';
import { demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { generateServices } from '../../collectors/aws/emulator/services-estate.js';
import { awsSourceConfigSchema, type AwsSourceConfig } from '../../collectors/aws/index.js';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { classifyFailure } from '../../src/core/failure.js';
import type { Result, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { awsRules } from '../../rules/aws/index.js';

let emu: AwsEmulator | undefined;
let hung: Server | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  if (hung) await new Promise<void>((r) => { hung!.closeAllConnections(); hung!.close(() => r()); });
  hung = undefined;
});

const ACCOUNT = '123456789012';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const FULL: Partial<AwsSourceConfig> = { iamOnly: false, regions: ['us-east-1'], maxAttempts: 2 };

async function withServices(): Promise<AwsEmulator> {
  const e = await emulator(demoEstate());
  e.services = generateServices({ accountId: ACCOUNT, regions: ['us-east-1'], historyDays: 10, eventsPerDay: 2, databases: 2 });
  return e;
}

async function run(e: AwsEmulator, extra: Partial<AwsSourceConfig> = {}, cursors?: Record<string, string>, onOperation?: (op: string) => void): Promise<{ s: Snapshot; results: Result[] }> {
  const s = await collector(e, extra).collect({ scope: ACCOUNT, slot: '2025-01-01T00:00:00.000Z', clock: systemClock, logger: silentLogger, ...(cursors ? { cursors } : {}), ...(onOperation ? { onOperation } : {}) });
  const params = { 'aws.iam.root_credentials_minimized': { requireNoRootPassword: true } };
  return { s, results: evaluateSnapshot(s, awsRules, { now: new Date(), params }) };
}

const of = (results: Result[], ruleId: string): Result[] => results.filter((r) => r.ruleId === ruleId);
const passes = (results: Result[]): Set<string> => new Set(results.filter((r) => r.status === 'pass' || r.status === 'not_applicable').map((r) => `${r.ruleId} ${r.resourceId}`));

describe('AWS completeness contract over HTTP', () => {
  it('a credential report without the <root_account> row makes the root-use and root-credential verdicts error (incomplete)', async () => {
    emu = await emulator(demoEstate());
    emu.estate.root.accessKeys = [];
    emu.faults.omitRootRow(true);
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([expect.objectContaining({ operation: 'iam:GetCredentialReport', cause: 'incomplete', resources: [ROOT] })]);
    for (const id of ['aws.iam.root_recent_use', 'aws.iam.root_credentials_minimized']) {
      const [r] = of(results, id);
      expect(r?.status, `${id}: ${r?.reason}`).toBe('error');
      expect(r?.reason).toMatch(/incomplete reply/);
      expect(r?.reason).not.toMatch(/needs permission/);
    }
  });

  it('a user newer than the cached credential report is error for the credential rules, not outside their population', async () => {
    emu = await emulator(demoEstate());
    await run(emu);
    // the report is cached for 4 hours, as in IAM: the next run reads a report generated before this user existed
    emu.estate.users.push({ name: 'newbie', path: '/', created: '2025-01-01T00:00:00Z', password: { lastChanged: '2025-01-01T00:00:00Z', lastUsed: null }, mfa: [], accessKeys: [], groups: [], attachedPolicies: [], inlinePolicies: [] });
    const { s, results } = await run(emu);
    const arn = `arn:aws:iam::${ACCOUNT}:user/newbie`;
    expect(s.errors).toEqual([expect.objectContaining({ operation: 'iam:GetCredentialReport', cause: 'incomplete', resources: [arn] })]);
    for (const id of ['aws.iam.console_users_mfa', 'aws.iam.unused_credentials_disabled', 'aws.iam.access_keys_rotated']) {
      expect(results.find((r) => r.ruleId === id && r.resourceId === arn)?.status, id).toBe('error');
    }
  });

  it.each([
    ['cloudtrail:LookupEvents', 'LookupEvents', ['aws.cloudtrail.no_logging_tampering', 'aws.cloudtrail.sensitive_signins', 'aws.cloudtrail.iam_change_events']],
    ['rds:DescribeDBInstances', 'DescribeDBInstances', ['aws.rds.encrypted_private']],
    ['backup:ListBackupPlans', 'ListBackupPlans', ['aws.backup.plan_retention']],
    ['cloudwatch:DescribeAlarms', 'DescribeAlarms', ['aws.cloudwatch.alarms_actionable']],
    ['s3:ListAllMyBuckets', 'ListBuckets', ['aws.s3.versioning_critical_buckets']],
    ['iam:GetAccountPasswordPolicy', 'GetAccountPasswordPolicy', ['aws.iam.password_policy_strong']],
  ])('a 200 with an empty body from %s is malformed, and its rules error instead of passing', async (operation, action, rules) => {
    emu = await withServices();
    emu.faults.reply(action, { status: 200, body: '' });
    const { s, results } = await run(emu, FULL);
    expect(s.errors.filter((e) => e.operation === operation).map((e) => e.cause)).toContain('malformed');
    for (const id of rules) {
      const rs = of(results, id);
      expect(rs.map((r) => r.status), id).toEqual(['error']);
      expect(rs[0]!.reason).toMatch(/malformed reply/);
      expect(rs[0]!.reason).not.toMatch(/needs permission|NoSuchEntity/);
    }
  });

  it.each([
    ['an HTML error page', { status: 200, contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' }],
    ['{}', { status: 200, body: '{}' }],
    ['the list key null', { status: 200, body: '{"BackupPlansList":null}' }],
    ['a truncated body', { status: 200, body: '{"BackupPlansList":[{"BackupPlanId":"p1"' }],
  ])('%s from backup:ListBackupPlans is malformed, never "no plan"', async (_n, reply) => {
    emu = await withServices();
    emu.faults.reply('ListBackupPlans', reply);
    const { s, results } = await run(emu, FULL);
    expect(s.errors.find((e) => e.operation === 'backup:ListBackupPlans')?.cause).toBe('malformed');
    expect(of(results, 'aws.backup.plan_retention').map((r) => r.status)).toEqual(['error']);
  });

  it('a truncated XML reply (RDS) is malformed, though the SDK parser would accept it', async () => {
    emu = await withServices();
    emu.faults.reply('DescribeDBInstances', { status: 200, contentType: 'text/xml', body: '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances>' });
    const { s, results } = await run(emu, FULL);
    expect(s.errors.find((e) => e.operation === 'rds:DescribeDBInstances')?.cause).toBe('malformed');
    expect(of(results, 'aws.rds.encrypted_private').map((r) => r.status)).toEqual(['error']);
  });

  it('degrading one reply never adds a pass the healthy run did not have', async () => {
    emu = await withServices();
    const healthy = passes((await run(emu, FULL)).results);
    // a sample across protocols (JSON, Query XML, REST-XML); test/degradation runs the full property over every request
    for (const action of ['GetTrailStatus', 'DescribeDBClusters', 'GetBucketTagging', 'GetAccountSummary']) {
      for (const reply of [{ status: 200, body: '{}' }, { status: 200, contentType: 'text/html', body: '<html>oops</html>' }]) {
        emu.faults.clear();
        emu.faults.reply(action, reply);
        const degraded = passes((await run(emu, FULL)).results);
        const gained = [...degraded].filter((k) => !healthy.has(k));
        expect(gained, `${action} ${JSON.stringify(reply.body)}`).toEqual([]);
      }
    }
  }, 60_000);

  it('an event whose CloudTrailEvent is not JSON is a malformed read that keeps the parser\'s detail, and the history is not passed', async () => {
    emu = await withServices();
    const when = Date.now() / 1000 - 3600;
    emu.faults.reply('LookupEvents', { status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ Events: [{ EventId: 'ev-cut', EventName: 'StopLogging', EventTime: when, CloudTrailEvent: '{"userIdentity":{"type":"Ro' }] }) });
    const { s, results } = await run(emu, FULL);
    const e = s.errors.find((x) => x.operation === 'cloudtrail:LookupEvents');
    expect(e).toMatchObject({ cause: 'malformed' });
    expect(e?.message).toMatch(/event ev-cut: CloudTrailEvent is not JSON \(.*(JSON|string).*\)/);
    expect(of(results, 'aws.cloudtrail.no_logging_tampering').map((r) => r.status)).not.toContain('pass');
  });

  it('a single-region trail without log-file validation fails log_integrity (not "no trail in scope")', async () => {
    emu = await withServices();
    emu.services.trails = [{ name: 'local', homeRegion: 'us-east-1', multiRegion: false, organization: false, logging: true, logFileValidation: false, selectors: 'all' }];
    const { results } = await run(emu, FULL);
    const r = of(results, 'aws.cloudtrail.log_integrity');
    expect(r.map((x) => [x.resourceId, x.status])).toEqual([[`arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/local`, 'fail']]);
  });

  it('a JSON-protocol service answering 403 with an XML body is a denial naming the permission, not a SyntaxError', async () => {
    emu = await withServices();
    emu.faults.denyWithXml('DescribeTrails');
    const { s, results } = await run(emu, FULL);
    const e = s.errors.find((x) => x.operation === 'cloudtrail:DescribeTrails');
    expect(e).toMatchObject({ cause: 'denied', permission: 'cloudtrail:DescribeTrails' });
    expect(e?.code).not.toBe('SyntaxError');
    expect(of(results, 'aws.cloudtrail.log_integrity')[0]?.reason).toMatch(/access denied by the source .*needs permission cloudtrail:DescribeTrails/);
  });

  it('UnrecognizedClientException and InvalidClientTokenId are unauthenticated, with no "needs permission"', async () => {
    emu = await withServices();
    emu.faults.rejectCredentials('DescribeAlarms');
    emu.faults.rejectCredentials('GetAccountSummary');
    const { s, results } = await run(emu, FULL);
    expect(s.errors.find((x) => x.operation === 'cloudwatch:DescribeAlarms')).toMatchObject({ cause: 'unauthenticated', code: 'UnrecognizedClientException' });
    expect(s.errors.find((x) => x.operation === 'iam:GetAccountSummary')).toMatchObject({ cause: 'unauthenticated', code: 'InvalidClientTokenId' });
    const r = of(results, 'aws.cloudwatch.alarms_actionable')[0]!;
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/no valid credentials/);
    expect(r.reason).not.toMatch(/needs permission/);
  });

  it('throttling is retried by the SDK and the read completes', async () => {
    emu = await withServices();
    emu.faults.throttle('DescribeAlarms', 1);
    const { s } = await run(emu, FULL);
    expect(s.errors).toEqual([]);
    expect(emu.calls.filter((c) => c.action === 'DescribeAlarms').map((c) => c.status)).toEqual([400, 200]);
  });

  it('names every operation as it starts', async () => {
    emu = await withServices();
    const ops: string[] = [];
    await run(emu, FULL, undefined, (op) => ops.push(op));
    for (const op of ['iam:GetCredentialReport', 'iam:GetAccountAuthorizationDetails', 'cloudtrail:LookupEvents', 'rds:DescribeDBInstances', 'backup:ListBackupJobs', 's3:ListAllMyBuckets', 'cloudwatch:DescribeAlarms']) expect(ops).toContain(op);
  });

  it('a reply that never ends is a timeout after requestTimeoutMs, not a hang', async () => {
    hung = createServer(() => undefined);
    await new Promise<void>((r) => hung!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const c = collector({ url } as AwsEmulator, { requestTimeoutMs: 300, maxAttempts: 1 });
    const s = await c.collect({ scope: ACCOUNT, slot: '2025-01-01T00:00:00.000Z', clock: systemClock, logger: silentLogger });
    expect(s.errors.length).toBeGreaterThan(0);
    for (const e of s.errors) expect(e.cause, `${e.operation} ${e.code}`).toBe('timeout');
  });

  it('requestTimeoutMs is bounded, with a message naming the bounds', () => {
    const r = awsSourceConfigSchema.safeParse({ requestTimeoutMs: 0 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/between 100 and 300000 ms/);
    expect(awsSourceConfigSchema.safeParse({ requestTimeoutMs: 301_000 }).success).toBe(false);
  });
});

describe('AWS scopes', () => {
  it('never calls STS when accountId is configured', async () => {
    emu = await emulator(demoEstate());
    expect(await collector(emu, { accountId: '210987654321' }).scopes()).toEqual(['210987654321']);
    expect(emu.calls).toEqual([]);
  });

  it('STS unreachable throws an error that classifies as unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = collector({ url: `http://127.0.0.1:${port}` } as AwsEmulator, { maxAttempts: 1 });
    const e = await c.scopes().then(() => undefined, (x: unknown) => x);
    expect(e).toMatchObject({ code: 'AWS_CALLER_IDENTITY_FAILED', failureCause: 'unreachable' });
    expect(classifyFailure(e)).toBe('unreachable');
  });

  it('rejected credentials at STS throw an error that classifies as unauthenticated', async () => {
    emu = await emulator(demoEstate());
    emu.faults.rejectCredentials('GetCallerIdentity');
    const e = await collector(emu).scopes().then(() => undefined, (x: unknown) => x);
    expect(e).toMatchObject({ failureCause: 'unauthenticated' });
    expect(classifyFailure(e)).toBe('unauthenticated');
    expect(String((e as Error).message)).not.toMatch(/needs permission/);
  });
});

describe('AWS declared history gaps', () => {
  it('are the same span on every first run, and not declared again by a run after a failed read', async () => {
    emu = await withServices();
    emu.faults.fail('LookupEvents', 100);
    const a = (await run(emu, { ...FULL, maxAttempts: 1 })).s;
    const b = (await run(emu, { ...FULL, maxAttempts: 1 })).s;
    const ct = (s: Snapshot) => (s.declaredGaps ?? []).filter((g) => g.reason.includes('LookupEvents'));
    expect(ct(a)).toHaveLength(1);
    expect(ct(b)).toEqual(ct(a));
    // the failed read still hands on a cursor saying the gap is declared
    expect(a.cursors?.['cloudtrail:us-east-1:writes']).toBe(ct(a)[0]!.to);
    const c = (await run(emu, { ...FULL, maxAttempts: 1 }, a.cursors)).s;
    expect(ct(c)).toEqual([]);
  });
});
