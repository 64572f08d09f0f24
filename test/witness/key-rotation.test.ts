// A witness across a ledger key rotation: it pins the log's vkeys and reads no rotation record, so it cosigns the
// handover checkpoint (old key), refuses the new key's checkpoints until its operator adds the new vkey, and then
// cosigns them as a consistent extension of what it already cosigned.
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { verifierFromVkey, formatVkey, type NoteVerifier } from '../../src/ledger/note.js';
import { ed25519Cosigner } from '../../src/witness/cosignature.js';
import { addCheckpointBody } from '../../src/witness/client.js';
import { storeProofSource } from '../../src/witness/ledger-proofs.js';
import { WitnessStateStore } from '../../src/witness/state.js';
import { Witness } from '../../src/witness/witness.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('witness and key rotation', () => {
  it('cosigns the handover, refuses the new key until given its vkey, then cosigns consistently', async () => {
    const data = mkdtempSync(join(tmpdir(), 'vigil-wrot-ledger-'));
    const wdir = mkdtempSync(join(tmpdir(), 'vigil-wrot-witness-'));
    dirs.push(data, wdir);
    const ledger = await Ledger.open({ dataDir: data, origin: 'vigil.test/wrot' });
    const oldVkey = formatVkey(ledger.origin, ledger.keyChain().current.raw);
    const keys: NoteVerifier[] = [verifierFromVkey(oldVkey)];
    const witness = new Witness({ cosigner: ed25519Cosigner('witness.test/w', generateKeyPairSync('ed25519').privateKey), logs: new Map([[ledger.origin, keys]]), state: await WitnessStateStore.open(wdir), now: () => 1_800_000_000 });
    const proofs = storeProofSource(ledger.proofReader());
    let cosigned = 0;
    const submit = async (note: string, size: number): Promise<number> => {
      const r = await witness.addCheckpoint(addCheckpointBody(cosigned, await proofs(cosigned, size), note));
      if (r.status === 200) cosigned = size;
      return r.status;
    };

    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 1 } }]);
    const first = (await ledger.checkpoint('hourly'))!;
    expect(await submit(first.note, first.size)).toBe(200);
    const r = await ledger.rotateKey({ kind: 'local', name: 'ops@host' });
    expect(await submit(r.handover.note, r.handover.size)).toBe(200);

    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 2 } }]);
    const next = (await ledger.checkpoint('hourly'))!;
    expect(await submit(next.note, next.size)).toBe(403);
    // The operator checks the rotation out of band and adds the new vkey (`--origin ORIGIN=NEW_VKEY`) beside the old one.
    keys.push(verifierFromVkey(formatVkey(ledger.origin, r.to.raw)));
    expect(await submit(next.note, next.size)).toBe(200);
    expect(cosigned).toBe(next.size);
    await ledger.close();
  });
});
