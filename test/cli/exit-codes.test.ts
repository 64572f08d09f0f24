// `vigil collect` exit codes end to end: a source that cannot be read exits 1 and is recorded; bad config exits 2, nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

function vigil(args: string[], opts: { env: Record<string, string | undefined>; cwd: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, VIGIL_LOG_LEVEL: 'warn', ...opts.env })) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** No credential anywhere the SDK's default chain looks (env, files, instance metadata). */
const NO_CREDS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_REGION: 'us-east-1',
};

interface CollectJson {
  runs: Array<{ source: string; scope: string; seq: number; health: string; errors: Array<{ operation: string; cause: string; message: string }> }>;
  results: Array<{ ruleId: string; status: string; reason: string }>;
}

describe('vigil collect exit codes', () => {
  let dir: string;
  let refused: string;
  let html: Server;
  let htmlUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-exit-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), 'origin: vigil.test/exit\nsources:\n  aws:\n    region: us-east-1\n');
    // a port that refuses connections: bind, note it, close
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    refused = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    await new Promise<void>((r) => s.close(() => r()));
    // an endpoint answering every call with an HTML error page (a proxy in the way)
    html = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Proxy error</body></html>'));
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
    htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => html.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** `full`: also check the ledger verifies and `vigil status` (text and JSON) lists it first (spawns cost ~5 s each). */
  const expectRecordedFailure = async (data: string, env: Record<string, string | undefined>, cause: string, words: string, full = false) => {
    const r = await vigil(['collect', '--json', '--source', 'aws', '--data-dir', data], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(new RegExp(`vigil: aws \\S+ could not be read: .*${words}.*; recorded as an error run \\(ledger leaf #\\d+\\)`));
    const out = JSON.parse(r.stdout) as CollectJson;
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({ source: 'aws', health: 'failing' });
    expect(out.runs[0]!.errors.map((e) => e.cause)).toContain(cause);
    expect(out.results.length).toBeGreaterThan(0);
    expect(out.results.every((x) => x.status === 'error')).toBe(true);
    for (const x of out.results) {
      expect(x.reason).toContain(words);
      expect(x.reason).not.toContain('needs permission');
    }
    if (!full) return out;
    // the run is in the ledger, the ledger verifies, and status lists the source first as not monitored
    const v = await vigil(['ledger', 'verify', '--data-dir', data], { env: {}, cwd: dir });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const st = await vigil(['status', '--data-dir', data], { env: {}, cwd: dir });
    expect(st.code).toBe(0);
    expect(st.stdout.split('\n')[0]).toMatch(/^NOT MONITORED: aws \S+: 1 failed run since /);
    expect(st.stdout.split('\n')[1]).toContain(words);
    const sj = JSON.parse((await vigil(['status', '--json', '--data-dir', data], { env: {}, cwd: dir })).stdout) as { runs: Array<{ health: string; causes?: string[] }> };
    expect(sj.runs[0]).toMatchObject({ health: 'failing', causes: [cause] });
    return out;
  };

  it('no credentials: exit 1, an error run of the unresolved scope recorded, the cause named', async () => {
    const out = await expectRecordedFailure(join(dir, 'nocreds'), NO_CREDS, 'unauthenticated', 'no valid credentials', true);
    expect(out.runs[0]!.scope).toBe('(unresolved)');
  }, 60_000);

  it('STS unreachable (connection refused): exit 1, recorded, "source unreachable"', async () => {
    const env = { AWS_ENDPOINT_URL: refused, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    await expectRecordedFailure(join(dir, 'refused'), env, 'unreachable', 'source unreachable');
  }, 60_000);

  it('an HTML page instead of the API: exit 1, recorded, "malformed reply"', async () => {
    const env = { AWS_ENDPOINT_URL: htmlUrl, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    await expectRecordedFailure(join(dir, 'html'), env, 'malformed', 'malformed reply');
  }, 60_000);

  it('a bad config is still exit 2 with nothing written, even when the source is also unreachable', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `dataDir: ${join(dir, 'never-written')}\nsources:\n  aws:\n    region: 7\n`);
    const r = await vigil(['--config', bad, 'collect', '--source', 'aws'], { env: { ...NO_CREDS }, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sources.aws.region');
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'never-written'))).toBe(false);
  });

  it('a rule-parameter typo is exit 2 at its file:line in every command that loads config, not only collect', async () => {
    const bad = join(dir, 'typo.yaml');
    writeFileSync(bad, `dataDir: ${join(dir, 'never-written-2')}\nrules:\n  params:\n    aws.iam.access_keys_rotated:\n      maxKeyAgeDay: 60\n`);
    for (const cmd of [['status'], ['alerts'], ['exceptions', 'list'], ['collect', '--source', 'aws']]) {
      const r = await vigil(['--config', bad, ...cmd], { env: { ...NO_CREDS }, cwd: dir });
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr).toContain(`${bad}:5:7: rules.params.aws.iam.access_keys_rotated.maxKeyAgeDay: rule aws.iam.access_keys_rotated has no parameter "maxKeyAgeDay" (did you mean "maxKeyAgeDays"?)`);
    }
    expect(existsSync(join(dir, 'never-written-2'))).toBe(false);
  });
});
