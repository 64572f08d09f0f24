// `vigil run` with AWS credentials broken from the start, as a user runs it: one alert on the first run naming the cause,
// /readyz degraded with that cause, `vigil alerts` and `vigil status` show it — not "No alerts recorded" and "ok".
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './helpers.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
/** /readyz names sources and causes only to a token holder. */
const TOKEN = 'health-viewer-' + randomBytes(8).toString('hex');

/** No credential anywhere the SDK's default chain looks (env, files, instance metadata). */
const noCredsEnv = (): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^AWS_/.test(k)) env[k] = v;
  return { ...env, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1', REDIS_URL: REDIS };
};

const runCli = (args: string[], cwd: string) =>
  new Promise<{ code: number | null; stdout: string }>((res) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
    let stdout = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.on('close', (code) => res({ code, stdout }));
  });

describe('monitoring health end to end', () => {
  it('a source failing from day one: one alert on the first run, /readyz degraded naming the cause', async () => {
    const dir = tempDir('vigil-health-e2e-');
    writeFileSync(join(dir, 'vigil.config.yaml'), `dataDir: ./data\norigin: vigil.test/health\nredis:\n  prefix: vt${randomBytes(5).toString('hex')}\nsources:\n  aws:\n    region: us-east-1\napi:\n  listen: 127.0.0.1:0\n  tokens:\n    - { name: ops, sha256: ${createHash('sha256').update(TOKEN).digest('hex')}, role: viewer }\n`);
    const child = spawn(process.execPath, [BIN, 'run'], { cwd: dir, env: { ...noCredsEnv(), VIGIL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let body: { ready: boolean; status: string; checks: Record<string, { status?: string; detail?: string; scopes?: Array<{ causes?: string[] }> }> } | undefined;
    try {
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no api url in logs:\n${stderr}`)), 40_000);
        child.stderr.on('data', () => {
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*api listening/.exec(stderr);
          if (m) {
            clearTimeout(t);
            ok(m[1]!);
          }
        });
      });
      // the first collection is enqueued at start; wait for its run (an event: /readyz changes), bounded
      for (let i = 0; i < 300; i++) {
        const r = await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } });
        body = (await r.json()) as typeof body;
        if (body!.status === 'degraded') {
          expect(r.status).toBe(200);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(body, stderr.slice(-2000)).toMatchObject({ ready: true, status: 'degraded', checks: { 'source:aws': { status: 'degraded', scopes: [{ causes: ['unauthenticated'] }] } } });
      expect(body!.checks['source:aws']!.detail).toContain('no valid credentials');
      // the alert is written by the writer right after the run: wait for its log line rather than for time to pass
      for (let i = 0; i < 100 && !/"alerts":1[^\n]*alerts recorded/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
    }
    const alerts = await runCli(['alerts', '--json'], dir);
    expect(alerts.code).toBe(0);
    const lines = alerts.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; title: string; health?: { causes: string[] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: 'error', health: { causes: ['unauthenticated'] } });
    expect(lines[0]!.title).toMatch(/^Monitoring failed: aws \S+ could not be read — .*no valid credentials/);
    expect(lines[0]!.title).not.toContain('needs permission');
    const text = await runCli(['alerts'], dir);
    expect(text.stdout).toMatch(/ERROR\s+high\s+Monitoring failed: aws/);
    expect(text.stdout).toContain('unauthenticated');
    const status = await runCli(['status'], dir);
    expect(status.stdout.split('\n')[0]).toMatch(/^NOT MONITORED: aws /);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
