// The key of a bundle from a ledger whose key was rotated: the chain in ledger/key-chain.json, the key the auditor pinned
// in it (any key of the chain: each rotation is signed by both its keys), and the key that signed the slice's end.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { rawEd25519PublicKey } from '../ledger/note.js';
import type { KeyChain } from '../ledger/rotation.js';
import type { BundleFiles } from './bundle-files.js';
import type { BundleKey, KeyPin } from './bundle-key.js';

/** A fault as verify reports it (bundle-steps.ts's BundleFault, restated to keep the import graph acyclic). */
type BundleFault = { code: string; file?: string; seq?: number; message: string };
import { pinnedIndex, readBundleChain, type Handover } from './key-chain-step.js';

export interface RotatedKey {
  chain: KeyChain;
  handovers: Handover[];
  /** The key that signed the manifest (the ledger's key at export time). */
  signingKey: KeyObject;
  info: BundleKey;
}

/**
 * Reads the chain, then: the manifest's key must be one of its keys (KEY_NOT_INTRODUCED otherwise); a pin must be one of
 * its keys (KEY_NOT_PINNED otherwise); without a pin a warning names the genesis key the chain starts from.
 */
export function resolveRotatedKey(
  bundle: BundleFiles,
  present: Set<string>,
  pin: KeyPin,
  origin: string,
  keyFile: string,
  bundlePem: string | undefined,
  endSize: number,
  fault: (f: BundleFault) => void,
  warnings: string[],
): RotatedKey | undefined {
  let manifestKey: KeyObject | undefined;
  try {
    if (bundlePem === undefined) throw new Error(`${keyFile} is missing`);
    manifestKey = createPublicKey(bundlePem);
    rawEd25519PublicKey(manifestKey);
  } catch (e) {
    fault({ code: 'KEY', file: keyFile, message: `no usable ledger public key: ${(e as Error).message}` });
    return undefined;
  }
  const bc = readBundleChain(bundle, present, origin, undefined, fault);
  if (bc === undefined) return undefined;
  const { chain } = bc;
  const keys = chain.keys;
  const manifestFp = keyFingerprint(manifestKey);
  if (!keys.some((k) => k.fingerprint === manifestFp)) {
    fault({ code: 'KEY_NOT_INTRODUCED', file: keyFile, message: `the bundle is signed by ${manifestFp}, which no rotation in ledger/key-chain.json introduced` });
  } else if (manifestFp !== chain.newest.fingerprint) {
    // The export signs with the key active then, the chain's last: a retired key signing a bundle is someone holding an old key.
    fault({ code: 'KEY_NOT_ACTIVE', file: keyFile, message: `the bundle is signed by ${manifestFp}, a key retired by a later rotation (the chain's newest key is ${chain.newest.fingerprint})` });
  }
  const p = pinnedIndex(chain, pin);
  const end = chain.keyAt(endSize);
  const endIndex = keys.indexOf(end);
  const pinnedBy: BundleKey['pinnedBy'] = pin.pem !== undefined ? 'trusted-key' : pin.fingerprint !== undefined ? 'trusted-fingerprint' : null;
  if (p === -1) {
    const wanted = pin.pem !== undefined ? keyFingerprint(createPublicKey(pin.pem)) : pin.fingerprint;
    fault({
      code: 'KEY_NOT_PINNED',
      file: 'ledger/key-chain.json',
      message: `none of the ${keys.length} keys of the bundle's key chain (${keys.map((k) => k.fingerprint).join(' → ')}) is the pinned key ${String(wanted)} (--${String(pinnedBy)}): it was not produced by the ledger you pinned`,
    });
  } else if (p === undefined) {
    warnings.push(
      `no pinned key: signatures were checked against the key chain the bundle carries, from its genesis key ${chain.root.fingerprint} through ${chain.steps.length} rotation(s); the evidence is only as trustworthy as that chain — pass the fingerprint the ledger's owner gave you (\`vigil ledger key\`) as --trusted-fingerprint`,
    );
  }
  const pinned = p !== undefined && p >= 0 ? keys[p] : undefined;
  return {
    chain,
    handovers: bc.handovers,
    signingKey: manifestKey,
    info: {
      fingerprint: end.fingerprint,
      keyId: end.keyId,
      pinnedBy: pinned ? pinnedBy : null,
      chain: {
        genesisFingerprint: chain.root.fingerprint,
        rotations: chain.steps.length,
        ...(pinned ? { pinnedFingerprint: pinned.fingerprint, rotationsFromPin: endIndex - p! } : {}),
      },
    },
  };
}
