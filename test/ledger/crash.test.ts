// A writer killed with SIGKILL mid-append loses no acknowledged leaf and leaves a ledger that verifies.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempDir, OPEN_CATALOGUE } from './helpers.js';

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.();
});

/** Runs the writer until it has acknowledged something, lets it run a random while longer, then kills it with -9. */
function runAndKill(dataDir: string, round: number): Promise<Array<{ seq: number; key: string }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, String(round)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && out.includes('ack ')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), 50 + Math.floor(Math.random() * 400));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code} ${signal}: ${err}`));
      // Only whole lines count: a line cut by the kill was never fully acknowledged.
      const acks = out
        .split('\n')
        .filter((l) => /^ack \d+ \S+$/.test(l))
        .map((l) => {
          const [, seq, key] = l.split(' ');
          return { seq: Number(seq), key: key as string };
        });
      resolve(acks);
    });
  });
}

describe('crash safety', () => {
  it('kill -9 mid-append: every acknowledged seq survives, the ledger verifies and keeps going', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const acked: Array<{ seq: number; key: string }> = [];
    for (let round = 0; round < 3; round++) {
      const got = await runAndKill(t.dir, round);
      expect(got.length).toBeGreaterThan(0);
      acked.push(...got);

      const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir });
      try {
        expect(ledger.alarm).toBeNull();
        const report = await ledger.verify();
        expect(report.faults).toEqual([]);
        expect(report.ok).toBe(true);
        expect(ledger.size()).toBeGreaterThan(Math.max(...acked.map((a) => a.seq)));
        for (const a of acked) expect(await ledger.seqOfKey(a.key)).toBe(a.seq);
        // Signing resumes from where the dead writer left off.
        const cp = await ledger.checkpoint('start');
        if (cp !== null) expect(cp.size).toBe(ledger.size());
      } finally {
        await ledger.close();
      }
    }
  }, 60_000);
});
