// Key rotation: the `key.rotated` statement both keys sign, and the key chain a verifier walks from the pinned key to the one signing now.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalString } from './canonical.js';
import { keyFingerprint } from './fingerprint.js';
import { ed25519KeyId, ed25519PublicKeyFromRaw, ed25519Verifier, formatVkey, parseSignedNote, openCheckpoint, rawEd25519PublicKey, type CheckpointBody, type NoteVerifier } from './note.js';
import type { Principal } from '../core/principal.js';

/** Domain separation: a rotation signature can never be mistaken for a checkpoint or manifest note signature (those sign text ending in "\n"). */
const STATEMENT_PREFIX = 'vigil-key-rotation/v1\n';

/** The data of a `key.rotated` leaf (leaf-catalogue.ts). */
export type RotationData = {
  origin: string;
  oldKeyId: string;
  oldFingerprint: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  oldPublicKey: string;
  newKeyId: string;
  newFingerprint: string;
  newPublicKey: string;
  newVkey: string;
  rotatedAt: string;
  by: { kind: 'local'; name: string };
  /** Base64 Ed25519 signatures of rotationStatement(data) by the old and by the new key. */
  oldSignature: string;
  newSignature: string;
};

/** A verification problem with a stable code (the codes are part of `vigil verify`'s and `vigil ledger verify`'s output). */
export interface KeyProblem {
  code: 'ROTATION_BAD_SIGNATURE' | 'ROTATION_MALFORMED' | 'ROTATION_WRONG_OLD_KEY' | 'ROTATION_BEFORE_HANDOVER' | 'KEY_NOT_INTRODUCED' | 'KEY_NOT_ACTIVE' | 'SIGNATURE';
  message: string;
}

/** The bytes both keys sign: a fixed prefix and the RFC 8785 canonical JSON of every field but the two signatures. */
export function rotationStatement(d: Omit<RotationData, 'oldSignature' | 'newSignature'>): Buffer {
  const { origin, oldKeyId, oldFingerprint, oldPublicKey, newKeyId, newFingerprint, newPublicKey, newVkey, rotatedAt, by } = d;
  return Buffer.from(STATEMENT_PREFIX + canonicalString({ origin, oldKeyId, oldFingerprint, oldPublicKey, newKeyId, newFingerprint, newPublicKey, newVkey, rotatedAt, by }), 'utf8');
}

/** The `key.rotated` leaf for replacing `oldKey` by `newKey`, signed by both. */
export function rotationLeaf(a: { origin: string; oldKey: KeyObject; newKey: KeyObject; rotatedAt: string; by: Principal }): { type: 'key.rotated'; idempotencyKey: string; data: RotationData } {
  if (a.by.kind !== 'local') throw new Error('a key rotation is run by the local account that holds the data dir');
  const oldRaw = rawEd25519PublicKey(a.oldKey);
  const newRaw = rawEd25519PublicKey(a.newKey);
  const unsigned = {
    origin: a.origin,
    oldKeyId: ed25519KeyId(a.origin, oldRaw).toString('hex'),
    oldFingerprint: keyFingerprint(createPublicKey(a.oldKey)),
    oldPublicKey: oldRaw.toString('base64'),
    newKeyId: ed25519KeyId(a.origin, newRaw).toString('hex'),
    newFingerprint: keyFingerprint(createPublicKey(a.newKey)),
    newPublicKey: newRaw.toString('base64'),
    newVkey: formatVkey(a.origin, newRaw),
    rotatedAt: a.rotatedAt,
    by: { kind: 'local' as const, name: a.by.name },
  };
  const msg = rotationStatement(unsigned);
  return {
    type: 'key.rotated',
    idempotencyKey: `key.rotated:${unsigned.newKeyId}:${unsigned.newPublicKey}`,
    data: { ...unsigned, oldSignature: sign(null, msg, a.oldKey).toString('base64'), newSignature: sign(null, msg, a.newKey).toString('base64') },
  };
}

/** One key of the chain. */
export interface ChainKey {
  keyId: string;
  fingerprint: string;
  /** Raw 32-byte public key. */
  raw: Buffer;
  publicKey: KeyObject;
  verifier: NoteVerifier;
}

export function chainKey(origin: string, publicKey: KeyObject): ChainKey {
  const raw = rawEd25519PublicKey(publicKey);
  return { keyId: ed25519KeyId(origin, raw).toString('hex'), fingerprint: keyFingerprint(publicKey), raw, publicKey, verifier: ed25519Verifier(origin, publicKey) };
}

function rawKey(b64: unknown): Buffer | undefined {
  if (typeof b64 !== 'string') return undefined;
  const raw = Buffer.from(b64, 'base64');
  return raw.length === 32 && raw.toString('base64') === b64 ? raw : undefined;
}

/**
 * Checks one rotation against the key active when it was written: the old key must be that key, both signatures must
 * verify over the statement, the new key's id and fingerprint must be its own. Returns the new key, or the problem.
 */
export function checkRotation(data: Record<string, unknown>, origin: string, active: ChainKey): { key: ChainKey } | { problem: KeyProblem } {
  const d = data as Partial<RotationData>;
  const oldRaw = rawKey(d.oldPublicKey);
  const newRaw = rawKey(d.newPublicKey);
  if (oldRaw === undefined || newRaw === undefined || typeof d.oldSignature !== 'string' || typeof d.newSignature !== 'string' || typeof d.by !== 'object' || d.by === null) {
    return { problem: { code: 'ROTATION_MALFORMED', message: 'the key.rotated leaf lacks its keys or signatures' } };
  }
  if (d.origin !== origin) return { problem: { code: 'ROTATION_MALFORMED', message: `the rotation is for origin ${JSON.stringify(d.origin)}, not ${JSON.stringify(origin)}` } };
  if (!oldRaw.equals(active.raw) || d.oldKeyId !== active.keyId) {
    return { problem: { code: 'ROTATION_WRONG_OLD_KEY', message: `the rotation replaces key ${String(d.oldKeyId)}, but the key active then was ${active.keyId} (${active.fingerprint})` } };
  }
  const newKey = chainKey(origin, ed25519PublicKeyFromRaw(newRaw));
  if (d.newKeyId !== newKey.keyId || d.newFingerprint !== newKey.fingerprint || d.oldFingerprint !== active.fingerprint) {
    return { problem: { code: 'ROTATION_MALFORMED', message: 'the rotation states a key id or fingerprint that is not its key\'s' } };
  }
  const msg = rotationStatement(d as RotationData);
  if (!verify(null, msg, active.publicKey, Buffer.from(d.oldSignature, 'base64'))) {
    return { problem: { code: 'ROTATION_BAD_SIGNATURE', message: `the rotation to key ${newKey.keyId} is not signed by the old key ${active.keyId} (${active.fingerprint}): a key that holder never handed over to` } };
  }
  if (!verify(null, msg, newKey.publicKey, Buffer.from(d.newSignature, 'base64'))) {
    return { problem: { code: 'ROTATION_BAD_SIGNATURE', message: `the rotation to key ${newKey.keyId} is not signed by that new key (no proof its holder had it)` } };
  }
  return { key: newKey };
}

/** A rotation in the chain: the leaf's seq and the first checkpoint after it (signed by the old key), once there is one. */
export interface ChainStep {
  seq: number;
  from: ChainKey;
  to: ChainKey;
  /** Size of the handover checkpoint: the first signed checkpoint covering the rotation leaf; undefined while pending. */
  handoverSize?: number;
}

/**
 * The keys that signed a ledger, in order. A checkpoint of size N is signed by the key active at N: a rotation at seq r
 * with handover checkpoint H hands over after H — checkpoints of size ≤ H are the old key's (H itself covers the
 * rotation leaf, signed by the old key), larger ones the new key's.
 */
export class KeyChain {
  readonly steps: ChainStep[] = [];
  constructor(
    readonly origin: string,
    readonly root: ChainKey,
  ) {}

  /** The key that signs (or, after a rotation not yet handed over, still signs) the next checkpoint. */
  get current(): ChainKey {
    const last = this.steps[this.steps.length - 1];
    return last === undefined ? this.root : last.handoverSize === undefined ? last.from : last.to;
  }

  /** The newest key in the chain (the new key of a rotation not yet handed over). */
  get newest(): ChainKey {
    return this.steps[this.steps.length - 1]?.to ?? this.root;
  }

  get keys(): ChainKey[] {
    return [this.root, ...this.steps.map((s) => s.to)];
  }

  /** Adds the rotation leaf at `seq` (in seq order). A rotation before the previous one was handed over is refused. */
  addRotation(seq: number, data: Record<string, unknown>): KeyProblem | undefined {
    const last = this.steps[this.steps.length - 1];
    if (last !== undefined && last.handoverSize === undefined) {
      return { code: 'ROTATION_BEFORE_HANDOVER', message: `a second rotation at seq ${seq} before a checkpoint signed by key ${last.from.keyId} covered the rotation at seq ${last.seq}` };
    }
    const r = checkRotation(data, this.origin, this.current);
    if ('problem' in r) return r.problem;
    this.steps.push({ seq, from: this.current, to: r.key });
    return undefined;
  }

  /** Records the checkpoint sizes in the order they grow: the first one past a pending rotation is its handover. */
  noteCheckpoint(size: number): void {
    const last = this.steps[this.steps.length - 1];
    if (last !== undefined && last.handoverSize === undefined && size > last.seq) last.handoverSize = size;
  }

  /** The key that must have signed a checkpoint of `size`. */
  keyAt(size: number): ChainKey {
    let k = this.root;
    for (const s of this.steps) {
      if (s.handoverSize !== undefined && size > s.handoverSize) k = s.to;
      else break;
    }
    return k;
  }

  find(keyId: string): ChainKey | undefined {
    return this.keys.find((k) => k.keyId === keyId);
  }

  /** Opens a checkpoint note of `size` with the key active at that size, naming a key the chain never introduced. */
  openAt(note: string | Uint8Array, size: number): { body: CheckpointBody } | { problem: KeyProblem } {
    const want = this.keyAt(size);
    try {
      return { body: openCheckpoint(note, [want.verifier], this.origin) };
    } catch (e) {
      return { problem: signerProblem(note, this, want, `checkpoint ${size}`) ?? { code: 'SIGNATURE', message: `checkpoint ${size}: ${(e as Error).message}` } };
    }
  }
}

/** Why a note was not signed by `want`: signed by a key of the chain not active then, or by a key the chain never introduced. */
export function signerProblem(note: string | Uint8Array, chain: KeyChain, want: ChainKey, what: string): KeyProblem | undefined {
  let sigs: Array<{ name: string; keyId: Buffer }>;
  try {
    sigs = parseSignedNote(note).signatures;
  } catch {
    return undefined;
  }
  const mine = sigs.filter((s) => s.name === chain.origin);
  if (mine.length === 0 || mine.some((s) => s.keyId.toString('hex') === want.keyId)) return undefined;
  const id = mine[0]!.keyId.toString('hex');
  const known = chain.find(id);
  if (known !== undefined) {
    return { code: 'KEY_NOT_ACTIVE', message: `${what} is signed by key ${id} (${known.fingerprint}), but the key active there is ${want.keyId} (${want.fingerprint})` };
  }
  return { code: 'KEY_NOT_INTRODUCED', message: `${what} is signed by key ${id}, which no rotation signed by the previous key introduced (the key active there is ${want.keyId}, ${want.fingerprint})` };
}

/** The genesis leaf's key (its `publicKey` field), or undefined when it names none. */
export function genesisKey(origin: string, genesisData: Record<string, unknown>): ChainKey | undefined {
  const raw = rawKey(genesisData.publicKey);
  return raw === undefined ? undefined : chainKey(origin, ed25519PublicKeyFromRaw(raw));
}

/** A chain fault found while reading a ledger, at the leaf (seq) it concerns. */
export interface ChainFault extends KeyProblem {
  seq?: number;
  checkpointSize?: number;
}

/**
 * The key chain of a stored ledger, rooted at the key its genesis leaf names: every `key.rotated` leaf (checked against
 * the key active then) and each one's handover checkpoint. Bad rotations are named and skipped (the chain stays at the
 * old key, so checkpoints signed by the key they would have introduced are then named KEY_NOT_INTRODUCED).
 */
export async function storeKeyChain(
  store: { leaves(q: { fromSeq?: number; toSeq?: number; types?: string[] }): AsyncIterable<{ seq: number; body: Buffer }>; checkpoints(): Promise<Array<{ size: number }>> },
  origin: string,
): Promise<{ chain?: KeyChain; faults: ChainFault[] }> {
  const faults: ChainFault[] = [];
  let genesis: Record<string, unknown> | undefined;
  for await (const l of store.leaves({ fromSeq: 0, toSeq: 0 })) genesis = parseBody(l.body);
  const root = genesis?.type === 'ledger.genesis' ? genesisKey(origin, genesis) : undefined;
  if (root === undefined) return { faults: [{ code: 'ROTATION_MALFORMED', seq: 0, message: 'leaf 0 is not a ledger.genesis naming the first key' }] };
  const chain = new KeyChain(origin, root);
  const sizes = [...new Set((await store.checkpoints()).map((c) => c.size))].sort((a, b) => a - b);
  let i = 0;
  for await (const l of store.leaves({ types: ['key.rotated'] })) {
    while (i < sizes.length && sizes[i]! <= l.seq) chain.noteCheckpoint(sizes[i++]!);
    const body = parseBody(l.body);
    const problem = body === undefined ? { code: 'ROTATION_MALFORMED' as const, message: 'not a JSON object' } : chain.addRotation(l.seq, body);
    if (problem !== undefined) faults.push({ ...problem, seq: l.seq, message: `leaf ${l.seq}: ${problem.message}` });
  }
  while (i < sizes.length) chain.noteCheckpoint(sizes[i++]!);
  return { chain, faults };
}

function parseBody(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(b.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
