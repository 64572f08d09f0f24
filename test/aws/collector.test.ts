// AWS collector over real HTTP to the emulator: resources, paging, retries, failures as data, polling, scope.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { byName, byType, collect, collector, emulator, FAKE_SECRET } from './helpers.js';
import { abortableSleep } from '../../src/core/abortable-sleep.js';
import type { Clock } from '../../src/core/collector.js';
import { demoEstate, generateEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { awsSource, AWS_IAM_RESOURCE_TYPES } from '../../collectors/aws/index.js';
import { awsDemo } from '../../collectors/aws/demo.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('AWS collector against the emulator', () => {
  it('collects the demo estate into the expected resources with the fewest calls', async () => {
    emu = await emulator(demoEstate());
    const s = await collect(emu);
    expect(s.errors).toEqual([]);
    expect(byType(s, 'aws.account')).toHaveLength(1);
    expect(byType(s, 'aws.iam.root')).toHaveLength(1);
    expect(byType(s, 'aws.iam.user').map((r) => r.name).sort()).toEqual(demoEstate().users.map((u) => u.name).sort());
    expect(byType(s, 'aws.iam.group')).toHaveLength(4);
    expect(byType(s, 'aws.iam.role')).toHaveLength(3);
    // 3 customer managed + the 5 AWS managed policies attached somewhere in the demo
    expect(byType(s, 'aws.iam.policy').map((r) => r.name).sort()).toEqual(
      ['AWSLambdaBasicExecutionRole', 'AdministratorAccess', 'IAMUserChangePassword', 'ReadOnlyAccess', 'SecurityAudit', 'break-glass-everything', 'ci-deploy', 'developer-access'],
    );
    expect(Object.keys(s.inputs).sort()).toEqual([...AWS_IAM_RESOURCE_TYPES].sort());
    for (const r of s.resources) {
      expect(r.scope).toBe('123456789012');
      expect(r.id.startsWith('arn:aws:iam::')).toBe(true);
    }

    const root = byName(s, 'aws.iam.root', 'root');
    expect(root).toMatchObject({ mfaActive: true, accountMfaEnabled: true, virtualMfa: false, passwordEnabled: 'not_supported', accessKeysPresent: true });
    expect(root.accessKeys).toEqual([expect.objectContaining({ slot: 1, active: true })]);
    expect(byName(s, 'aws.iam.user', 'bob')).toMatchObject({ passwordEnabled: true, mfaActive: false, groups: ['admins'] });
    expect(byName(s, 'aws.iam.user', 'carol')).toMatchObject({ mfaActive: true, virtualMfa: true });
    expect(byName(s, 'aws.iam.user', 'alice')).toMatchObject({ mfaActive: true, virtualMfa: false });
    expect(byName(s, 'aws.iam.user', 'grace')).toMatchObject({ passwordEnabled: true, passwordLastUsed: null, path: '/contractors/' });
    const bot = byName(s, 'aws.iam.user', 'backup-bot');
    expect(bot.passwordEnabled).toBe(false);
    expect(bot.accessKeys).toEqual([
      expect.objectContaining({ slot: 1, active: true, lastUsed: null }),
      expect.objectContaining({ slot: 2, active: false }),
    ]);
    expect(bot.inlinePolicies).toEqual([{ name: 'backup-write', document: expect.objectContaining({ Statement: [expect.objectContaining({ Action: 's3:PutObject' })] }) }]);
    expect(byName(s, 'aws.iam.group', 'admins').members).toEqual(['arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/bob']);
    expect(byName(s, 'aws.iam.policy', 'break-glass-everything')).toMatchObject({ awsManaged: false, attachmentCount: 1, document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } });
    expect(byName(s, 'aws.iam.policy', 'developer-access')).toMatchObject({ defaultVersionId: 'v2' });
    expect(byName(s, 'aws.iam.policy', 'AdministratorAccess')).toMatchObject({ awsManaged: true });
    expect(byName(s, 'aws.iam.role', 'vendor-audit')).toMatchObject({ lastUsed: null, assumeRolePolicy: { Statement: [expect.objectContaining({ Principal: { AWS: 'arn:aws:iam::999988887777:root' } })] } });
    expect(byName(s, 'aws.iam.password_policy', 'password-policy')).toMatchObject({ exists: true, minimumPasswordLength: 8, requireSymbols: false });

    expect(s.apiCalls).toBe(6);
    expect(s.minApiCalls).toBe(6);
    expect(emu.calls.map((c) => c.action).sort()).toEqual(
      ['GenerateCredentialReport', 'GetAccountAuthorizationDetails', 'GetAccountPasswordPolicy', 'GetAccountSummary', 'GetCredentialReport', 'ListVirtualMFADevices'],
    );
  });

  it('keeps each raw reply as a content-addressed artifact without credentials', async () => {
    emu = await emulator(demoEstate());
    const s = await collect(emu);
    expect(s.artifacts.length).toBe(6);
    for (const a of s.artifacts) {
      expect(a.sha256).toBe(createHash('sha256').update(a.body).digest('hex'));
      expect(a.size).toBe(a.body.length);
      const text = a.body.toString('utf8');
      expect(text).not.toContain(FAKE_SECRET);
      expect(text).not.toContain('AKIDTESTVIGILLOCAL');
      expect(text).not.toMatch(/AWS4-HMAC-SHA256|X-Amz-Signature|Signature=/i);
    }
    const csv = s.artifacts.find((a) => a.mediaType === 'text/csv');
    expect(csv?.body.toString('utf8').split('\n')[0]).toMatch(/^user,arn,user_creation_time,password_enabled,/);
    expect(s.artifacts.filter((a) => a.mediaType === 'application/xml').map((a) => a.label)).toContain('iam:GetAccountAuthorizationDetails#1');
  });

  it('follows every Marker with page size 1 and gets the same resources', async () => {
    emu = await emulator(demoEstate());
    const full = await collect(emu);
    emu.resetCalls();
    const paged = await collect(emu, { pageSize: 1 });
    expect(paged.errors).toEqual([]);
    const ids = (s: typeof full) => s.resources.map((r) => `${r.type} ${r.id}`).sort();
    expect(ids(paged)).toEqual(ids(full));
    const entities = paged.metrics?.authorizationDetailsEntities ?? 0;
    expect(entities).toBe(12 + 4 + 3 + 8);
    const gaad = emu.calls.filter((c) => c.action === 'GetAccountAuthorizationDetails');
    expect(gaad).toHaveLength(entities);
    expect(gaad.every((c) => c.params.MaxItems === '1')).toBe(true);
    expect(gaad.filter((c) => c.params.Marker !== undefined)).toHaveLength(entities - 1);
    // 5 virtual devices are assigned in the demo (carol, erin, frank, heidi, judy)
    expect(emu.calls.filter((c) => c.action === 'ListVirtualMFADevices')).toHaveLength(5);
    expect(paged.apiCalls).toBe(4 + entities + 5);
    // min counts the API's real ceiling (1000 per page), not the test's page size
    expect(paged.minApiCalls).toBe(6);
  });

  it('retries injected throttling and 500s, counting every request', async () => {
    emu = await emulator(demoEstate());
    emu.faults.throttle('GetAccountAuthorizationDetails', 2);
    emu.faults.fail('GetAccountSummary', 1);
    const s = await collect(emu);
    expect(s.errors).toEqual([]);
    expect(byType(s, 'aws.iam.user')).toHaveLength(12);
    expect(s.apiCalls).toBe(6 + 3);
    expect(s.metrics).toMatchObject({ throttled: 2, serverErrors: 1, retries: 3 });
    expect(emu.calls.filter((c) => c.code === 'Throttling')).toHaveLength(2);
  });

  it('turns AccessDenied on GetAccountAuthorizationDetails into a CollectionError and still collects the rest', async () => {
    emu = await emulator(demoEstate());
    emu.faults.deny('GetAccountAuthorizationDetails');
    const s = await collect(emu);
    expect(s.errors).toHaveLength(1);
    const e = s.errors[0]!;
    expect(e).toMatchObject({
      operation: 'iam:GetAccountAuthorizationDetails',
      code: 'AccessDenied',
      permission: 'iam:GetAccountAuthorizationDetails',
      retryable: false,
    });
    expect(e.inputs.sort()).toEqual(['aws.iam.group', 'aws.iam.policy', 'aws.iam.role', 'aws.iam.user']);
    expect(e.message).toContain('is not authorized to perform: iam:GetAccountAuthorizationDetails');
    expect(byType(s, 'aws.iam.root')).toHaveLength(1);
    expect(byType(s, 'aws.account')).toHaveLength(1);
    expect(byType(s, 'aws.iam.password_policy')).toHaveLength(1);
    expect(byType(s, 'aws.iam.group')).toHaveLength(0);
    // users still come from the credential report, flagged as lacking their permissions data
    expect(byType(s, 'aws.iam.user')).toHaveLength(12);
    expect(byName(s, 'aws.iam.user', 'bob')).toMatchObject({ mfaActive: false, detailsMissing: true });
    expect(s.artifacts.map((a) => a.label)).toContain('iam:GetAccountAuthorizationDetails#1#error');
    // AccessDenied is not retried
    expect(emu.calls.filter((c) => c.action === 'GetAccountAuthorizationDetails')).toHaveLength(1);
  });

  it('reports persistent failures as retryable errors once retries are spent', async () => {
    emu = await emulator(demoEstate());
    emu.faults.fail('ListVirtualMFADevices', 100);
    const s = await collect(emu, { maxAttempts: 2 });
    expect(s.errors).toEqual([expect.objectContaining({ operation: 'iam:ListVirtualMFADevices', code: 'InternalFailure', retryable: true, inputs: ['aws.iam.root', 'aws.iam.user'] })]);
    expect(emu.calls.filter((c) => c.action === 'ListVirtualMFADevices')).toHaveLength(2);
    expect(byName(s, 'aws.iam.root', 'root').virtualMfa).toBeUndefined();
  });

  it('records a missing password policy as exists:false, not as an error', async () => {
    emu = await emulator({ ...demoEstate(), passwordPolicy: null });
    const s = await collect(emu);
    expect(s.errors).toEqual([]);
    expect(byType(s, 'aws.iam.password_policy').map((r) => r.attributes)).toEqual([{ exists: false }]);
    expect(emu.calls.find((c) => c.action === 'GetAccountPasswordPolicy')).toMatchObject({ status: 404, code: 'NoSuchEntity' });
  });

  it('polls for the credential report until it is ready, then reuses it while cached', async () => {
    emu = await emulator(demoEstate(), 400);
    const s = await collect(emu);
    expect(s.errors).toEqual([]);
    expect(s.metrics?.credentialReportPolls).toBeGreaterThanOrEqual(1);
    const gets = emu.calls.filter((c) => c.action === 'GetCredentialReport');
    expect(gets.length).toBe(1 + (s.metrics?.credentialReportPolls ?? 0));
    expect(gets.slice(0, -1).every((c) => c.code === 'ReportInProgress')).toBe(true);
    expect(s.apiCalls).toBe(6 + (s.metrics?.credentialReportPolls ?? 0));
    expect(byType(s, 'aws.iam.user')).toHaveLength(12);

    emu.resetCalls();
    const again = await collect(emu);
    expect(again.metrics?.credentialReportPolls).toBe(0);
    expect(again.apiCalls).toBe(6);
  });

  it('sees estate changes on the next run once a new report is generated', async () => {
    emu = await emulator(demoEstate());
    await collect(emu);
    emu.estate.users.push({ name: 'newbie', path: '/', created: '2025-01-01T00:00:00Z', password: null, mfa: [], accessKeys: [], groups: [], attachedPolicies: [], inlinePolicies: [] });
    emu.expireCredentialReport();
    const s = await collect(emu);
    expect(byName(s, 'aws.iam.user', 'newbie')).toMatchObject({ passwordEnabled: false, mfaActive: false });
  });

  it('stops polling when the run is aborted', async () => {
    emu = await emulator(demoEstate(), 60_000);
    const ac = new AbortController();
    // The run is aborted while it waits between polls: the clock's sleep is where that wait happens.
    const clock: Clock = { now: () => new Date(), sleep: (ms, signal) => { ac.abort(); return abortableSleep(ms, signal); } };
    await expect(collect(emu, {}, ac.signal, clock)).rejects.toMatchObject({ code: 'COLLECTION_ABORTED' });
  });

  it('resolves the scope from STS once, or uses the configured account without calling', async () => {
    emu = await emulator(demoEstate());
    const c = collector(emu);
    expect(await c.scopes()).toEqual(['123456789012']);
    expect(await c.scopes()).toEqual(['123456789012']);
    expect(emu.calls.filter((x) => x.service === 'sts' && x.action === 'GetCallerIdentity')).toHaveLength(1);
    emu.resetCalls();
    expect(await collector(emu, { accountId: '000011112222' }).scopes()).toEqual(['000011112222']);
    expect(emu.calls).toHaveLength(0);
  });

  it('names the scopes its config names (for retiring a scope removed from config), and none that only AWS can name', async () => {
    emu = await emulator(demoEstate());
    expect(collector(emu, { accountId: '000011112222' }).configScopes?.()).toEqual(['000011112222']);
    expect(collector(emu, { accounts: ['111', '222'] }).configScopes?.()).toEqual(['111', '222']);
    // Ambient credentials' account (STS) and an organization's accounts are the source's to say.
    expect(collector(emu).configScopes?.()).toBeUndefined();
    expect(collector(emu, { organization: true, accountId: '000011112222' }).configScopes?.()).toBeUndefined();
    expect(emu.calls).toHaveLength(0);
  });

  it('refuses to file data under another account than the scope', async () => {
    emu = await emulator(demoEstate());
    const c = collector(emu);
    await expect(c.collect({ scope: '999999999999', slot: '2025-01-01T00:00:00.000Z', clock: { now: () => new Date() }, logger: { debug() {}, info() {}, warn() {}, error() {} } })).rejects.toMatchObject({ code: 'AWS_SCOPE_MISMATCH' });
  });

  it('computes minApiCalls from entities per 1000 for a larger estate', async () => {
    emu = await emulator(generateEstate({ users: 1500, seed: 7 }));
    const s = await collect(emu);
    expect(s.errors).toEqual([]);
    const entities = s.metrics?.authorizationDetailsEntities ?? 0;
    expect(entities).toBeGreaterThan(1500);
    const vmfa = emu.calls.filter((c) => c.action === 'ListVirtualMFADevices').length;
    expect(s.minApiCalls).toBe(4 + Math.ceil(entities / 1000) + vmfa);
    expect(s.apiCalls).toBe(s.minApiCalls);
    expect(byType(s, 'aws.iam.user')).toHaveLength(1500);
  });
});

describe('awsSource plug-in', () => {
  it('validates its config strictly and names the field', () => {
    expect(awsSource.configSchema.safeParse({ accountId: '123456789012', region: 'eu-west-1', maxAttempts: 5, pageSize: 100 }).success).toBe(true);
    const bad = awsSource.configSchema.safeParse({ accountId: '12345', regoin: 'x' });
    expect(bad.success).toBe(false);
    const msg = JSON.stringify(bad.error?.issues);
    expect(msg).toContain('accountId');
    expect(msg).toContain('regoin');
    expect(awsSource.configSchema.safeParse({ pageSize: 1001 }).success).toBe(false);
    expect(awsSource.configSchema.safeParse({ endpoint: 'not a url' }).success).toBe(false);
  });

  it('starts the demo emulator and gives fake, non-AWS-looking credentials', async () => {
    const running = await awsDemo.startEmulator();
    try {
      const { config, env } = awsDemo.demoConfig(running);
      expect(config).toEqual({});
      expect(env?.AWS_ENDPOINT_URL).toBe(running.url);
      expect(env?.AWS_ACCESS_KEY_ID).toMatch(/^AKIDEMO/);
      expect(env?.AWS_ACCESS_KEY_ID).not.toMatch(/^(AKIA|ASIA)[0-9A-Z]{16}$/);
      expect(awsSource.configSchema.safeParse(config).success).toBe(true);
    } finally {
      await running.close();
    }
  });
});
