// A witness for the intake bench: a real witness server on localhost trusting the bench ledger, the agent's submitter,
// and checkpoints signed while intake runs, each offered to the witness off the intake path.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { formatVkey, rawEd25519PublicKey, verifierFromVkey } from '../../src/ledger/note.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { startWitnessServer } from '../../src/witness/server.js';
import { WitnessStateStore } from '../../src/witness/state.js';
import { Witness } from '../../src/witness/witness.js';
import { WitnessSubmitter } from '../../src/witness/submitter.js';

export interface BenchWitness {
  /** Signs a checkpoint and nudges the submitter (what the writer's checkpoint hook does). */
  checkpoint(): Promise<void>;
  /** Lets the last checkpoint be cosigned, stops everything, and says how many were signed and cosigned. */
  finish(): Promise<{ checkpoints: number; cosigned: number }>;
}

export async function startBenchWitness(ledger: Ledger): Promise<BenchWitness> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-witness-'));
  const logVkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
  const cosigner = ed25519Cosigner('bench.witness/1', generateKeyPairSync('ed25519').privateKey);
  const state = await WitnessStateStore.open(dir);
  const server = await startWitnessServer({ witness: new Witness({ cosigner, logs: new Map([[ledger.origin, [verifierFromVkey(logVkey)]]]), state }), port: 0 });
  const submitter = new WitnessSubmitter({
    ledger,
    witnesses: [{ name: 'bench', url: server.url, key: cosigner.vkey, timeoutSeconds: 10, alertAfterCheckpoints: 3 }],
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
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      let cosigned = 0;
      for await (const _ of ledger.readLeaves({ types: ['witness.cosigned'] })) cosigned++;
      return { checkpoints: (await ledger.checkpoints()).length, cosigned };
    },
  };
}
