// C2SP signed-note (Ed25519, type 0x01) and tlog-checkpoint: the text a ledger signs and auditors check.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { HASH_SIZE } from './merkle.js';

const ALG_ED25519 = 0x01;
const EM_DASH_PREFIX = '\u2014 ';
/** Go's x/mod/sumdb/note refuses more; so do we, to bound work on hostile input. */
const MAX_SIGNATURES = 100;

/** A malformed note, checkpoint or key, or a note no trusted key verifies. */
export class NoteError extends AppError {
  constructor(message: string) {
    super('LEDGER_NOTE_INVALID', message);
    this.name = 'NoteError';
  }
}

/** A key name: non-empty, no whitespace, no '+' (the vkey separator). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !hasControl(name);
}

function hasControl(text: string): boolean {
  // Newline is the only control character a note may hold (C0, DEL and C1 are all refused).
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text);
}

/** Raw 32-byte Ed25519 public key of a KeyObject. */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new NoteError(`expected an Ed25519 key, got ${pub.asymmetricKeyType ?? 'unknown'}`);
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new NoteError('Ed25519 key has no public component');
  return Buffer.from(jwk.x, 'base64url');
}

export function ed25519PublicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteError(`Ed25519 public key must be 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** Ed25519 private key from its 32-byte RFC 8032 seed (wrapped in the fixed PKCS#8 prefix). */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new NoteError(`Ed25519 seed must be 32 bytes, got ${seed.length}`);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Signed-note key ID for a signature type: SHA-256(name ‖ 0x0A ‖ type ‖ pubkey)[:4]. */
export function noteKeyId(name: string, signatureType: number, rawPublicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from(name, 'utf8'))
    .update(Buffer.from([0x0a, signatureType]))
    .update(rawPublicKey)
    .digest()
    .subarray(0, 4);
}

/** Signed-note key ID of an Ed25519 note key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4]. */
export function ed25519KeyId(name: string, rawPublicKey: Uint8Array): Buffer {
  return noteKeyId(name, ALG_ED25519, rawPublicKey);
}

/** The vkey text form `<name>+<hex keyid>+<base64(0x01 ‖ pubkey)>`, as Go's note package and witnesses read it. */
export function formatVkey(name: string, rawPublicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  const id = ed25519KeyId(name, rawPublicKey).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([ALG_ED25519]), rawPublicKey]).toString('base64')}`;
}

export interface NoteSigner {
  name: string;
  keyId: Buffer;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  verify(message: Buffer, signature: Buffer): boolean;
}

export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  const keyId = ed25519KeyId(name, rawEd25519PublicKey(privateKey));
  return { name, keyId, sign: (message) => sign(null, message, privateKey) };
}

export function ed25519Verifier(name: string, publicKey: KeyObject): NoteVerifier {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  const keyId = ed25519KeyId(name, rawEd25519PublicKey(publicKey));
  return {
    name,
    keyId,
    verify: (message, signature) => signature.length === 64 && verify(null, message, publicKey, signature),
  };
}

/** Standard base64 (RFC 4648 §4) in its one canonical spelling, or undefined. */
export function strictBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Splits a vkey at its first two '+': the base64 key after them may itself hold '+' (as Go's note.NewVerifier reads it). */
export function splitVkey(vkey: string): [string, string, string] | undefined {
  const a = vkey.indexOf('+');
  const b = a < 0 ? -1 : vkey.indexOf('+', a + 1);
  return b < 0 ? undefined : [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
}

/** Parses a vkey; refuses anything but a well-formed Ed25519 key whose ID matches its name and key. */
export function verifierFromVkey(vkey: string): NoteVerifier {
  const parts = splitVkey(vkey);
  if (parts === undefined) throw new NoteError('vkey must be <name>+<hex keyid>+<base64 key>');
  const [name, idHex, keyB64] = parts;
  if (!isValidKeyName(name)) throw new NoteError('vkey has an invalid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('vkey key ID must be 8 lowercase hex digits');
  const key = strictBase64(keyB64);
  if (key === undefined || key.length !== 33 || key[0] !== ALG_ED25519) throw new NoteError('vkey is not an Ed25519 (type 0x01) key');
  const raw = key.subarray(1);
  if (ed25519KeyId(name, raw).toString('hex') !== idHex) throw new NoteError('vkey key ID does not match its name and key');
  return ed25519Verifier(name, ed25519PublicKeyFromRaw(raw));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('note text must end with a newline');
  if (hasControl(text)) throw new NoteError('note text contains a control character other than newline');
}

/** Signs `text` (which must end in "\n") with each signer: text, blank line, one signature line per signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (text.includes('\n\n')) throw new NoteError('note text must not contain a blank line');
  const message = Buffer.from(text, 'utf8');
  let out = `${text}\n`;
  for (const s of signers) {
    const sig = s.sign(message);
    out += `${formatSignatureLine(s.name, s.keyId, sig)}\n`;
  }
  return out;
}

export interface OpenedNote {
  text: string;
  /** Signatures that a given verifier accepted. */
  verified: Array<{ name: string; keyId: string }>;
  /** Signatures from keys we do not know: ignored, as C2SP requires (key rotation, witnesses). */
  unknown: Array<{ name: string; keyId: string }>;
}

/** One signature line of a note, parsed but not verified. */
export interface NoteSignatureLine {
  name: string;
  keyId: Buffer;
  /** The signature bytes after the 4-byte key ID. */
  signature: Buffer;
  /** The line as it appeared, without its newline. */
  line: string;
}

/**
 * Splits a signed note into its text and signature lines, strictly (valid UTF-8, no control character but newline,
 * well-formed lines), without verifying any signature: a caller can tell a malformed note from an untrusted one.
 */
export function parseSignedNote(note: string | Uint8Array): { text: string; signatures: NoteSignatureLine[] } {
  let s: string;
  if (typeof note === 'string') {
    s = note;
  } else {
    try {
      s = strictUtf8.decode(note);
    } catch {
      throw new NoteError('note is not valid UTF-8');
    }
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) throw new NoteError('note is not valid Unicode');
  if (hasControl(s)) throw new NoteError('note contains a control character other than newline');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const sigBlock = s.slice(split + 2);
  if (!sigBlock.endsWith('\n')) throw new NoteError('signature block must end with a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** Parses one `\u2014 <name> <base64(key ID ‖ signature)>` line (without its newline). */
export function parseSignatureLine(line: string): NoteSignatureLine {
  if (!line.startsWith(EM_DASH_PREFIX)) throw new NoteError('signature line must start with "\u2014 "');
  const rest = line.slice(EM_DASH_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space <= 0) throw new NoteError('signature line must be "\u2014 <name> <base64>"');
  const name = rest.slice(0, space);
  const blob = strictBase64(rest.slice(space + 1));
  if (!isValidKeyName(name)) throw new NoteError(`signature line has an invalid key name ${JSON.stringify(name)}`);
  if (blob === undefined || blob.length < 5) throw new NoteError(`signature by ${name} is not base64 of key ID and signature`);
  return { name, keyId: blob.subarray(0, 4), signature: blob.subarray(4), line };
}

/** A signature line for `name`: em dash, space, name, space, base64(key ID ‖ signature). */
export function formatSignatureLine(name: string, keyId: Uint8Array, signature: Uint8Array): string {
  return `${EM_DASH_PREFIX}${name} ${Buffer.concat([keyId, signature]).toString('base64')}`;
}

/**
 * Parses and verifies a signed note strictly: valid UTF-8, no control characters but newline, well-formed
 * signature lines. Unknown keys are ignored; a known key whose signature fails rejects the note; a note with
 * no signature from a known key is rejected.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseSignedNote(note);
  const verified: OpenedNote['verified'] = [];
  const unknown: OpenedNote['unknown'] = [];
  const message = Buffer.from(text, 'utf8');
  const seen = new Set<string>();
  for (const { name, keyId, signature: sig } of signatures) {
    const id = `${name}+${keyId.toString('hex')}`;
    const v = verifiers.find((x) => x.name === name && x.keyId.equals(keyId));
    if (v === undefined) {
      unknown.push({ name, keyId: keyId.toString('hex') });
      continue;
    }
    if (!v.verify(message, sig)) throw new NoteError(`signature by ${name} (key ${keyId.toString('hex')}) does not verify`);
    if (!seen.has(id)) verified.push({ name, keyId: keyId.toString('hex') });
    seen.add(id);
  }
  if (verified.length === 0) throw new NoteError('no signature from a trusted key');
  return { text, verified, unknown };
}

export interface CheckpointBody {
  origin: string;
  size: number;
  root: Buffer;
}

/** tlog-checkpoint body: origin, decimal size, base64 root, each line ending in "\n"; no extension lines. */
export function formatCheckpoint(c: CheckpointBody): string {
  if (!isValidKeyName(c.origin)) throw new NoteError(`invalid checkpoint origin ${JSON.stringify(c.origin)}`);
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new NoteError(`invalid checkpoint size ${c.size}`);
  if (c.root.length !== HASH_SIZE) throw new NoteError('checkpoint root must be 32 bytes');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

/**
 * Strict parse of a checkpoint body (the note text, without signatures). Extension lines are refused unless
 * `allowExtensions` (a witness cosigns other logs' checkpoints, which tlog-checkpoint lets carry them; they must be non-empty).
 */
export function parseCheckpoint(text: string, opts: { allowExtensions?: boolean } = {}): CheckpointBody {
  checkText(text);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('checkpoint needs origin, size and root lines');
  if (lines.length > 3 && !opts.allowExtensions) throw new NoteError('checkpoint has extension lines, which this ledger never writes');
  if (lines.slice(3).some((l) => l === '')) throw new NoteError('checkpoint extension lines must be non-empty');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidKeyName(origin)) throw new NoteError('checkpoint origin is empty or contains spaces or "+"');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new NoteError('checkpoint size must be decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new NoteError('checkpoint size is too large');
  const root = strictBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE) throw new NoteError('checkpoint root must be standard base64 of 32 bytes');
  return { origin, size, root };
}

/** Verifies a signed checkpoint note and returns its parsed body; the origin must match when given. */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[], expectedOrigin?: string): CheckpointBody & OpenedNote {
  const opened = openNote(note, verifiers);
  const body = parseCheckpoint(opened.text);
  if (expectedOrigin !== undefined && body.origin !== expectedOrigin) {
    throw new NoteError(`checkpoint origin ${JSON.stringify(body.origin)} is not ${JSON.stringify(expectedOrigin)}`);
  }
  return { ...body, ...opened };
}
