// Signed-note and checkpoint format: Go's sumdb/note reference vector byte for byte, strict parsing, tamper detection.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import {
  ed25519KeyId,
  ed25519PrivateKeyFromSeed,
  ed25519Signer,
  ed25519Verifier,
  formatCheckpoint,
  formatVkey,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  rawEd25519PublicKey,
  signNote,
  verifierFromVkey,
} from '../../src/ledger/note.js';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { canonicalBytes, canonicalString, canonicalStringReference, isCanonicalJson } from '../../src/ledger/canonical.js';

// golang.org/x/mod/sumdb/note note_test.go
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SKEY_B64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // from PRIVATE+KEY+PeterNeumann+c74f20a3+…
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIGNED = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function peter() {
  const seed = Buffer.from(SKEY_B64, 'base64');
  expect(seed[0]).toBe(1);
  const priv = ed25519PrivateKeyFromSeed(seed.subarray(1));
  return { priv, signer: ed25519Signer('PeterNeumann', priv), verifier: ed25519Verifier('PeterNeumann', priv) };
}

describe('signed note: Go reference vector', () => {
  it('derives the same key ID and vkey from the same key', () => {
    const { priv } = peter();
    const raw = rawEd25519PublicKey(priv);
    expect(ed25519KeyId('PeterNeumann', raw).toString('hex')).toBe('c74f20a3');
    expect(formatVkey('PeterNeumann', raw)).toBe(VKEY);
  });

  it('signs the reference text to the exact reference bytes', () => {
    expect(signNote(TEXT, [peter().signer])).toBe(SIGNED);
  });

  it('opens the reference note with the vkey, and rejects it when the text is changed', () => {
    const v = verifierFromVkey(VKEY);
    expect(openNote(SIGNED, [v])).toEqual({ text: TEXT, verified: [{ name: 'PeterNeumann', keyId: 'c74f20a3' }], unknown: [] });
    expect(() => openNote(SIGNED.replace('cryptography', 'cryptographY'), [v])).toThrow(/does not verify/);
  });

  it("reads a vkey whose base64 key holds '+' (transparency-dev/formats note_cosigv1_test.go), as Go's note package does", () => {
    const v = verifierFromVkey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6');
    expect({ name: v.name, keyId: v.keyId.toString('hex') }).toEqual({ name: 'TEST', keyId: '7997405c' });
    // and every key this code formats reads back, '+' or not
    for (let i = 0; i < 64; i++) {
      const raw = rawEd25519PublicKey(generateKeyPairSync('ed25519').privateKey);
      expect(verifierFromVkey(formatVkey('k', raw)).keyId).toEqual(ed25519KeyId('k', raw));
    }
  });

  it('refuses mangled vkeys', () => {
    expect(() => verifierFromVkey(VKEY.slice(0, -1))).toThrow();
    expect(() => verifierFromVkey(VKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(/does not match/);
    expect(() => verifierFromVkey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/Ed25519/);
    expect(() => verifierFromVkey(`Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`)).toThrow(/name/);
  });
});

describe('signed note: strict parsing and trust rules', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;
  const name = 'vigil.local/test';
  const signer = ed25519Signer(name, privateKey);
  const verifier = ed25519Verifier(name, privateKey);
  const body = formatCheckpoint({ origin: name, size: 8, root: Buffer.alloc(32, 7) });
  const note = signNote(body, [signer]);

  it('round-trips a checkpoint', () => {
    const c = openCheckpoint(note, [verifier], name);
    expect(c.size).toBe(8);
    expect(c.root.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(note.split('\n')[3]).toBe('');
    expect(note.split('\n')[4]?.startsWith(`\u2014 ${name} `)).toBe(true);
  });

  it('ignores unknown signatures before or after ours, but needs one known', () => {
    const stranger = ed25519Signer('witness.example', other);
    const both = signNote(body, [stranger, signer]);
    expect(openNote(both, [verifier]).unknown).toEqual([{ name: 'witness.example', keyId: stranger.keyId.toString('hex') }]);
    expect(() => openNote(signNote(body, [stranger]), [verifier])).toThrow(/no signature from a trusted key/);
    // Right name, other key: a different key ID, so it is unknown, not trusted.
    expect(() => openNote(signNote(body, [ed25519Signer(name, other)]), [verifier])).toThrow(/no signature from a trusted key/);
  });

  it('rejects a known key whose signature fails, even next to a valid one', () => {
    const line = note.trimEnd().split('\n').pop() as string;
    const blob = Buffer.from(line.split(' ')[2] as string, 'base64');
    const badLine = `\u2014 ${name} ${Buffer.concat([blob.subarray(0, 4), Buffer.alloc(64, 1)]).toString('base64')}`;
    expect(() => openNote(`${note}${badLine}\n`, [verifier])).toThrow(/does not verify/);
  });

  it.each([
    ['no blank line', (n: string) => n.replace('\n\n', '\n')],
    ['CRLF', (n: string) => n.replace(/\n/g, '\r\n')],
    ['control character', (n: string) => n.replace('vigil', 'vi\u0007gil')],
    ['hyphen instead of em dash', (n: string) => n.replace('\u2014', '-')],
    ['missing final newline', (n: string) => n.slice(0, -1)],
    ['unpadded base64', (n: string) => n.replace(/=\n$/, '\n')],
  ])('rejects a malformed note: %s', (_, mangle) => {
    expect(() => openNote(mangle(note), [verifier])).toThrow();
  });

  it('rejects invalid UTF-8 given as bytes', () => {
    const bytes = Buffer.from(note, 'utf8');
    const bad = Buffer.concat([bytes.subarray(0, 3), Buffer.from([0xff]), bytes.subarray(3)]);
    expect(() => openNote(bad, [verifier])).toThrow(/UTF-8/);
  });

  it.each([
    ['leading zero size', 'o\n08\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'],
    ['short root', 'o\n8\nAAAA\n'],
    ['missing root', 'o\n8\n'],
    ['extension line', `o\n8\n${Buffer.alloc(32).toString('base64')}\next\n`],
    ['negative size', `o\n-1\n${Buffer.alloc(32).toString('base64')}\n`],
    ['origin with space', `o o\n8\n${Buffer.alloc(32).toString('base64')}\n`],
  ])('rejects a malformed checkpoint body: %s', (_, text) => {
    expect(() => parseCheckpoint(text)).toThrow();
  });

  it('rejects a checkpoint for another origin', () => {
    const otherOrigin = signNote(formatCheckpoint({ origin: 'x.example', size: 1, root: Buffer.alloc(32) }), [ed25519Signer('x.example', privateKey)]);
    expect(() => openCheckpoint(otherOrigin, [ed25519Verifier('x.example', privateKey)], name)).toThrow(/origin/);
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('orders keys by UTF-16 code units and formats numbers per ECMAScript', () => {
    // RFC 8785 §3.2.3 sorting example and number vectors.
    expect(canonicalString({ '\u20ac': 'Euro', '\r': 'cr', '\ufb33': 'hebrew', '1': 'one', '\ud83d\ude00': 'smiley', '\u0080': 'ctl', '\u00f6': 'o' })).toBe(
      '{"\\r":"cr","1":"one","\u0080":"ctl","\u00f6":"o","\u20ac":"Euro","\ud83d\ude00":"smiley","\ufb33":"hebrew"}',
    );
    expect(canonicalString([1e21, 1e-7, -0, 0.000001, 333333333.33333329, 4.5, 2e-3, 1e23])).toBe('[1e+21,1e-7,0,0.000001,333333333.3333333,4.5,0.002,1e+23]');
    expect(canonicalString({ b: [true, null, 'a\u000f"\\'], a: {} })).toBe('{"a":{},"b":[true,null,"a\\u000f\\"\\\\"]}');
  });

  it.each([
    ['NaN', { a: NaN }, /\$\.a as canonical JSON: number NaN is not finite/],
    ['Infinity', { a: [1, Infinity] }, /\$\.a\[1\]/],
    ['undefined', { a: undefined }, /undefined has no JSON form/],
    ['bigint', { a: 1n }, /bigint/],
    ['Date', { a: new Date(0) }, /Date is not a plain object/],
    ['Buffer', { a: Buffer.from('x') }, /not a plain object/],
    ['lone surrogate', { a: '\ud800' }, /lone UTF-16 surrogate/],
    ['function', { a: () => 1 }, /function/],
  ])('refuses %s with a message naming the path', (_, value, msg) => {
    expect(() => canonicalBytes(value)).toThrow(msg);
  });

  it('writes exactly what the canonicalize package writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const ours = canonicalString(v);
        return ours === canonicalize(v) && ours === canonicalStringReference(v) && isCanonicalJson(Buffer.from(ours));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: 'binary' }))), (v) => canonicalString(v) === canonicalize(v)),
      { numRuns: 500 },
    );
  });

  it('refuses cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalBytes(a)).toThrow(/circular/);
  });

  it('lints canonical form', () => {
    expect(isCanonicalJson(Buffer.from('{"a":1,"b":2}'))).toBe(true);
    expect(isCanonicalJson(Buffer.from('{"b":2,"a":1}'))).toBe(false);
    expect(isCanonicalJson(Buffer.from('{"a": 1}'))).toBe(false);
    expect(isCanonicalJson(Buffer.from('{"a":1.0}'))).toBe(false);
    expect(isCanonicalJson(Buffer.from('{"a":"\\u0041"}'))).toBe(false);
    expect(isCanonicalJson(Buffer.from('\ufeff{"a":1}'))).toBe(false);
    expect(isCanonicalJson(Buffer.from('{"a":1,"a":1}'))).toBe(false);
  });
});
