// AWS emulator: Query-protocol wire shapes against AWS samples, report life cycle, faults, estates and the CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IAMClient, ListVirtualMFADevicesCommand } from '@aws-sdk/client-iam';
import './helpers.js';
import {
  CREDENTIAL_REPORT_HEADER,
  demoEstate,
  generateEstate,
  loadEstateFile,
  parseEstate,
  startAwsEmulator,
  type AwsEmulator,
} from '../../collectors/aws/emulator/index.js';
import { UsageError } from '../../src/core/errors.js';
import { TestClock } from '../support/test-clock.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

/** A Query-protocol request as the SDK sends it; the emulator reads the SigV4 scope but does not verify signatures. */
async function query(url: string, form: Record<string, string>, service: 'iam' | 'sts' | null = 'iam') {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (service) headers.authorization = `AWS4-HMAC-SHA256 Credential=AKIDTESTVIGILLOCAL/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-amzn-requestid') };
}

const iamForm = (action: string, extra: Record<string, string> = {}) => ({ Action: action, Version: '2010-05-08', ...extra });
const normalizeXml = (s: string) => s.replace(/>\s+</g, '><').replace(/<RequestId>[^<]*<\/RequestId>/, '<RequestId/>').trim();

/** Element paths of an XML document, with list members collapsed, to compare shapes regardless of values. */
function elementPaths(xml: string): Set<string> {
  const paths = new Set<string>();
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w]*)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    if (close) stack.pop();
    else {
      stack.push(name!);
      paths.add(stack.join('/'));
      if (selfClose) stack.pop();
    }
  }
  return paths;
}

describe('AWS emulator wire format', () => {
  it('rejects unsigned requests like AWS does', async () => {
    emu = await startAwsEmulator({ estate: demoEstate() });
    const r = await query(emu.url, iamForm('GetAccountSummary'), null);
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(r.text).toMatch(/^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type>/);
  });

  it('answers GetAccountPasswordPolicy exactly like the AWS sample', async () => {
    emu = await startAwsEmulator({
      estate: {
        ...demoEstate(),
        passwordPolicy: {
          minimumPasswordLength: 12,
          requireSymbols: true,
          requireNumbers: true,
          requireUppercaseCharacters: true,
          requireLowercaseCharacters: true,
          allowUsersToChangePassword: true,
          maxPasswordAge: 90,
          passwordReusePrevention: 12,
          hardExpiry: false,
        },
      },
    });
    const r = await query(emu.url, iamForm('GetAccountPasswordPolicy'));
    expect(r.status).toBe(200);
    const sample = readFileSync(join(ROOT, 'test/aws/fixtures/get-account-password-policy.xml'), 'utf8');
    expect(normalizeXml(r.text)).toBe(normalizeXml(sample));
    expect(r.text).toContain(`<RequestId>${r.requestId}</RequestId>`);
  });

  it('shapes GetAccountAuthorizationDetails like the AWS sample', async () => {
    emu = await startAwsEmulator({ estate: demoEstate() });
    const r = await query(emu.url, iamForm('GetAccountAuthorizationDetails', { MaxItems: '1000' }));
    expect(r.status).toBe(200);
    const sample = elementPaths(readFileSync(join(ROOT, 'test/aws/fixtures/get-account-authorization-details.xml'), 'utf8'));
    const ours = elementPaths(r.text);
    // every element AWS sends we send; nothing we send is unknown to AWS (Marker appears only on truncated pages)
    expect([...sample].filter((p) => !ours.has(p) && !p.endsWith('/Marker'))).toEqual([]);
    expect([...ours].filter((p) => !sample.has(p))).toEqual([]);
  });

  it('pages GetAccountAuthorizationDetails by MaxItems across entity kinds and validates MaxItems', async () => {
    emu = await startAwsEmulator({ estate: demoEstate() });
    const first = await query(emu.url, iamForm('GetAccountAuthorizationDetails', { MaxItems: '13' }));
    expect((first.text.match(/<UserName>/g) ?? []).length).toBe(12);
    expect((first.text.match(/<GroupName>/g) ?? []).length).toBe(1);
    expect(first.text).toContain('<IsTruncated>true</IsTruncated>');
    const marker = /<Marker>([^<]+)<\/Marker>/.exec(first.text)?.[1];
    expect(marker).toBeDefined();
    const next = await query(emu.url, iamForm('GetAccountAuthorizationDetails', { MaxItems: '1000', Marker: marker! }));
    expect((next.text.match(/<GroupName>/g) ?? []).length).toBe(3);
    expect(next.text).toContain('<IsTruncated>false</IsTruncated>');
    expect(next.text).not.toContain('<Marker>');
    for (const bad of ['0', '1001']) {
      const r = await query(emu.url, iamForm('GetAccountAuthorizationDetails', { MaxItems: bad }));
      expect(r.status).toBe(400);
      expect(r.text).toContain('<Code>ValidationError</Code>');
    }
    const badMarker = await query(emu.url, iamForm('GetAccountAuthorizationDetails', { Marker: 'bm9wZQ==' }));
    expect(badMarker.status).toBe(400);
    expect(badMarker.text).toContain('<Code>InvalidInput</Code>');
  });

  it('runs the credential report life cycle: not present, started, in progress, complete', async () => {
    // The emulator's clock stands still until the test moves it, so every step below lands before the report is ready.
    const clock = new TestClock(Date.now());
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 1500, clock });
    const none = await query(emu.url, iamForm('GetCredentialReport'));
    expect(none.status).toBe(410);
    expect(none.text).toContain('<Code>ReportNotPresent</Code>');
    const started = await query(emu.url, iamForm('GenerateCredentialReport'));
    expect(started.text).toContain('<State>STARTED</State>');
    const progress = await query(emu.url, iamForm('GenerateCredentialReport'));
    expect(progress.text).toContain('<State>INPROGRESS</State>');
    const early = await query(emu.url, iamForm('GetCredentialReport'));
    expect(early.status).toBe(404);
    expect(early.text).toContain('<Code>ReportInProgress</Code>');
    clock.advance(1600);
    expect((await query(emu.url, iamForm('GenerateCredentialReport'))).text).toContain('<State>COMPLETE</State>');
    const got = await query(emu.url, iamForm('GetCredentialReport'));
    expect(got.status).toBe(200);
    expect(got.text).toContain('<ReportFormat>text/csv</ReportFormat>');
    const csv = Buffer.from(/<Content>([^<]+)<\/Content>/.exec(got.text)![1]!, 'base64').toString('utf8');
    const lines = csv.split('\n');
    expect(lines[0]).toBe(CREDENTIAL_REPORT_HEADER);
    expect(lines[0]!.split(',')).toHaveLength(22);
    expect(lines[1]).toMatch(/^<root_account>,arn:aws:iam::123456789012:root,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00,not_supported,/);
    const grace = lines.find((l) => l.startsWith('grace,'))!.split(',');
    expect(grace[3]).toBe('true');
    expect(grace[4]).toBe('no_information');
    expect(grace[8]).toBe('false');
    expect(grace[9]).toBe('N/A');
    const bot = lines.find((l) => l.startsWith('backup-bot,'))!.split(',');
    expect(bot.slice(3, 7)).toEqual(['false', 'N/A', 'N/A', 'N/A']);
    expect(bot[10]).toBe('N/A'); // key 1 never used
    expect(bot[13]).toBe('false'); // key 2 inactive
    expect(bot[14]).not.toBe('N/A'); // but it exists
    emu.expireCredentialReport();
    expect((await query(emu.url, iamForm('GetCredentialReport'))).status).toBe(410);
  });

  it('answers STS GetCallerIdentity on the same endpoint, chosen by the SigV4 scope', async () => {
    emu = await startAwsEmulator({ estate: demoEstate() });
    const r = await query(emu.url, { Action: 'GetCallerIdentity', Version: '2011-06-15' }, 'sts');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(r.text).toContain('<Account>123456789012</Account>');
    expect(r.text).toContain('<Arn>arn:aws:sts::123456789012:assumed-role/vigil-collector/vigil</Arn>');
    expect(emu.calls.at(-1)).toMatchObject({ service: 'sts', action: 'GetCallerIdentity', status: 200 });
  });

  it('injects faults per action and records every call without credentials', async () => {
    emu = await startAwsEmulator({ estate: demoEstate() });
    emu.faults.throttle('GetAccountSummary', 1);
    emu.faults.fail('GetAccountSummary', 1);
    emu.faults.deny('ListVirtualMFADevices');
    const a = await query(emu.url, iamForm('GetAccountSummary'));
    expect([a.status, a.text.includes('<Code>InternalFailure</Code>')]).toEqual([500, true]);
    const b = await query(emu.url, iamForm('GetAccountSummary'));
    expect([b.status, b.text.includes('<Code>Throttling</Code>')]).toEqual([400, true]);
    expect((await query(emu.url, iamForm('GetAccountSummary'))).status).toBe(200);
    const d = await query(emu.url, iamForm('ListVirtualMFADevices', { AssignmentStatus: 'Assigned' }));
    expect(d.status).toBe(403);
    expect(d.text).toContain('is not authorized to perform: iam:ListVirtualMFADevices on resource: *');
    emu.faults.allow('ListVirtualMFADevices');
    expect((await query(emu.url, iamForm('ListVirtualMFADevices'))).status).toBe(200);
    expect(emu.calls.map((c) => [c.action, c.status, c.code ?? ''])).toEqual([
      ['GetAccountSummary', 500, 'InternalFailure'],
      ['GetAccountSummary', 400, 'Throttling'],
      ['GetAccountSummary', 200, ''],
      ['ListVirtualMFADevices', 403, 'AccessDenied'],
      ['ListVirtualMFADevices', 200, ''],
    ]);
    expect(emu.calls[3]!.params).toEqual({ AssignmentStatus: 'Assigned' });
    expect(JSON.stringify(emu.calls)).not.toContain('AKIDTESTVIGILLOCAL');
    emu.resetCalls();
    expect(emu.calls).toHaveLength(0);
    const unknown = await query(emu.url, iamForm('DeleteUser', { UserName: 'bob' }));
    expect([unknown.status, unknown.text.includes('<Code>InvalidAction</Code>')]).toEqual([400, true]);
  });

  it('lists a virtual MFA device assigned to root with the root ARN, through the real SDK', async () => {
    const estate = demoEstate();
    estate.root.mfa = 'virtual';
    emu = await startAwsEmulator({ estate });
    const client = new IAMClient({ region: 'us-east-1', endpoint: emu.url });
    const out = await client.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
    expect(out.VirtualMFADevices?.[0]?.User?.Arn).toBe('arn:aws:iam::123456789012:root');
    expect(out.VirtualMFADevices).toHaveLength(6);
    const any = await client.send(new ListVirtualMFADevicesCommand({}));
    expect(any.VirtualMFADevices).toHaveLength(7); // plus the unassigned one
    client.destroy();
  });
});

describe('AWS estates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-aws-estate-'));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('loads the bundled example estate file', () => {
    const e = loadEstateFile(join(ROOT, 'collectors/aws/emulator/estates/demo.yaml'));
    expect(e.accountId).toBe('123456789012');
    expect(e.users.map((u) => u.name)).toEqual(['alice', 'bob', 'carol', 'ci-deployer']);
    expect(e.users[0]!.path).toBe('/');
  });

  it('names the file and the field when an estate is invalid', () => {
    const p = write('bad.yaml', 'accountId: 12345\nusers:\n  - name: bob\n    created: yesterday\n    colour: blue\n');
    let err: unknown;
    try {
      loadEstateFile(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const u = err as UsageError;
    expect(u.exitCode).toBe(2);
    expect(u.message).toContain(p);
    expect(u.message).toMatch(/accountId: .*12-digit/);
    expect(u.message).toMatch(/users\[0\]\.created: expected an ISO 8601/);
    expect(u.message).toMatch(/users\[0\]: .*colour/);
  });

  it('rejects references to groups and policies that do not exist', () => {
    expect(() => parseEstate({ accountId: '123456789012', users: [{ name: 'x', created: '2024-01-01', groups: ['ghosts'] }] }, 'inline')).toThrow(/users\[0\]\.groups\[0\]: no group named ghosts/);
    expect(() =>
      parseEstate({ accountId: '123456789012', roles: [{ name: 'r', created: '2024-01-01', trustPolicy: { Statement: [] }, attachedPolicies: ['arn:aws:iam::123456789012:policy/nope'] }] }, 'inline'),
    ).toThrow(/roles\[0\]\.attachedPolicies\[0\]/);
    expect(() => loadEstateFile(write('broken.yaml', 'accountId: [unclosed'))).toThrow(/not valid YAML/);
  });

  it('generates the same estate from the same seed, and a mix of violations', () => {
    const now = new Date('2025-06-01T00:00:00Z');
    const a = generateEstate({ users: 400, seed: 3, now });
    const b = generateEstate({ users: 400, seed: 3, now });
    const c = generateEstate({ users: 400, seed: 4, now });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    expect(a.users).toHaveLength(400);
    const consoleNoMfa = a.users.filter((u) => u.password && u.mfa.length === 0).length;
    const withMfa = a.users.filter((u) => u.mfa.length > 0).length;
    expect(consoleNoMfa).toBeGreaterThan(0);
    expect(withMfa).toBeGreaterThan(consoleNoMfa);
    expect(a.users.some((u) => u.accessKeys.some((k) => Date.parse(k.created) < now.getTime() - 90 * 86_400_000))).toBe(true);
    expect(a.policies.some((p) => JSON.stringify(p.document).includes('"Action":"*"'))).toBe(true);
    expect(new Set(a.users.map((u) => u.name)).size).toBe(400);
  });

  it('serves an estate from the command line and prints its URL', async () => {
    const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', 'collectors/aws/emulator/main.ts', '--users', '20', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await query(url, iamForm('GetAccountSummary'));
      expect(r.text).toContain('<key>Users</key><value>20</value>');
    } finally {
      child.kill('SIGTERM');
    }
    const bad = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', 'collectors/aws/emulator/main.ts', '--estate', write('bad2.yaml', 'accountId: "1"\n')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('accountId');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
