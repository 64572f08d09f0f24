// A real witness server for a real Vigil ledger, and the forgery a key holder could make: a leaf rewritten and every
// later checkpoint re-signed with the ledger's own key.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadLedgerKey } from '../../src/ledger/keys.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { Frontier, leafHash } from '../../src/ledger/merkle.js';
import { ed25519Signer, formatCheckpoint, formatVkey, rawEd25519PublicKey, signNote, verifierFromVkey } from '../../src/ledger/note.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { startWitnessServer, type RunningWitnessServer } from '../../src/witness/server.js';
import { WitnessStateStore } from '../../src/witness/state.js';
import { Witness } from '../../src/witness/witness.js';
import type { WitnessConfig } from '../../src/witness/config.js';

export interface TestWitness {
  server: RunningWitnessServer;
  vkey: string;
  config: WitnessConfig;
}

/** A witness (own key, own state dir) that cosigns `ledger`'s origin under its key. */
export async function startTestWitness(ledger: Pick<Ledger, 'origin' | 'publicKeyPem'>, name = 'witness.test/auditor', configName = 'auditor'): Promise<TestWitness> {
  const logVkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
  const cosigner = ed25519Cosigner(name, generateKeyPairSync('ed25519').privateKey);
  const state = await WitnessStateStore.open(mkdtempSync(join(tmpdir(), 'vigil-witness-state-')));
  const server = await startWitnessServer({ witness: new Witness({ cosigner, logs: new Map([[ledger.origin, [verifierFromVkey(logVkey)]]]), state }), port: 0 });
  return { server, vkey: cosigner.vkey, config: { name: configName, url: server.url, key: cosigner.vkey, timeoutSeconds: 5, alertAfterCheckpoints: 2 } };
}

/**
 * The key holder's forgery, with the ledger closed: leaf `seq` rewritten by `mutate` (hash column too), every checkpoint
 * from it on re-signed over the new history with the ledger's own key (root, note and frontier), triggers dropped first;
 * `dropFrom` also removes the unsigned tail from that seq.
 */
export async function rewriteAndResign(dataDir: string, seq: number, mutate: (body: string) => string, opts: { dropFrom?: number } = {}): Promise<void> {
  const key = (await loadLedgerKey(dataDir, { create: false }))!.privateKey!;
  const db = new Database(join(dataDir, 'ledger.sqlite'));
  try {
    db.exec('DROP TRIGGER IF EXISTS leaves_no_update; DROP TRIGGER IF EXISTS leaves_no_delete; DROP TRIGGER IF EXISTS checkpoints_no_update;');
    // Leaves past the last checkpoint (e.g. the record of a cosignature the forger would rather forget) can just go.
    if (opts.dropFrom !== undefined) db.prepare('DELETE FROM leaves WHERE seq >= ?').run(opts.dropFrom);
    const origin = (db.prepare("SELECT value FROM meta WHERE key = 'origin'").get() as { value: string }).value;
    const row = db.prepare('SELECT body FROM leaves WHERE seq = ?').get(seq) as { body: Buffer };
    const body = Buffer.from(mutate(row.body.toString('utf8')));
    if (body.equals(row.body)) throw new Error('the rewrite changed nothing');
    db.prepare('UPDATE leaves SET body = ?, leaf_hash = ? WHERE seq = ?').run(body, leafHash(body), seq);
    const hashes = (db.prepare('SELECT leaf_hash FROM leaves ORDER BY seq').all() as Array<{ leaf_hash: Buffer }>).map((r) => r.leaf_hash);
    const signer = ed25519Signer(origin, key);
    for (const c of db.prepare('SELECT size FROM checkpoints WHERE size > ? ORDER BY size').all(seq) as Array<{ size: number }>) {
      const f = new Frontier();
      for (const h of hashes.slice(0, c.size)) f.append(h);
      const note = signNote(formatCheckpoint({ origin, size: c.size, root: f.root() }), [signer]);
      db.prepare('UPDATE checkpoints SET root = ?, note = ?, frontier = ? WHERE size = ?').run(f.root(), note, f.serialize(), c.size);
    }
  } finally {
    db.close();
  }
}
