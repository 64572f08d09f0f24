// cosignature/v1 byte for byte: a real witness's cosignature verifies, the spec's layout and message, domain separation.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { ed25519Verifier, formatVkey, openNote, parseSignatureLine, rawEd25519PublicKey } from '../../src/ledger/note.js';
import {
  cosignatureKeyId,
  cosignaturesBy,
  cosignedMessage,
  ed25519Cosigner,
  formatCosignatureVkey,
  parseCosignatureVkey,
  verifyCosignature,
} from '../../src/witness/cosignature.js';

// A real cosignature by the public witness remora.n621.de on a checkpoint of Google's arche2025h1 staging CT log, as
// carried in the tests of a third-party checkpoint verifier (tlog_scales); the vkey is the one the witness publishes
// and that transparency-dev/formats' note_cosigv1_test.go uses as its "native algEd25519CosignatureV1 verifier".
const REMORA_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
const ARCHE_BODY = 'arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n';
const ARCHE_NOTE =
  `${ARCHE_BODY}\n` +
  '\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n' +
  '\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n' +
  '\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n';
const REMORA_LINE = '\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==';

// c2sp.org/tlog-cosignature: the example checkpoint, its cosignature line and the signed message for "time 1679315147".
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_LINE = '\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';

describe('cosignature/v1 against published material', () => {
  it('verifies a real witness cosignature (remora.n621.de) over a real CT checkpoint', () => {
    const v = verifyCosignature(ARCHE_NOTE, REMORA_LINE, REMORA_VKEY);
    expect(v).toMatchObject({ name: 'remora.n621.de', keyId: 'da77ade7' });
    // the time is the u64 after the key ID (00 00 00 00 6a 12 21 20), which the witness signed: 2026-05-23T21:50:24Z
    expect(v.timestamp).toBe(0x6a122120);
    expect(new Date(v.timestamp * 1000).toISOString()).toBe('2026-05-23T21:50:24.000Z');
    // the same from the body alone, and from the witness's lines among others' (ignored)
    expect(verifyCosignature(ARCHE_BODY, REMORA_LINE, REMORA_VKEY).timestamp).toBe(v.timestamp);
    expect(cosignaturesBy(ARCHE_NOTE, ARCHE_NOTE.split('\n\n')[1]!.split('\n'), parseCosignatureVkey(REMORA_VKEY))).toHaveLength(1);
  });

  it('refuses that cosignature over a changed checkpoint (size, root) with WITNESS_COSIGNATURE_INVALID', () => {
    for (const body of [ARCHE_BODY.replace('1432088532', '42'), ARCHE_BODY.replace('U7WM', 'U8WM')]) {
      expect(() => verifyCosignature(body, REMORA_LINE, REMORA_VKEY)).toThrow(expect.objectContaining({ code: 'WITNESS_COSIGNATURE_INVALID' }));
    }
  });

  it('derives the published key ID with type byte 0x04, and not with 0x01', () => {
    const raw = Buffer.from('BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2', 'base64').subarray(1);
    expect(cosignatureKeyId('remora.n621.de', raw).toString('hex')).toBe('da77ade7');
    expect(formatCosignatureVkey('remora.n621.de', raw)).toBe(REMORA_VKEY);
    expect(formatVkey('remora.n621.de', raw)).not.toContain('da77ade7');
  });

  it("lays out the spec example's line as key ID, big-endian u64 time, 64-byte signature; message as the spec shows", () => {
    const sig = parseSignatureLine(SPEC_LINE);
    expect(sig.keyId.toString('hex')).toBe('8d66cf3f');
    expect(sig.signature).toHaveLength(72);
    expect(sig.signature.readBigUInt64BE(0)).toBe(1679315147n);
    expect(cosignedMessage(SPEC_BODY, 1679315147n).toString()).toBe(
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });
});

describe('cosignature/v1 sign and verify', () => {
  const key = generateKeyPairSync('ed25519').privateKey;
  const c = ed25519Cosigner('witness.test/w1', key);

  it('round-trips, with the time it was given, and covers extension lines', () => {
    const line = c.cosign(SPEC_BODY, 1700000000);
    expect(verifyCosignature(SPEC_BODY, line, c.vkey).timestamp).toBe(1700000000);
    const ext = `${SPEC_BODY}extension line\n`;
    const extLine = c.cosign(ext, 1700000000);
    expect(() => verifyCosignature(ext.replace('extension', 'Extension'), extLine, c.vkey)).toThrow(/does not verify/);
  });

  it('names a line by another key (other key, or same name with another key ID) as WITNESS_COSIGNATURE_OTHER_KEY', () => {
    const other = ed25519Cosigner('witness.test/w1', generateKeyPairSync('ed25519').privateKey);
    expect(() => verifyCosignature(SPEC_BODY, other.cosign(SPEC_BODY, 1), c.vkey)).toThrow(expect.objectContaining({ code: 'WITNESS_COSIGNATURE_OTHER_KEY' }));
  });

  it('refuses a forged signature under the right name and key ID', () => {
    const forged = `\u2014 witness.test/w1 ${Buffer.concat([c.keyId, Buffer.alloc(8), Buffer.alloc(64, 7)]).toString('base64')}`;
    expect(() => verifyCosignature(SPEC_BODY, forged, c.vkey)).toThrow(expect.objectContaining({ code: 'WITNESS_COSIGNATURE_INVALID' }));
    const short = `\u2014 witness.test/w1 ${Buffer.concat([c.keyId, Buffer.alloc(64, 7)]).toString('base64')}`;
    expect(() => verifyCosignature(SPEC_BODY, short, c.vkey)).toThrow(expect.objectContaining({ code: 'WITNESS_COSIGNATURE_MALFORMED' }));
    const far = `\u2014 witness.test/w1 ${Buffer.concat([c.keyId, Buffer.from('8000000000000000', 'hex'), Buffer.alloc(64, 7)]).toString('base64')}`;
    expect(() => verifyCosignature(SPEC_BODY, far, c.vkey)).toThrow(/2\^63/);
  });

  it('is domain-separated from the log signature: a note verifier for the same name and key ignores it', () => {
    const note = `${SPEC_BODY}\n${c.cosign(SPEC_BODY, 5)}\n`;
    expect(() => openNote(note, [ed25519Verifier('witness.test/w1', key)])).toThrow(/no signature from a trusted key/);
  });

  it('accepts only type 0x04 vkeys whose key ID matches', () => {
    expect(parseCosignatureVkey(c.vkey).name).toBe('witness.test/w1');
    expect(() => parseCosignatureVkey(formatVkey('witness.test/w1', rawEd25519PublicKey(key)))).toThrow(/type 0x04/);
    expect(() => parseCosignatureVkey(c.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toThrow(/does not match/);
    expect(() => parseCosignatureVkey('no-plus')).toThrow(expect.objectContaining({ code: 'WITNESS_BAD_VKEY' }));
  });
});
