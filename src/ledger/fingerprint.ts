// The ledger key's fingerprint an auditor records and pins: SHA-256 of the key's DER SubjectPublicKeyInfo, as `SHA256:<hex>`.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * `SHA256:` and the 64 lower-case hex digits of the SHA-256 of the public key's DER-encoded SubjectPublicKeyInfo (44
 * bytes for Ed25519) — the bytes `openssl pkey -pubin -in KEY.pem -outform DER` prints, so an auditor can recompute it
 * with `openssl … | sha256sum` and no Vigil code. Hex rather than SSH's base64 for that reason.
 */
export function keyFingerprint(key: KeyObject | string): string {
  const pub = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  return `SHA256:${createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex')}`;
}

/**
 * A fingerprint as a user types it — `SHA256:<64 hex>` (any case) or the bare 64 hex digits `sha256sum` prints — in
 * its canonical form; undefined when it is neither.
 */
export function parseFingerprint(text: string): string | undefined {
  const m = /^(?:SHA256:)?([0-9a-fA-F]{64})$/i.exec(text.trim());
  return m ? `SHA256:${m[1]!.toLowerCase()}` : undefined;
}
