// The CLI end to end, as a user runs it: a child process per command, real emulator, real SQLite, real Redis for the demo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startAwsEmulator, demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { runVigil, VIGIL_BIN as BIN } from '../support/run-cli.js';

const vigil = runVigil;

describe('vigil CLI', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    env = { AWS_ENDPOINT_URL: emu.url, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1' };
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/cli\nsources:\n  aws:\n    region: us-east-1\n');
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('collect --json gives the expected statuses on the seeded estate, and the ledger verifies', async () => {
    const r = await vigil(['collect', '--json'], { env, cwd: dir });
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { runs: Array<Record<string, unknown>>; results: Array<{ ruleId: string; resourceId: string; status: string; reason: string; criteria: string[] }> };
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({ source: 'aws', scope: '123456789012' });
    const find = (ruleId: string, resourceId: string) => out.results.find((x) => x.ruleId === ruleId && x.resourceId === resourceId);
    const acct = 'arn:aws:iam::123456789012';
    expect(find('aws.iam.console_users_mfa', `${acct}:user/bob`)?.status).toBe('fail');
    expect(find('aws.iam.console_users_mfa', `${acct}:user/alice`)?.status).toBe('pass');
    expect(find('aws.iam.root_mfa_enabled', `${acct}:root`)?.status).toBe('pass');
    expect(find('aws.iam.root_credentials_minimized', `${acct}:root`)?.status).toBe('fail');
    expect(find('aws.iam.password_policy_strong', `${acct}:password-policy`)?.status).toBe('fail');
    expect(find('aws.iam.no_full_admin_policies', `${acct}:policy/break-glass-everything`)?.status).toBe('fail');
    expect(find('aws.iam.console_users_mfa', `${acct}:user/bob`)?.criteria).toContain('CC6.1');
    for (const x of out.results) expect(['pass', 'fail', 'error', 'not_applicable']).toContain(x.status);
    expect(out.results.filter((x) => x.status === 'error')).toEqual([]);

    const v = await vigil(['ledger', 'verify'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/ledger OK/);

    const s = await vigil(['status', '--json'], { cwd: dir });
    expect(s.code).toBe(0);
    const status = JSON.parse(s.stdout) as { criteria: Array<{ id: string; pass: number; fail: number; error: number; rules: string[] }> };
    const cc61 = status.criteria.find((c) => c.id === 'CC6.1')!;
    expect(cc61.fail).toBeGreaterThan(0);
    expect(cc61.pass).toBeGreaterThan(0);
    expect(status.criteria.map((c) => c.id)).toContain('A1.3');
  });

  it('collect says on stderr as each scope finishes (one line each, with its counts); --json prints no progress', async () => {
    const r = await vigil(['collect'], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^collect: aws 123456789012 done in \d+ s: \d+ resources → \d+ pass, \d+ fail, \d+ error \(1\/1\)$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = await vigil(['collect', '--json'], { env, cwd: dir });
    expect(j.code).toBe(0);
    expect(j.stderr).not.toContain('collect:');
    expect(JSON.parse(j.stdout).runs[0]).toMatchObject({ source: 'aws', scope: '123456789012' });
  }, 60_000);

  it('AccessDenied on a call turns the rules that need it into error results naming the IAM action', async () => {
    emu.faults.deny('GetAccountAuthorizationDetails');
    try {
      const r = await vigil(['collect', '--json', '--source', 'aws', '--data-dir', join(dir, 'denied')], { env, cwd: dir });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { results: Array<{ ruleId: string; status: string; reason: string }> };
      const byRule = (id: string) => out.results.filter((x) => x.ruleId === id);
      expect(byRule('aws.iam.no_full_admin_policies').map((x) => x.status)).toEqual(['error']);
      expect(byRule('aws.iam.no_full_admin_policies')[0]!.reason).toContain('iam:GetAccountAuthorizationDetails');
      // rules that do not need the denied call still judge
      expect(byRule('aws.iam.password_policy_strong').map((x) => x.status)).toEqual(['fail']);
      expect(out.results.some((x) => x.status === 'pass')).toBe(true);
    } finally {
      emu.faults.allow('GetAccountAuthorizationDetails');
    }
  });

  it('a changed leaf in the SQLite file makes `ledger verify` exit 1 naming it', async () => {
    const data = join(dir, 'tamper');
    expect((await vigil(['collect', '--json', '--data-dir', data], { env, cwd: dir })).code).toBe(0);
    const db = new Database(join(data, 'ledger.sqlite'));
    const row = db.prepare("SELECT seq, body FROM leaves WHERE type = 'run' ORDER BY seq DESC LIMIT 1").get() as { seq: number; body: Buffer };
    db.exec('DROP TRIGGER leaves_no_update');
    const forged = Buffer.from(row.body.toString('utf8').replace('"outcome":"complete"', '"outcome":"completE"'));
    expect(forged.equals(row.body)).toBe(false);
    db.prepare('UPDATE leaves SET body = ? WHERE seq = ?').run(forged, row.seq);
    db.close();
    const v = await vigil(['ledger', 'verify', '--data-dir', data], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`first bad leaf: #${row.seq}`);
  });

  it('bad config exits 2 naming file, line and field, with no stack trace and nothing written', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'dataDir: ./never-written\nsources:\n  aws:\n    accountId: 12345\n');
    const r = await vigil(['--config', bad, 'collect', '--json'], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:4:16: sources.aws.accountId`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'never-written'))).toBe(false);
  });

  it('bad arguments exit 2', async () => {
    expect((await vigil(['collect', '--source', 'gitlab'], { cwd: dir })).code).toBe(2);
    expect((await vigil(['frobnicate'], { cwd: dir })).code).toBe(2);
  });

  it('init writes a commented config once and refuses to overwrite it', async () => {
    const out = join(dir, 'init', 'vigil.config.yaml');
    rmSync(join(dir, 'init'), { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'init'));
    expect((await vigil(['init', '--out', out], { cwd: dir })).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('# vigil.config.yaml');
    // the file loads as written: commands taking --config accept it, and status stops only at the missing ledger
    const rules = await vigil(['rules', 'list', '--config', out], { cwd: dir });
    expect(rules.code, rules.stderr).toBe(0);
    const status = await vigil(['status', '--config', out], { cwd: dir });
    expect(status.stderr).not.toContain('invalid config');
    expect(status.stderr).toContain('no ledger database');
    const again = await vigil(['init', '--out', out], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('demo --once runs the whole agent through Redis and leaves a ledger that verifies', async () => {
    const data = join(dir, 'demo');
    const r = await vigil(['demo', '--once', '--data-dir', data], { cwd: dir });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/aws 123456789012: \d+ resources/);
    expect(r.stdout).toMatch(/FAIL\s+aws\./);
    expect(r.stdout).toMatch(/CC6\.1\s+\d+\s+[1-9]\d*/);
    // the demo ledger has its own origin; verify it without the test config (whose origin differs)
    const v = await vigil(['ledger', 'verify', '--data-dir', data], { cwd: tmpdir() });
    expect(v.code, v.stderr).toBe(0);
  }, 60_000);
});

describe('vigil run', () => {
  it('collects the current slot at start and, on SIGTERM, finishes, writes agent.stopped and signs a shutdown checkpoint', async () => {
    const emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
    const prefix = `vigiltest-run-${process.pid}-${Date.now()}`;
    writeFileSync(join(dir, 'vigil.config.yaml'), `dataDir: ./data\nheartbeatMinutes: 1\nredis:\n  prefix: ${prefix}\nsources:\n  aws:\n    region: us-east-1\n`);
    const child = spawn(process.execPath, [BIN, 'run'], {
      cwd: dir,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'info', AWS_ENDPOINT_URL: emu.url, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stderr.on('data', (d) => (logs += d));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!logs.includes('"msg":"run recorded"')) {
        if (Date.now() > deadline) throw new Error(`no run recorded; logs:\n${logs}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const { Ledger } = await import('../../src/ledger/ledger.js');
      const ledger = await Ledger.open({ dataDir: join(dir, 'data'), readOnly: true });
      try {
        const types: string[] = [];
        for await (const l of ledger.leaves()) types.push(l.type);
        expect(types).toContain('run');
        expect(types[types.length - 1]).toBe('agent.stopped');
        const cps = await ledger.checkpoints();
        expect(cps[cps.length - 1]).toMatchObject({ reason: 'shutdown', size: ledger.size() });
        expect((await ledger.verify()).ok).toBe(true);
      } finally {
        await ledger.close();
      }
      expect(logs).not.toContain('test-only'); // the secret key never reaches the logs
    } finally {
      child.kill('SIGKILL');
      await emu.close();
      const { Queue } = await import('bullmq');
      const { Redis } = await import('ioredis');
      const conn = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
      for (const name of ['collect', 'evidence']) {
        const q = new Queue(name, { connection: conn, prefix });
        await q.obliterate({ force: true });
        await q.close();
      }
      conn.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('vigil collect --source github', () => {
  it('gives the seeded verdicts on the demo org, and a token without read:org gives error results naming it', async () => {
    const { startGithubEmulator, DEMO_TOKEN } = await import('../../collectors/github/emulator/server.js');
    const emu = await startGithubEmulator({
      estate: 'demo',
      tokens: { ghp_NoReadOrgVigilTestToken00000000000000: { login: 'alice', kind: 'classic', scopes: ['repo', 'security_events'] } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-gh-'));
    try {
      writeFileSync(join(dir, 'vigil.config.yaml'), `sources:\n  github:\n    org: acme-demo\n    baseUrl: ${emu.url}\n    auth:\n      token: \${GH_TOKEN}\n`);
      const full = await vigil(['collect', '--source', 'github', '--json', '--data-dir', join(dir, 'a')], { cwd: dir, env: { GH_TOKEN: DEMO_TOKEN } });
      expect(full.code, full.stderr).toBe(0);
      const a = JSON.parse(full.stdout) as { results: Array<{ ruleId: string; resourceId: string; status: string; reason: string }> };
      const st = (rule: string, res: string) => a.results.find((r) => r.ruleId === rule && r.resourceId === res)?.status;
      expect(st('github.org.two_factor_enforced', 'acme-demo')).toBe('fail');
      expect(st('github.repo.default_branch_protected', 'acme-demo/web:main')).toBe('fail');
      // The only errors: the fine-grained PAT lists, which GitHub answers to GitHub Apps only, not to the classic demo token.
      expect(a.results.filter((r) => r.status === 'error').map((r) => r.resourceId)).toEqual(['pat_grant:acme-demo', 'pat_request:acme-demo']);
      expect(a.results.some((r) => r.status === 'pass')).toBe(true);
      expect(full.stdout + full.stderr).not.toContain(DEMO_TOKEN);

      const limited = await vigil(['collect', '--source', 'github', '--json', '--data-dir', join(dir, 'b')], {
        cwd: dir,
        env: { GH_TOKEN: 'ghp_NoReadOrgVigilTestToken00000000000000' },
      });
      expect(limited.code, limited.stderr).toBe(0);
      const b = JSON.parse(limited.stdout) as { results: Array<{ ruleId: string; status: string; reason: string }> };
      const twoFa = b.results.filter((r) => r.ruleId === 'github.org.two_factor_enforced');
      expect(twoFa.map((r) => r.status)).toEqual(['error']);
      expect(twoFa[0]!.reason).toContain('read:org');
      expect(b.results.some((r) => r.status === 'pass')).toBe(true);
    } finally {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('vigil collect --source aws across an organization', () => {
  it('gives per-account, per-region results, and an account whose role cannot be assumed gives errors for that account only', async () => {
    const { orgEstate, EMU_ROLE_NAME, EMU_EXTERNAL_ID } = await import('../../collectors/aws/emulator/index.js');
    const regions = ['us-east-1', 'eu-west-1'];
    const emu = await startAwsEmulator({ ...orgEstate({ accounts: 3, users: 5, regions, unassumable: [1], historyDays: 3, eventsPerDay: 2 }), reportDelayMs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'vigil-org-'));
    try {
      writeFileSync(
        join(dir, 'vigil.config.yaml'),
        `sources:\n  aws:\n    organization: true\n    roleName: ${EMU_ROLE_NAME}\n    externalId: \${EXTERNAL_ID}\n    regions: [${regions.join(', ')}]\n`,
      );
      const env = { AWS_ENDPOINT_URL: emu.url, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1', EXTERNAL_ID: EMU_EXTERNAL_ID };
      const r = await vigil(['collect', '--source', 'aws', '--json'], { cwd: dir, env });
      // an account that cannot be read at all is a runtime failure: recorded, and exit 1 naming it (issue 11; was 0)
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/vigil: aws \d{12} could not be read: sts:AssumeRole into \S+ failed: access denied by the source \(AWS_ASSUME_ROLE_FAILED\); needs permission sts:AssumeRole/);
      const out = JSON.parse(r.stdout) as { runs: Array<{ scope: string; counts: Record<string, number> }>; results: Array<{ ruleId: string; resourceId: string; status: string; reason: string; region?: string }> };
      expect(out.runs).toHaveLength(3);
      const [management, broken, healthy] = out.runs.map((x) => x.scope).sort();
      expect(broken).toBeDefined();
      const of = (acct: string) => out.results.filter((x) => x.resourceId.includes(acct));
      // the account whose role cannot be assumed: only errors, naming sts:AssumeRole
      const brokenRun = out.runs.find((x) => (x.counts.error ?? 0) > 0 && x.counts.pass === 0)!;
      expect(brokenRun).toBeDefined();
      const brokenResults = out.results.filter((x) => x.resourceId === `aws:${brokenRun.scope}`);
      expect(brokenResults.length).toBeGreaterThan(10);
      expect(brokenResults.every((x) => x.status === 'error' && x.reason.includes('sts:AssumeRole'))).toBe(true);
      // the others judge normally, per region
      for (const acct of [management, healthy].filter((a) => a !== brokenRun.scope)) {
        const rs = of(acct!);
        expect(rs.some((x) => x.status === 'pass')).toBe(true);
        expect(rs.filter((x) => x.status === 'error')).toEqual([]);
        expect(new Set(rs.map((x) => x.region).filter(Boolean))).toEqual(new Set(regions));
      }
    } finally {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
