// A real Vigil ledger's checkpoints through a real witness: cosigned round after round with proofs read from the store,
// the cosignatures chain-check, and a history rewritten and re-signed with the ledger's own key is refused and named.
import { afterEach, describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLedgerKey } from '../../src/ledger/keys.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { consistencyProof, leafHash, rootOf } from '../../src/ledger/merkle.js';
import { ed25519Signer, formatCheckpoint, formatVkey, rawEd25519PublicKey, signNote, verifierFromVkey } from '../../src/ledger/note.js';
import { SqliteEvidenceStore } from '../../src/ledger/sqlite-store.js';
import { checkCosignedChain, type ChainCheckpoint, type ChainProof } from '../../src/witness/chain.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { submitCheckpoint } from '../../src/witness/client.js';
import { storeProofSource } from '../../src/witness/ledger-proofs.js';
import { startWitnessServer, type RunningWitnessServer } from '../../src/witness/server.js';
import { WitnessStateStore } from '../../src/witness/state.js';
import { Witness } from '../../src/witness/witness.js';
import { evals, tamperBody } from '../ledger/helpers.js';

describe('witnessing a Vigil ledger', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('cosigns each new checkpoint with a proof from the last one; the period chain-checks; a rewrite is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-witness-ledger-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = SqliteEvidenceStore.open({ path: join(dir, 'ledger.sqlite') });
    const ledger = await Ledger.open({ dataDir: dir, store, origin: 'ledger.example.com/acme/prod' });
    cleanups.push(() => ledger.close());
    const logVkey = formatVkey(ledger.origin, rawEd25519PublicKey(createPublicKey(ledger.publicKeyPem)));
    expect(logVkey).toContain(`+${ledger.keyId}+`);
    const cosigner = ed25519Cosigner('witness.auditor.example/acme', generateKeyPairSync('ed25519').privateKey);
    const state = await WitnessStateStore.open(join(dir, 'witness'));
    const server: RunningWitnessServer = await startWitnessServer({
      witness: new Witness({ cosigner, logs: new Map([[ledger.origin, [verifierFromVkey(logVkey)]]]), state }),
      port: 0,
    });
    cleanups.push(() => server.close());
    const endpoint = { url: server.url, vkey: cosigner.vkey };
    const proofs = storeProofSource(store);

    let cosignedSize = 0;
    const period: ChainCheckpoint[] = [];
    const sizes: number[] = [];
    const periodProofs: ChainProof[] = [];
    for (const batch of [3, 17, 1, 40]) {
      await ledger.append(evals(batch, `b${batch}`));
      const cp = await ledger.checkpoint('hourly');
      expect(cp).not.toBeNull();
      const r = await submitCheckpoint(endpoint, cp!.note, cosignedSize, proofs);
      expect(r.size).toBe(cp!.size);
      if (cosignedSize > 0) periodProofs.push({ fromSize: cosignedSize, toSize: r.size, proof: (await proofs(cosignedSize, r.size)).map((h) => Buffer.from(h).toString('base64')) });
      period.push({ note: cp!.note, cosignatures: [r.cosignature] });
      cosignedSize = r.size;
      sizes.push(r.size);
    }
    const report = checkCosignedChain({ checkpoints: period, proofs: periodProofs, witnesses: [cosigner.vkey], logVerifiers: [verifierFromVkey(logVkey)], require: 'every' });
    expect(report.faults).toEqual([]);
    expect(report.cosigned.map((c) => c.size)).toEqual(sizes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(new Set(sizes).size).toBe(4);
    // from a checkpointed size (stored frontier + newer leaves) and from any other size (refold), the reference proof
    const all: Buffer[] = [];
    for await (const l of store.leafHashes(0)) all.push(l.leafHash);
    for (const [from, to] of [[sizes[0]!, sizes[3]!], [sizes[1]!, sizes[2]!], [2, sizes[3]!], [sizes[1]! + 3, sizes[3]!]] as const) {
      expect((await proofs(from, to)).map((h) => Buffer.from(h).toString('hex')), `${from} → ${to}`).toEqual(consistencyProof(from, all.slice(0, to)).map((h) => h.toString('hex')));
    }
    await expect(proofs(3, all.length + 5)).rejects.toMatchObject({ code: 'WITNESS_PROOF_UNAVAILABLE' });

    // The key holder rewrites a cosigned leaf (hash column too) and re-signs a checkpoint over the new history.
    await ledger.close();
    tamperBody(dir, 5, (b) => Buffer.from(b.toString().replace('"pass"', '"fail"')), Buffer.alloc(32, 9));
    const hashes: Buffer[] = [];
    const reopened = SqliteEvidenceStore.open({ path: join(dir, 'ledger.sqlite') });
    for await (const l of reopened.leafHashes(0)) hashes.push(l.leafHash);
    await reopened.close();
    hashes.push(leafHash(Buffer.from('one more leaf')));
    const key = (await loadLedgerKey(dir, { create: false }))?.privateKey;
    expect(key).toBeDefined();
    const forged = signNote(formatCheckpoint({ origin: ledger.origin, size: hashes.length, root: rootOf(hashes) }), [ed25519Signer(ledger.origin, key!)]);
    const e = await submitCheckpoint(endpoint, forged, cosignedSize, async (a, b) => consistencyProof(a, hashes.slice(0, b))).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'bad-proof', status: 422 });
  });
});
