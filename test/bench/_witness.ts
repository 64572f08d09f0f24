// A witness for the intake bench: `vigil witness serve` in its own process (as a third party runs it) trusting the bench
// ledger, the agent's submitter, and checkpoints signed while intake runs, each offered to the witness off the intake path.
import { spawn, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { formatVkey, rawEd25519PublicKey } from '../../src/ledger/note.js';
import { WitnessSubmitter } from '../../src/witness/submitter.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/bin/vigil.mjs');

export interface BenchWitness {
  /** Signs a checkpoint and nudges the submitter (what the writer's checkpoint hook does). */
  checkpoint(): Promise<void>;
  /** Lets the last checkpoint be cosigned, stops everything, and says how many were signed and cosigned. */
  finish(): Promise<{ checkpoints: number; cosigned: number }>;
}

export async function startBenchWitness(ledger: Ledger): Promise<BenchWitness> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-witness-'));
  const key = join(dir, 'witness.pem');
  const made = spawnSync(process.execPath, [BIN, 'witness', 'key', '--key', key, '--new', '--name', 'bench.witness/1'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`witness key: ${made.stderr}`);
  const logVkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
  const child = spawn(process.execPath, [BIN, 'witness', 'serve', '--key', key, '--name', 'bench.witness/1', '--listen', '127.0.0.1:0', '--state', join(dir, 'state'), '--origin', `${ledger.origin}=${logVkey}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.on('exit', (c) => rej(new Error(`witness exited ${c}: ${out}`)));
  });
  const submitter = new WitnessSubmitter({
    ledger,
    witnesses: [{ name: 'bench', url, key: made.stdout.trim(), timeoutSeconds: 10, alertAfterCheckpoints: 3 }],
    clock: systemClock,
    logger: silentLogger,
  });
  await submitter.start();
  return {
    async checkpoint() {
      await ledger.checkpoint('manual');
      submitter.nudge();
    },
    async finish() {
      await submitter.drain(30_000);
      await submitter.stop();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      let cosigned = 0;
      for await (const _ of ledger.readLeaves({ types: ['witness.cosigned'] })) cosigned++;
      return { checkpoints: (await ledger.checkpoints()).length, cosigned };
    },
  };
}
