// Exceptions: validation, the reviewed exceptions.yaml kept in step with the ledger, and the CLI as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { silentLogger } from '../../src/core/collector.js';
import { loadExceptions, readExceptionsFile, syncExceptionsFile, validateGrant } from '../../src/exceptions/exceptions.js';
import { leavesOf, settableClock, tempDir } from '../alerts/helpers.js';

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
});

describe('vigil exceptions / api hash-token (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('vigil-exc-cli-');
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/exc\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('add → list → revoke, each a ledger leaf; bad input exits 2 with a clear message', async () => {
    const add = ['exceptions', 'add', '--rule', 'aws.iam.root_mfa_enabled', '--resource', 'arn:aws:iam::123456789012:root', '--reason', 'hardware token on order', '--requester', 'ann', '--expires', '2099-01-01'];
    const same = await vigil([...add, '--approver', 'ann'], dir);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/approver must differ from requester/);
    expect(same.stderr).not.toMatch(/\n\s+at /);
    const far = await vigil([...add.slice(0, -2), '--approver', 'bob', '--expires', 'someday'], dir);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/expires: expected a date/);
    const ok = await vigil([...add.slice(0, -2), '--expires', new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10), '--approver', 'bob', '--id', 'exc-root', '--json'], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ exception: { id: 'exc-root', approver: 'bob', requester: 'ann', origin: 'cli' } });
    const list = await vigil(['exceptions', 'list', '--json'], dir);
    expect((JSON.parse(list.stdout) as { exceptions: Array<{ id: string; status: string }> }).exceptions).toEqual([expect.objectContaining({ id: 'exc-root', status: 'active' })]);
    expect((await vigil(['exceptions', 'revoke', 'exc-root', '--by', 'ciso', '--reason', 'token arrived'], dir)).code).toBe(0);
    const again = await vigil(['exceptions', 'revoke', 'exc-root', '--by', 'ciso', '--reason', 'x'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already revoked/);
    expect((await vigil(['exceptions', 'list'], dir)).stdout).toBe('No active exceptions.\n');
    expect((await vigil(['exceptions', 'list', '--all'], dir)).stdout).toMatch(/^exc-root {2}revoked/);
    expect((await vigil(['ledger', 'verify'], dir)).code).toBe(0);
  }, 120_000); // ten CLI processes, each paying tsx start-up

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
