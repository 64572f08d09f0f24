// `vigil collect` says as each source's scope finishes (stderr, one line each), instead of silence until all are done;
// with --json stdout is the JSON alone and stderr has no progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAwsEmulator, demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

function vigil(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('vigil collect progress', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'vigil-collect-progress-'));
    env = { AWS_ENDPOINT_URL: emu.url, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1' };
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/collect-progress\nsources:\n  aws:\n    region: us-east-1\n');
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one stderr line per scope as it finishes, with its counts; --json prints none', async () => {
    const r = await vigil(['collect'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^collect: aws 123456789012 done in \d+ s: \d+ resources → \d+ pass, \d+ fail, \d+ error \(1\/1\)$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = await vigil(['collect', '--json'], dir, env);
    expect(j.code).toBe(0);
    expect(j.stderr).not.toContain('collect:');
    expect(JSON.parse(j.stdout).runs[0]).toMatchObject({ source: 'aws', scope: '123456789012' });
  }, 60_000);
});
