// `vigil witness serve` as a child process, killed with SIGKILL while cosigning: its state is never corrupt or rolled back,
// and the restarted witness (taking over the dead one's lock) carries on from what it had acknowledged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { submitCheckpoint, WitnessError } from '../../src/witness/client.js';
import { parseState, stateFileName } from '../../src/witness/state.js';
import { post, TestLog } from './helpers.js';
import { addCheckpointBody } from '../../src/witness/client.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const env = { ...process.env, VIGIL_LOG_LEVEL: 'warn' };

/** Starts the witness and resolves with its URL once it prints it. */
function serve(args: string[], children: ChildProcess[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'witness', 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((res, rej) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res({ child, url: m[1] as string });
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => rej(new Error(`witness exited ${code} before listening: ${err}`)));
  });
}

describe('witness under SIGKILL', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-witness-kill-'));
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('witness key: refuses to create without --new, creates 0600 with it, never overwrites', () => {
    const key = join(dir, 'keys', 'witness.pem');
    const none = spawnSync(process.execPath, [BIN, 'witness', 'key', '--key', key], { env, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no witness key at .*--new/s);
    const made = spawnSync(process.execPath, [BIN, 'witness', 'key', '--key', key, '--new', '--name', 'witness.test/kill'], { env, encoding: 'utf8' });
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(/^witness\.test\/kill\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}=?\n$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const again = spawnSync(process.execPath, [BIN, 'witness', 'key', '--key', key, '--new', '--name', 'witness.test/kill'], { env, encoding: 'utf8' });
    expect(again.stdout).toBe(made.stdout);
    expect(again.stderr).toMatch(/already exists; kept it/);
  });

  it('kill -9 in the middle of cosigning, three times: state parses, never below what was acknowledged', async () => {
    const key = join(dir, 'keys', 'witness.pem');
    const vkey = spawnSync(process.execPath, [BIN, 'witness', 'key', '--key', key, '--name', 'witness.test/kill'], { env, encoding: 'utf8' }).stdout.trim();
    const state = join(dir, 'state');
    const log = new TestLog('vigil.test/kill-log');
    const args = ['--key', key, '--name', 'witness.test/kill', '--listen', '127.0.0.1:0', '--state', state, '--origin', `${log.origin}=${log.vkey}`];
    let acked = 0;
    for (let round = 0; round < 3; round++) {
      const { child, url } = await serve(args, children);
      const exited = new Promise((r) => child.once('exit', r));
      const target = acked + 4 + round * 3;
      let killed = false;
      // Four submitters race on one growing log; the witness is killed once it has acknowledged `target`.
      const worker = async () => {
        while (!killed) {
          const size = log.grow(1).leaves.length;
          try {
            const r = await submitCheckpoint({ url, vkey }, log.checkpoint(size), acked, async (a, b) => log.proof(a, b), { maxAttempts: 20, sleep: async () => {}, timeoutMs: 5000 });
            acked = Math.max(acked, r.size);
            if (acked >= target && !killed) {
              killed = true;
              child.kill('SIGKILL');
            }
          } catch (e) {
            if (!(e instanceof WitnessError)) throw e;
            if (e.kind !== 'witness-ahead' && !killed) throw e;
          }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      await exited;
      const path = join(state, stateFileName(log.origin));
      const held = parseState(path, readFileSync(path, 'utf8'));
      expect(held.size, `round ${round}`).toBeGreaterThanOrEqual(acked);
      expect(held.root).toBe(log.root(held.size).toString('base64'));
      acked = held.size;
    }
    // Restarted once more (the dead holder's lock is taken over): it answers with the size it holds, and carries on.
    const { child, url } = await serve(args, children);
    expect(await post(url, addCheckpointBody(0, [], log.checkpoint(log.leaves.length)))).toMatchObject({ status: 409, body: `${acked}\n` });
    expect(readdirSync(state).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const r = await submitCheckpoint({ url, vkey }, log.checkpoint(log.grow(1).leaves.length), acked, async (a, b) => log.proof(a, b));
    expect(r.size).toBe(log.leaves.length);
    child.kill('SIGTERM');
    expect(await new Promise((res) => child.once('exit', res))).toBe(0);
  });
});
