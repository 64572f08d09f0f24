// C2SP tlog-cosignature (cosignature/v1, Ed25519, signature type 0x04): the line a witness adds to a checkpoint.
import { sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '../core/errors.js';
import {
  ed25519PublicKeyFromRaw,
  formatSignatureLine,
  isValidKeyName,
  noteKeyId,
  parseSignatureLine,
  parseSignedNote,
  rawEd25519PublicKey,
  splitVkey,
  strictBase64,
} from '../ledger/note.js';

/** Signature type of timestamped Ed25519 witness cosignatures (c2sp.org/signed-note). */
export const ALG_COSIGNATURE_V1 = 0x04;
/** u64 timestamp + 64-byte Ed25519 signature. */
const TIMESTAMPED_SIG_SIZE = 8 + 64;
/** tlog-cosignature: "MUST NOT exceed 2^63 - 1". */
const MAX_TIMESTAMP = (1n << 63n) - 1n;

/** A cosignature that is malformed, from another key, or does not verify; `code` says which. */
export class CosignatureError extends AppError {
  constructor(code: 'WITNESS_BAD_VKEY' | 'WITNESS_COSIGNATURE_MALFORMED' | 'WITNESS_COSIGNATURE_OTHER_KEY' | 'WITNESS_COSIGNATURE_INVALID', message: string) {
    super(code, message);
    this.name = 'CosignatureError';
  }
}

/** Cosigner key ID: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4]. */
export function cosignatureKeyId(name: string, rawPublicKey: Uint8Array): Buffer {
  return noteKeyId(name, ALG_COSIGNATURE_V1, rawPublicKey);
}

/** The witness's vkey: `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`. */
export function formatCosignatureVkey(name: string, rawPublicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new CosignatureError('WITNESS_BAD_VKEY', `invalid witness name ${JSON.stringify(name)} (non-empty, no spaces, no '+')`);
  const id = cosignatureKeyId(name, rawPublicKey).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([ALG_COSIGNATURE_V1]), rawPublicKey]).toString('base64')}`;
}

/** A witness public key as clients and verifiers hold it. */
export interface WitnessKey {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
  vkey: string;
}

/** Parses a cosignature/v1 vkey (type 0x04); refuses other types and a key ID that does not match name and key. */
export function parseCosignatureVkey(vkey: string): WitnessKey {
  const parts = splitVkey(vkey);
  if (parts === undefined) throw new CosignatureError('WITNESS_BAD_VKEY', 'witness vkey must be <name>+<hex key ID>+<base64 key>');
  const [name, idHex, keyB64] = parts;
  if (!isValidKeyName(name)) throw new CosignatureError('WITNESS_BAD_VKEY', 'witness vkey has an invalid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new CosignatureError('WITNESS_BAD_VKEY', 'witness vkey key ID must be 8 lowercase hex digits');
  const key = strictBase64(keyB64);
  if (key === undefined || key.length !== 33 || key[0] !== ALG_COSIGNATURE_V1) {
    throw new CosignatureError('WITNESS_BAD_VKEY', 'witness vkey is not a cosignature/v1 Ed25519 key (type 0x04); `vigil witness key` prints one');
  }
  const raw = key.subarray(1);
  const keyId = cosignatureKeyId(name, raw);
  if (keyId.toString('hex') !== idHex) throw new CosignatureError('WITNESS_BAD_VKEY', 'witness vkey key ID does not match its name and key');
  return { name, keyId, publicKey: ed25519PublicKeyFromRaw(raw), vkey };
}

/** The signed message: "cosignature/v1\ntime <t>\n" then the whole checkpoint body (extension lines included). */
export function cosignedMessage(checkpointBody: string, timestamp: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp.toString(10)}\n${checkpointBody}`, 'utf8');
}

/** A witness's signing key under its name. */
export interface Cosigner {
  name: string;
  keyId: Buffer;
  vkey: string;
  /** The cosignature line (no newline) over `checkpointBody` at `timestamp` (POSIX seconds). */
  cosign(checkpointBody: string, timestamp: number): string;
}

export function ed25519Cosigner(name: string, privateKey: KeyObject): Cosigner {
  const raw = rawEd25519PublicKey(privateKey);
  const vkey = formatCosignatureVkey(name, raw);
  const keyId = cosignatureKeyId(name, raw);
  return {
    name,
    keyId,
    vkey,
    cosign(checkpointBody, timestamp) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`cosignature timestamp must be a non-negative integer, got ${timestamp}`);
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(timestamp));
      const sig = sign(null, cosignedMessage(checkpointBody, BigInt(timestamp)), privateKey);
      return formatSignatureLine(name, keyId, Buffer.concat([ts, sig]));
    },
  };
}

export interface VerifiedCosignature {
  name: string;
  keyId: string;
  /** POSIX seconds at which the witness cosigned. */
  timestamp: number;
  line: string;
}

/** The body of a checkpoint given as a signed note, or as its bare text (which ends in one newline). */
function checkpointBodyOf(checkpoint: string): string {
  return checkpoint.includes('\n\n') ? parseSignedNote(checkpoint).text : checkpoint;
}

/**
 * Verifies one cosignature line (with or without its newline) over a checkpoint (a signed note, or its body) against
 * the witness's vkey. Pure: checks only the witness's statement, not the log's signature on the checkpoint.
 * Throws CosignatureError: malformed line, a line from another key (name or key ID differ), or a bad signature.
 */
export function verifyCosignature(checkpoint: string, cosignatureLine: string, witness: string | WitnessKey): VerifiedCosignature {
  const key = typeof witness === 'string' ? parseCosignatureVkey(witness) : witness;
  let parsed;
  try {
    parsed = parseSignatureLine(cosignatureLine.replace(/\n$/, ''));
  } catch (e) {
    throw new CosignatureError('WITNESS_COSIGNATURE_MALFORMED', `cosignature line is malformed: ${(e as Error).message}`);
  }
  if (parsed.name !== key.name || !parsed.keyId.equals(key.keyId)) {
    throw new CosignatureError(
      'WITNESS_COSIGNATURE_OTHER_KEY',
      `cosignature is by ${parsed.name} (key ${parsed.keyId.toString('hex')}), not by witness ${key.name} (key ${key.keyId.toString('hex')})`,
    );
  }
  if (parsed.signature.length !== TIMESTAMPED_SIG_SIZE) {
    throw new CosignatureError('WITNESS_COSIGNATURE_MALFORMED', `cosignature by ${key.name} must hold an 8-byte time and a 64-byte signature, got ${parsed.signature.length} bytes`);
  }
  const ts = parsed.signature.readBigUInt64BE(0);
  if (ts > MAX_TIMESTAMP) throw new CosignatureError('WITNESS_COSIGNATURE_MALFORMED', `cosignature by ${key.name} has a time above 2^63-1`);
  if (!verify(null, cosignedMessage(checkpointBodyOf(checkpoint), ts), key.publicKey, parsed.signature.subarray(8))) {
    throw new CosignatureError('WITNESS_COSIGNATURE_INVALID', `cosignature by ${key.name} (key ${key.keyId.toString('hex')}) does not verify over this checkpoint`);
  }
  return { name: key.name, keyId: key.keyId.toString('hex'), timestamp: Number(ts), line: parsed.line };
}

/**
 * Of a witness's answer (or any signature lines), the cosignatures by `witness` that verify; lines by other keys are
 * ignored as tlog-witness requires, but a line by this key that fails to verify throws (the witness or the path lies).
 */
export function cosignaturesBy(checkpoint: string, lines: readonly string[], witness: WitnessKey): VerifiedCosignature[] {
  const out: VerifiedCosignature[] = [];
  for (const line of lines) {
    if (line === '') continue;
    let parsed;
    try {
      parsed = parseSignatureLine(line);
    } catch (e) {
      throw new CosignatureError('WITNESS_COSIGNATURE_MALFORMED', `signature line is malformed: ${(e as Error).message}`);
    }
    if (parsed.name !== witness.name || !parsed.keyId.equals(witness.keyId)) continue;
    out.push(verifyCosignature(checkpoint, line, witness));
  }
  return out;
}
