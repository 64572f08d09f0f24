// Exceptions: validation (separation of duties as a person reads names), the reviewed exceptions.yaml kept in step with
// the ledger, and the two-step CLI flow as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { Ledger } from '../../src/ledger/ledger.js';
import { silentLogger } from '../../src/core/collector.js';
import { loadExceptions, readExceptionsFile, syncExceptionsFile, validateGrant } from '../../src/exceptions/exceptions.js';
import { leavesOf, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

function vigil(args: string[], cwd: string, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('exception rules', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const base = { ruleId: 'aws.iam.root_mfa_enabled', resourceId: 'arn:aws:iam::1:root', reason: 'r', requester: 'ann', approver: 'bob', expires: '2026-04-01' };
  it('needs every field, an approver other than the requester, and a future expiry within a year', () => {
    expect(validateGrant(base, now).expiresAt).toBe('2026-04-01T23:59:59.999Z');
    expect(() => validateGrant({ ...base, approver: ' ANN ' }, now)).toThrow(/approver must differ from requester/);
    // the measured holes: a zero-width space, a Cyrillic look-alike, a display-name form
    const alice = { ...base, requester: 'alice@example.com' };
    for (const approver of ['alice@example.com\u200b', '\u0430lice@example.com', 'Alice <alice@example.com>', 'ALICE@EXAMPLE.COM'])
      expect(() => validateGrant({ ...alice, approver }, now), JSON.stringify(approver)).toThrow(/approver must differ from requester/);
    expect(validateGrant({ ...alice, approver: 'bob@example.com' }, now).approver).toBe('bob@example.com');
    expect(() => validateGrant({ ...alice, approver: '\u200b\u2060' }, now)).toThrow(/approver is required/);
    expect(() => validateGrant({ ...base, expires: '' }, now)).toThrow(/expires is required/);
    expect(() => validateGrant({ ...base, expires: '2026-02-01' }, now)).toThrow(/not in the future/);
    expect(() => validateGrant({ ...base, expires: 'next week' }, now)).toThrow(/expected a date/);
    expect(() => validateGrant({ ...base, expires: '2028-01-01' }, now)).toThrow(/more than 366 days/);
    expect(() => validateGrant(base, now, 'x', new Set(['other.rule']))).toThrow(/unknown rule id "aws.iam.root_mfa_enabled"/);
  });
});

describe('exceptions.yaml', () => {
  let dir: string;
  let ledger: Ledger;
  const clock = settableClock('2026-03-01T00:00:00Z');
  beforeAll(async () => {
    dir = tempDir('vigil-exc-');
    ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
  });
  afterAll(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants new entries once, revokes removed ones, and names file:line for a bad entry', async () => {
    const file = join(dir, 'exceptions.yaml');
    const entry = (id: string, extra = '') => `  - id: ${id}\n    rule: aws.iam.root_mfa_enabled\n    resource: arn:aws:iam::1:root\n    reason: vendor appliance\n    requester: ann@example.com\n    approver: ciso@example.com\n    expires: 2026-05-01${extra}\n`;
    writeFileSync(file, `exceptions:\n${entry('e1')}${entry('e2')}`);
    expect(await syncExceptionsFile(ledger, file, clock.now())).toEqual({ granted: ['e1', 'e2'], revoked: [] });
    expect(await syncExceptionsFile(ledger, file, clock.now())).toEqual({ granted: [], revoked: [] });
    writeFileSync(file, `exceptions:\n${entry('e2')}`);
    expect(await syncExceptionsFile(ledger, file, clock.now())).toEqual({ granted: [], revoked: ['e1'] });
    const book = await loadExceptions(ledger);
    expect([...book.all.values()].map((e) => [e.id, e.status, e.endedBy])).toEqual([
      ['e1', 'revoked', 'exceptions-file'],
      ['e2', 'active', undefined],
    ]);
    expect((await leavesOf(ledger, 'exception.granted')).map((l) => (l.exception as { approver: string }).approver)).toEqual(['ciso@example.com', 'ciso@example.com']);
    writeFileSync(file, `exceptions:\n${entry('e3')}  - rule: aws.iam.root_mfa_enabled\n    resource: x\n    reason: y\n    requester: same\n    approver: same\n    expires: 2026-05-01\n`);
    expect(() => readExceptionsFile(file, clock.now())).toThrow(/exceptions\.yaml:9: exceptions\[1\]: approver must differ from requester/);
  });

  it('refuses an entry whose approver is the requester written differently (zero-width space, Cyrillic а, display name)', () => {
    const file = join(dir, 'sod.yaml');
    for (const approver of ['"alice@example.com\\u200b"', '"\\u0430lice@example.com"', '"Alice <alice@example.com>"']) {
      writeFileSync(file, `exceptions:\n  - rule: aws.iam.root_mfa_enabled\n    resource: x\n    reason: y\n    requester: alice@example.com\n    approver: ${approver}\n    expires: 2026-05-01\n`);
      expect(() => readExceptionsFile(file, clock.now()), approver).toThrow(/sod\.yaml:2: exceptions\[0\]: approver must differ from requester/);
    }
    writeFileSync(file, `exceptions:\n  - rule: aws.iam.root_mfa_enabled\n    resource: x\n    reason: y\n    requester: alice@example.com\n    expires: 2026-05-01\n`);
    expect(() => readExceptionsFile(file, clock.now())).toThrow(/exceptions\.0\.approver/);
  });
});

describe('vigil exceptions / api hash-token (CLI)', () => {
  let dir: string;
  const tok = { ciso: 'tok-ciso-' + 'a'.repeat(24), viewer: 'tok-viewer-' + 'b'.repeat(24), me: 'tok-me-' + 'c'.repeat(24) };
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const root = 'arn:aws:iam::123456789012:root';
  const rule = 'aws.iam.root_mfa_enabled';
  beforeAll(async () => {
    dir = tempDir('vigil-exc-cli-');
    // A token named after the OS account running the CLI: its holder is the local requester, and may not approve.
    const me = userInfo().username;
    writeFileSync(
      join(dir, 'vigil.config.yaml'),
      `dataDir: ./data\norigin: vigil.test/exc\napi:\n  tokens:\n    - { name: ciso, sha256: ${sha(tok.ciso)}, role: approver }\n    - { name: viewer-bot, sha256: ${sha(tok.viewer)}, role: viewer }\n    - { name: "${me}", sha256: ${sha(tok.me)}, role: admin }\n`,
    );
    for (const [k, v] of Object.entries(tok)) writeFileSync(join(dir, `${k}.token`), `${v}\n`);
    // the latest run: the root account fails MFA, another resource passes
    const ledger = await Ledger.open({ dataDir: join(dir, 'data'), origin: 'vigil.test/exc', clock: settableClock(new Date().toISOString()), logger: silentLogger });
    await recordStatuses(ledger, settableClock(new Date().toISOString()), { [rule]: { [root]: 'fail', 'arn:aws:iam::999999999999:root': 'pass' } });
    await ledger.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('request (local account) → approve (a different approver token) → list → revoke; the requester, a viewer and no finding are refused', async () => {
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const removed = await vigil(['exceptions', 'add', '--rule', rule, '--resource', root, '--reason', 'r', '--requester', 'ann', '--approver', 'bob', '--expires', expires], dir);
    expect(removed.code).toBe(2);
    expect(removed.stderr).toMatch(/vigil exceptions add was replaced by a two-step flow.*vigil exceptions request/);
    const req = ['exceptions', 'request', '--rule', rule, '--reason', 'hardware token on order', '--expires', expires];
    const noFinding = await vigil([...req, '--resource', 'arn:aws:iam::999999999999:root'], dir);
    expect(noFinding.code).toBe(2);
    expect(noFinding.stderr).toMatch(/arn:aws:iam::999999999999:root has no failing result for aws\.iam\.root_mfa_enabled \(latest result: pass\).*pass --force/);
    expect(noFinding.stderr).not.toMatch(/\n\s+at /);
    const ok = await vigil([...req, '--resource', root, '--id', 'exc-root', '--json'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'pending', exception: { id: 'exc-root', origin: 'cli', requestedBy: { kind: 'local', name: `${userInfo().username}@${hostname()}` } } });
    const viewer = await vigil(['exceptions', 'approve', 'exc-root', '--token-file', 'viewer.token'], dir);
    expect(viewer.code).toBe(2);
    expect(viewer.stderr).toMatch(/token "viewer-bot" has role viewer; approving needs role approver or admin/);
    const self = await vigil(['exceptions', 'approve', 'exc-root', '--token-file', 'me.token'], dir);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/is the same principal once names are normalised, and may not approve it/);
    const approved = await vigil(['exceptions', 'approve', 'exc-root', '--token-file', 'ciso.token'], dir);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^approved exc-root by token:ciso \(approver\)/);
    const list = JSON.parse((await vigil(['exceptions', 'list', '--json'], dir)).stdout) as { exceptions: Array<Record<string, unknown>> };
    expect(list.exceptions).toEqual([expect.objectContaining({ id: 'exc-root', status: 'active', requester: `local:${userInfo().username}@${hostname()}`, approver: 'token:ciso (approver)' })]);
    expect((await vigil(['exceptions', 'revoke', 'exc-root', '--reason', 'token arrived'], dir)).code).toBe(0);
    const forced = await vigil([...req, '--resource', 'arn:aws:iam::999999999999:root', '--force', '--id', 'exc-forced'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/^warning: arn:aws:iam::999999999999:root has no failing result/);
    expect(forced.stdout).toMatch(/not in effect until approved by someone else/);
    const all = (await vigil(['exceptions', 'list', '--all'], dir)).stdout;
    expect(all).toMatch(/^exc-root {2}revoked/m);
    expect(all).toMatch(/^exc-forced {2}pending .*awaiting approval \(forced: no failing result when requested\)/m);
    expect((await vigil(['ledger', 'verify'], dir)).code).toBe(0);
  }, 120_000); // a dozen CLI processes, each paying tsx start-up

  it('hash-token prints the SHA-256 for api.tokens from stdin, and refuses a token in argv (shell history)', async () => {
    const want = createHash('sha256').update('s3cr3t-token').digest('hex');
    const inArgv = await vigil(['api', 'hash-token', 's3cr3t-token'], dir);
    expect(inArgv.code).toBe(2);
    expect(inArgv.stdout).toBe('');
    expect(inArgv.stderr).toMatch(/may not be given as an argument.*printf %s "\$TOKEN" \| vigil api hash-token/);
    expect(inArgv.stderr).not.toContain('s3cr3t-token');
    expect((await vigil(['api', 'hash-token'], dir, 's3cr3t-token\n')).stdout).toBe(`${want}\n`);
    expect((await vigil(['api', 'hash-token'], dir, '')).code).toBe(2);
    const made = (await vigil(['api', 'hash-token', '--new'], dir)).stdout;
    const tok = /token: +(\S+)/.exec(made)![1]!;
    expect(made).toContain(createHash('sha256').update(tok).digest('hex'));
  }, 60_000);

  it('a sink URL that is not https is refused at config load with file:line', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'alerts:\n  sinks:\n    - name: x\n      type: webhook\n      url: http://hooks.example.com/x\n      secret: 0123456789abcdef\n');
    const r = await vigil(['--config', 'bad.yaml', 'alerts'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+: alerts\.sinks\.0\.url: must use https/);
  });
});
