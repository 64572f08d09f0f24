// One writer per ledger, as an operator meets it: a second `vigil run` or a `vigil collect` beside a running agent is
// refused at once, naming the holder, having written nothing; after the agent stops, the ledger is free again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { startAwsEmulator, demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { runVigil } from '../support/vigil-cli.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const once = runVigil;

/** Resolves when the agent logs that it runs (pino JSON on stderr); rejects if it exits first. */
function running(child: ChildProcess): Promise<void> {
  return new Promise((res, rej) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('"msg":"vigil running"')) res();
    });
    child.once('exit', (code) => rej(new Error(`vigil run exited with ${code}: ${buf.slice(-2000)}`)));
  });
}

describe('one writer per ledger (CLI)', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'vigil-lock-cli-'));
    env = { AWS_ENDPOINT_URL: emu.url, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1', REDIS_URL: REDIS };
    const prefix = `lock${process.pid}${Date.now()}`;
    writeFileSync(join(dir, 'vigil.config.yaml'), `dataDir: ./data\norigin: vigil.test/lock\nredis: { prefix: ${prefix} }\napi: { listen: "127.0.0.1:0" }\nsources:\n  aws:\n    region: us-east-1\n`);
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second run and a collect while the agent writes, naming it; frees the ledger when it stops', async () => {
    agent = spawn(process.execPath, [BIN, 'run'], { cwd: dir, env: { ...process.env, VIGIL_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    agent.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await running(agent);
    // The first collection of each source is announced as it is recorded (issue 17: no silent first cycle); it may come
    // before or after "vigil running", so the whole stderr is kept from the start.
    const firstLine = /first collection: aws 123456789012: \d+ resources → \d+ pass, \d+ fail, \d+ error \(\d+ s after start; 1\/1 sources have reported\)/;
    for (let i = 0; i < 600 && !firstLine.test(log); i++) await new Promise((r) => setTimeout(r, 100));
    expect(log).toMatch(firstLine);

    const second = await once(['run'], dir, env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`the ledger is being written by pid ${agent.pid} on`);
    expect(second.stderr).toContain('(vigil run), since 20');
    expect(second.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace

    const collect = await once(['collect'], dir, env);
    expect(collect.code).toBe(1);
    expect(collect.stderr).toContain(`the ledger is being written by pid ${agent.pid}`);
    // Neither got as far as writing: each would have appended its own agent.started first.
    const startedCount = (): number => {
      const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM leaves WHERE type = 'agent.started'").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(startedCount()).toBe(1);

    agent.kill('SIGTERM');
    await new Promise((res) => agent!.once('exit', res));
    expect(existsSync(join(dir, 'data', 'writer.lock'))).toBe(false);
    const after = await once(['collect'], dir, env);
    expect(after.code).toBe(0);
  }, 120_000);
});
