// RFC 3161 time stamps against a real TSA (OpenSSL `ts -reply`), checked by our verifier and, independently, by
// `openssl ts -verify`; forged and altered tokens are named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TimestampError, buildRequest, parseToken, requestTimestamp, tokenFromResponse, verifyToken } from '../../src/timestamp/rfc3161.js';
import { TAG, der, encodeUnsigned } from '../../src/timestamp/der.js';
import { startTsa, type LocalTsa } from './tsa.js';

const digestOf = (s: string) => createHash('sha256').update(s).digest();

/** OpenSSL's own verdict on a token for a digest, trusting `caFile`. */
function opensslVerify(tsa: LocalTsa, token: Buffer, digest: Buffer, caFile = join(tsa.dir, 'ca.crt')): boolean {
  const file = join(tsa.dir, `token-${process.hrtime.bigint()}.der`);
  writeFileSync(file, token);
  const r = spawnSync('openssl', ['ts', '-verify', '-digest', digest.toString('hex'), '-token_in', '-in', file, '-CAfile', caFile, '-untrusted', join(tsa.dir, 'tsa.crt')], { encoding: 'utf8' });
  return r.status === 0 && /Verification: OK/.test(r.stdout);
}

/** Flips one byte of `buf` at the first occurrence of `needle`, offset by `delta`. */
function flipAt(buf: Buffer, needle: Buffer, delta = 0): Buffer {
  const at = buf.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  const out = Buffer.from(buf);
  out[at + delta] = out[at + delta]! ^ 0x01;
  return out;
}

describe.each(['rsa', 'ec'] as const)('RFC 3161 with a %s TSA', (keyType) => {
  let tsa: LocalTsa;
  let ca: X509Certificate;
  beforeAll(async () => {
    tsa = await startTsa({ keyType });
    ca = new X509Certificate(tsa.caPem);
  });
  afterAll(() => tsa.close());

  it('a time stamp of a checkpoint hash checks, chained to the TSA root, and OpenSSL agrees', async () => {
    const digest = digestOf('checkpoint body');
    const before = Date.now();
    const token = await requestTimestamp(tsa.url, digest, { timeoutMs: 10_000 });
    const check = verifyToken(token, { digest, trusted: [ca] });
    expect(check.problems).toEqual([]);
    expect(check.chained).toBe(true);
    expect(check.tsa).toContain('Vigil Test TSA');
    expect(Math.abs(check.genTime!.getTime() - before)).toBeLessThan(60_000);
    expect(opensslVerify(tsa, token, digest)).toBe(true);
  });

  it('a token for another hash is named, by us and by OpenSSL', async () => {
    const token = await requestTimestamp(tsa.url, digestOf('the real checkpoint'), { timeoutMs: 10_000 });
    const other = digestOf('a rewritten checkpoint');
    const check = verifyToken(token, { digest: other, trusted: [ca] });
    expect(check.problems).toEqual([`the token time-stamps ${digestOf('the real checkpoint').toString('hex')}, not ${other.toString('hex')}`]);
    expect(opensslVerify(tsa, token, other)).toBe(false);
  });

  it('an altered time (a byte of genTime) breaks the signed message digest; an altered signature breaks the signature', async () => {
    const digest = digestOf('x');
    const token = await requestTimestamp(tsa.url, digest, { timeoutMs: 10_000 });
    const t = parseToken(token);
    const genTime = Buffer.from(t.eContent).subarray(t.eContent.indexOf(Buffer.from(String(t.tstInfo.genTime.getUTCFullYear()))));
    const altered = flipAt(token, genTime.subarray(0, 8), 7);
    expect(verifyToken(altered, { digest, trusted: [ca] }).problems).toContain('the signed messageDigest does not match the TSTInfo (the time-stamp content was altered)');
    expect(opensslVerify(tsa, altered, digest)).toBe(false);
    const badSig = flipAt(token, t.signer.signature, 10);
    expect(verifyToken(badSig, { digest, trusted: [ca] }).problems).toContain("the TSA's signature does not verify with its certificate");
    expect(opensslVerify(tsa, badSig, digest)).toBe(false);
  });

  it('a TSA the auditor does not trust is named; without trusted roots the chain is reported unchecked', async () => {
    const digest = digestOf('y');
    const token = await requestTimestamp(tsa.url, digest, { timeoutMs: 10_000 });
    const stranger = await startTsa();
    try {
      const check = verifyToken(token, { digest, trusted: [new X509Certificate(stranger.caPem)] });
      expect(check.problems).toEqual([expect.stringMatching(/does not chain to a trusted root/)]);
      expect(opensslVerify(tsa, token, digest, join(stranger.dir, 'ca.crt'))).toBe(false);
    } finally {
      await stranger.close();
    }
    expect(verifyToken(token, { digest })).toMatchObject({ problems: [], chained: false });
  });
});

describe('RFC 3161 client failures', () => {
  let tsa: LocalTsa;
  beforeAll(async () => {
    tsa = await startTsa();
  });
  afterAll(() => tsa.close());

  const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a TimestampError'); }, (e: unknown) => { expect(e).toBeInstanceOf(TimestampError); return e as TimestampError; });

  it('a replayed reply (another request\'s token) is refused for its nonce', async () => {
    const digest = digestOf('z');
    const old = tsa.reply(buildRequest(digest, Buffer.from('0123456789abcdef')));
    tsa.override = () => old;
    try {
      const e = await fail(requestTimestamp(tsa.url, digest, { timeoutMs: 10_000 }));
      expect(e.code).toBe('TIMESTAMP_TOKEN_INVALID');
      expect(e.message).toContain('does not carry the nonce sent');
    } finally {
      tsa.override = undefined;
    }
  });

  it('a refusal names the TSA status and text; HTTP errors and silence are retryable failures, never a token', async () => {
    const rejection = der(TAG.SEQUENCE, der(TAG.SEQUENCE, encodeUnsigned(Buffer.from([2])), der(TAG.SEQUENCE, der(0x0c, Buffer.from('unsupported policy')))));
    tsa.override = () => rejection;
    const refused = await fail(requestTimestamp(tsa.url, digestOf('a'), { timeoutMs: 10_000 }));
    expect(refused).toMatchObject({ code: 'TIMESTAMP_REFUSED', message: 'the TSA refused the request: rejection (unsupported policy)' });
    tsa.override = () => 503;
    expect(await fail(requestTimestamp(tsa.url, digestOf('a'), { timeoutMs: 10_000 }))).toMatchObject({ code: 'TIMESTAMP_HTTP', retryable: true });
    tsa.override = () => Buffer.from('<html>maintenance</html>');
    expect((await fail(requestTimestamp(tsa.url, digestOf('a'), { timeoutMs: 10_000 }))).code).toBe('TIMESTAMP_REPLY_MALFORMED');
    tsa.override = () => 'hang';
    expect(await fail(requestTimestamp(tsa.url, digestOf('a'), { timeoutMs: 300 }))).toMatchObject({ code: 'TIMESTAMP_TIMEOUT', retryable: true });
    tsa.override = undefined;
  });

  it('garbage given as a token is a named problem, not a crash', () => {
    expect(verifyToken(Buffer.from('not a token'), { digest: digestOf('a') }).problems[0]).toMatch(/^the token is malformed/);
    expect(() => tokenFromResponse(Buffer.alloc(0))).toThrow(TimestampError);
  });
});
