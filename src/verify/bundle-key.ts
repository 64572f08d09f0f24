// Which key verify checks a bundle's signatures with: the auditor's pin (a PEM file or a fingerprint), else the bundle's own key, named.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyFingerprint } from '../ledger/fingerprint.js';
import { ed25519KeyId, rawEd25519PublicKey } from '../ledger/note.js';

/** What the auditor pinned, if anything. */
export interface KeyPin {
  /** PEM (SPKI) of the ledger key obtained out of band (`--trusted-key`). */
  pem?: string;
  /** Canonical `SHA256:<hex>` fingerprint obtained out of band (`--trusted-fingerprint`). */
  fingerprint?: string;
}

/** The key the bundle was checked against, as the result and the OK line state it. */
export interface BundleKey {
  /** `SHA256:<hex>` of the key's DER SubjectPublicKeyInfo (src/ledger/fingerprint.ts). */
  fingerprint: string;
  /** The 4-byte signed-note key id (hex) for the bundle's origin. */
  keyId: string;
  /** How the key was pinned; null = not pinned, the bundle's own key was used. */
  pinnedBy: 'trusted-key' | 'trusted-fingerprint' | null;
  /**
   * Present when the ledger's key was rotated (ledger/key-chain.json): `fingerprint` is then the key that signed the
   * slice's end, reached from the pinned key by `rotationsFromPin` rotations (negative: the pinned key came later).
   */
  chain?: { genesisFingerprint: string; rotations: number; pinnedFingerprint?: string; rotationsFromPin?: number };
}

export interface ResolvedKey {
  key?: KeyObject;
  info?: BundleKey;
  faults: Array<{ code: string; file?: string; message: string }>;
  warnings: string[];
}

/**
 * Chooses the verification key. A `--trusted-key` is used as given (signatures by any other key then fail); a
 * `--trusted-fingerprint` must equal the fingerprint of the bundle's key file, or the bundle fails with KEY_NOT_PINNED
 * (it is still checked with its own key, so every other fault is named too). Without a pin the bundle's key is used and
 * a warning names its fingerprint.
 */
export function resolveBundleKey(pin: KeyPin, origin: string, bundleKeyFile: string, bundlePem: string | undefined): ResolvedKey {
  const faults: ResolvedKey['faults'] = [];
  const warnings: string[] = [];
  let bundleKey: KeyObject | undefined;
  if (bundlePem !== undefined) {
    try {
      bundleKey = createPublicKey(bundlePem);
      rawEd25519PublicKey(bundleKey);
    } catch (e) {
      bundleKey = undefined;
      faults.push({ code: 'KEY', file: bundleKeyFile, message: `not an Ed25519 public key: ${(e as Error).message}` });
    }
  }
  let key: KeyObject | undefined;
  let pinnedBy: BundleKey['pinnedBy'] = null;
  if (pin.pem !== undefined) {
    key = createPublicKey(pin.pem);
    pinnedBy = 'trusted-key';
    if (bundleKey && keyFingerprint(bundleKey) !== keyFingerprint(key)) {
      faults.push({ code: 'KEY_NOT_PINNED', file: bundleKeyFile, message: `the bundle's key is ${keyFingerprint(bundleKey)}, not the pinned key ${keyFingerprint(key)} (--trusted-key)` });
    }
  } else if (pin.fingerprint !== undefined) {
    key = bundleKey;
    pinnedBy = 'trusted-fingerprint';
    if (bundleKey && keyFingerprint(bundleKey) !== pin.fingerprint) {
      faults.push({ code: 'KEY_NOT_PINNED', file: bundleKeyFile, message: `the bundle is signed by ${keyFingerprint(bundleKey)}, not by the pinned key ${pin.fingerprint} (--trusted-fingerprint): it was not produced by the ledger you pinned` });
    }
  } else {
    key = bundleKey;
    if (bundleKey) {
      warnings.push(`no pinned key: signatures were checked against the bundle's own key ${keyFingerprint(bundleKey)}; the evidence is only as trustworthy as that key — compare it with the fingerprint the ledger's owner gave you (\`vigil ledger key\`) and pass it as --trusted-fingerprint`);
    }
  }
  if (!key) return { faults, warnings };
  let keyId = '';
  try {
    keyId = ed25519KeyId(origin, rawEd25519PublicKey(key)).toString('hex');
  } catch (e) {
    faults.push({ code: 'KEY', message: `the pinned key is not an Ed25519 key: ${(e as Error).message}` });
    return { faults, warnings };
  }
  return { key, info: { fingerprint: keyFingerprint(key), keyId, pinnedBy }, faults, warnings };
}

/**
 * When a slice starts at seq 0, its first leaf is the ledger's genesis, which names the key that signs the ledger: it
 * must be the key the checkpoints verified with (else a forger re-signed someone else's history). Undefined when it is.
 */
export function genesisKeyProblem(body: Record<string, unknown>, origin: string, key: KeyObject): string | undefined {
  if (body.type !== 'ledger.genesis') return `leaf 0 is ${JSON.stringify(body.type)}, not ledger.genesis`;
  const data = (typeof body.data === 'object' && body.data !== null ? body.data : body) as Record<string, unknown>;
  const raw = rawEd25519PublicKey(key);
  const keyId = ed25519KeyId(origin, raw).toString('hex');
  if (data.publicKey !== raw.toString('base64') || data.keyId !== keyId) {
    return `the genesis leaf records key ${String(data.keyId)} (${String(data.publicKey)}), but the checkpoints are signed by key ${keyId} (${keyFingerprint(key)})`;
  }
  if (data.origin !== origin) return `the genesis leaf records origin ${JSON.stringify(data.origin)}, not ${JSON.stringify(origin)}`;
  return undefined;
}
