// ledger/key-chain.json in a bundle: every key rotation of the ledger (even one before the exported period), each with
// its handover checkpoint, the rotation leaf's inclusion proof in it and a consistency proof to the slice's end, so
// `vigil verify` can walk from the key an auditor pinned to the key that signed the slice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.js';
import { consistencyProof, inclusionProof } from '../ledger/merkle.js';
import { storeKeyChain } from '../ledger/rotation.js';
import type { EvidenceStore } from '../ledger/store.js';

export const KEY_CHAIN_FILE = 'ledger/key-chain.json';
export const KEY_CHAIN_FORMAT = 'vigil-key-chain/v1';

/** One rotation as the bundle carries it. */
export interface BundleRotation {
  seq: number;
  /** The `key.rotated` leaf's exact bytes (canonical JSON, one line). */
  leaf: string;
  /** The first checkpoint covering the leaf, signed by the old key. */
  handover: { size: number; note: string };
  /** RFC 9162 inclusion proof of the leaf in the handover checkpoint's tree (hex hashes). */
  inclusion: string[];
  /** RFC 9162 consistency proof between the handover checkpoint and the slice's end checkpoint (smaller size first). */
  consistency: { fromSize: number; toSize: number; proof: string[] };
}

export interface KeyChainFile {
  format: string;
  origin: string;
  /** The genesis key (raw Ed25519, base64): the chain's first key. */
  genesisKey: { keyId: string; fingerprint: string; publicKey: string };
  rotations: BundleRotation[];
}

/**
 * Writes ledger/key-chain.json when the ledger's key was ever rotated (nothing otherwise: such a bundle is as before).
 * Reads the leaf hashes up to the last handover or the slice end, whichever is later: a cost only ledgers that rotated pay.
 */
export async function writeKeyChainFile(ro: EvidenceStore, work: string, origin: string, endSize: number): Promise<number> {
  const { chain, faults } = await storeKeyChain(ro, origin);
  if (chain === undefined || faults.length > 0) {
    throw new AppError('EXPORT_KEY_CHAIN', `the ledger's key chain does not verify: ${faults.map((f) => `${f.code}: ${f.message}`).join('; ')}`, { remediation: 'run `vigil ledger verify`' });
  }
  if (chain.steps.length === 0) return 0;
  const handed = chain.steps.filter((st) => st.handoverSize !== undefined);
  const notes = new Map((await ro.checkpoints()).map((c) => [c.size, c.note]));
  const upTo = Math.max(endSize, ...handed.map((st) => st.handoverSize!));
  const hashes: Buffer[] = [];
  for await (const h of ro.leafHashes(0)) {
    if (h.seq >= upTo) break;
    hashes.push(h.leafHash);
  }
  const rotations: BundleRotation[] = [];
  for (const st of handed) {
    const h = st.handoverSize!;
    let leaf: string | undefined;
    for await (const l of ro.leaves({ fromSeq: st.seq, toSeq: st.seq })) leaf = l.body.toString('utf8');
    const note = notes.get(h);
    if (leaf === undefined || note === undefined) throw new AppError('EXPORT_KEY_CHAIN', `rotation at seq ${st.seq}: its leaf or handover checkpoint ${h} is not stored`);
    const [fromSize, toSize] = h <= endSize ? [h, endSize] : [endSize, h];
    rotations.push({
      seq: st.seq,
      leaf,
      handover: { size: h, note },
      inclusion: inclusionProof(st.seq, hashes.slice(0, h)).map((x) => x.toString('hex')),
      consistency: { fromSize, toSize, proof: consistencyProof(fromSize, hashes.slice(0, toSize)).map((x) => x.toString('hex')) },
    });
  }
  const file: KeyChainFile = {
    format: KEY_CHAIN_FORMAT,
    origin,
    genesisKey: { keyId: chain.root.keyId, fingerprint: chain.root.fingerprint, publicKey: chain.root.raw.toString('base64') },
    rotations,
  };
  writeFileSync(join(work, KEY_CHAIN_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return rotations.length;
}
