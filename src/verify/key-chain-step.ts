// Which keys may sign a bundle's checkpoints: the chain ledger/key-chain.json carries (each rotation signed by the old
// and the new key, its handover checkpoint signed by the old key and proven to hold the rotation leaf), and the pin.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../ledger/merkle.js';
import { openCheckpoint } from '../ledger/note.js';
import { chainKey, genesisKey, KeyChain, type ChainKey } from '../ledger/rotation.js';
import type { KeyChainFile } from '../export/key-chain-file.js';
import type { BundleFiles } from './bundle-files.js';
import type { KeyPin } from './bundle-key.js';

/** A fault as verify reports it (bundle-steps.ts's BundleFault, restated to keep the import graph acyclic). */
type BundleFault = { code: string; file?: string; seq?: number; message: string };

const FILE = 'ledger/key-chain.json';

/** A handover checkpoint's root, and the proof that the slice's end checkpoint extends it (checked once the end root is known). */
export interface Handover {
  size: number;
  root: Buffer;
  consistency: { fromSize: number; toSize: number; proof: Buffer[] };
}

export interface BundleChain {
  chain: KeyChain;
  handovers: Handover[];
  /** Whether the bundle carries a rotation chain at all. */
  rotated: boolean;
}

const hexList = (v: unknown): Buffer[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)) ? v.map((x: string) => Buffer.from(x, 'hex')) : undefined);

/**
 * Reads ledger/key-chain.json and checks each rotation: its leaf signed by the key active then and by the new key
 * (ROTATION_BAD_SIGNATURE otherwise), its handover checkpoint signed by the old key, the leaf included in it. Without the
 * file the chain is the one key `soleKey` (a ledger never rotated). A broken rotation ends the chain there.
 */
export function readBundleChain(bundle: BundleFiles, present: Set<string>, origin: string, soleKey: KeyObject | undefined, fault: (f: BundleFault) => void): BundleChain | undefined {
  if (!present.has(FILE)) return soleKey === undefined ? undefined : { chain: new KeyChain(origin, chainKey(origin, soleKey)), handovers: [], rotated: false };
  let file: KeyChainFile;
  let root: ChainKey | undefined;
  try {
    file = JSON.parse(bundle.read(FILE).toString('utf8')) as KeyChainFile;
    root = genesisKey(origin, file.genesisKey as unknown as Record<string, unknown>);
    if (root === undefined || !Array.isArray(file.rotations)) throw new Error('no genesis key or rotations');
    if (file.origin !== origin) throw new Error(`origin ${JSON.stringify(file.origin)} is not the bundle's ${JSON.stringify(origin)}`);
  } catch (e) {
    fault({ code: 'ROTATION_MALFORMED', file: FILE, message: `unreadable key chain: ${(e as Error).message}` });
    return undefined;
  }
  const chain = new KeyChain(origin, root);
  const handovers: Handover[] = [];
  for (const r of file.rotations) {
    const at = (code: string, message: string): void => fault({ code, file: FILE, ...(Number.isSafeInteger(r?.seq) ? { seq: r.seq } : {}), message });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(String(r.leaf)) as Record<string, unknown>;
      if (body.type !== 'key.rotated' || body.seq !== r.seq) throw new Error(`the leaf is ${JSON.stringify(body.type)} at seq ${JSON.stringify(body.seq)}, not key.rotated at ${r.seq}`);
    } catch (e) {
      at('ROTATION_MALFORMED', `rotation: ${(e as Error).message}`);
      break;
    }
    const problem = chain.addRotation(r.seq, body);
    if (problem !== undefined) {
      at(problem.code, `rotation at seq ${r.seq}: ${problem.message}`);
      break;
    }
    const from = chain.steps[chain.steps.length - 1]!.from;
    const inclusion = hexList(r.inclusion);
    const consistency = hexList(r.consistency?.proof);
    let cp;
    try {
      cp = openCheckpoint(String(r.handover?.note), [from.verifier], origin);
    } catch (e) {
      at('ROTATION_NO_HANDOVER', `rotation at seq ${r.seq}: its handover checkpoint is not signed by the old key ${from.keyId}: ${(e as Error).message}`);
      break;
    }
    if (cp.size !== r.handover.size || cp.size <= r.seq || inclusion === undefined || !verifyInclusion(r.seq, cp.size, leafHash(Buffer.from(String(r.leaf), 'utf8')), inclusion, cp.root)) {
      at('ROTATION_NOT_IN_LOG', `rotation at seq ${r.seq}: the leaf is not proven to be in the handover checkpoint of size ${cp.size}`);
      break;
    }
    chain.noteCheckpoint(cp.size);
    if (consistency === undefined || !Number.isSafeInteger(r.consistency.fromSize) || !Number.isSafeInteger(r.consistency.toSize)) {
      at('ROTATION_NOT_IN_LOG', `rotation at seq ${r.seq}: no consistency proof to the slice's end`);
      break;
    }
    handovers.push({ size: cp.size, root: cp.root, consistency: { fromSize: r.consistency.fromSize, toSize: r.consistency.toSize, proof: consistency } });
  }
  return { chain, handovers, rotated: true };
}

/** Each handover checkpoint and the slice's end checkpoint are of one log: a consistency proof between them (no fork). */
export function checkHandovers(handovers: readonly Handover[], endSize: number, endRoot: Buffer | undefined, fault: (f: BundleFault) => void): void {
  if (endRoot === undefined) return;
  for (const h of handovers) {
    const { fromSize, toSize, proof } = h.consistency;
    const ok =
      h.size === endSize
        ? h.root.equals(endRoot)
        : h.size < endSize
          ? fromSize === h.size && toSize === endSize && verifyConsistency(h.size, endSize, proof, h.root, endRoot)
          : fromSize === endSize && toSize === h.size && verifyConsistency(endSize, h.size, proof, endRoot, h.root);
    if (!ok) fault({ code: 'ROTATION_NOT_IN_LOG', file: FILE, message: `the handover checkpoint at size ${h.size} is not consistent with the slice's end checkpoint ${endSize}: they are not one log` });
  }
}

/** The pinned key's place in the chain: any key of it may be pinned (each rotation is signed by both of its keys). */
export function pinnedIndex(chain: KeyChain, pin: KeyPin): number | undefined {
  const fp = pin.pem !== undefined ? keyFingerprint(createPublicKey(pin.pem)) : pin.fingerprint;
  if (fp === undefined) return undefined;
  const i = chain.keys.findIndex((k) => k.fingerprint === fp);
  return i < 0 ? -1 : i;
}
