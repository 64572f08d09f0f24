// The AWS emulator's Object Lock, on the wire as S3 documents it: what a locked put needs (a bucket with Object Lock, a
// Content-MD5 or x-amz-checksum-* header, a future date, both headers), what delete does to a retained version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { emptyServices, lockedBucket, startAwsEmulator, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { TestClock } from '../support/test-clock.js';

const clock = new TestClock('2026-03-07T12:00:00.000Z');
let emu: AwsEmulator;
beforeAll(async () => {
  const services = emptyServices();
  services.buckets.push(lockedBucket('worm', 'us-east-1', '2026-01-01T00:00:00.000Z'));
  services.buckets.push({ name: 'plain', region: 'us-east-1', created: '2026-01-01T00:00:00.000Z', tags: {}, versioning: 'Enabled' });
  emu = await startAwsEmulator({ services, clock });
});
afterAll(() => emu.close());

/** A request as the SDK sends it (path-style, a SigV4 credential scope for s3); the emulator does not check signatures. */
function s3(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(`${emu.url}${path}`, { method, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDVIGILTEST/20260307/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00', ...headers }, ...(body !== undefined ? { body } : {}) });
}

const lock = (until: string, mode = 'COMPLIANCE') => ({ 'x-amz-object-lock-mode': mode, 'x-amz-object-lock-retain-until-date': until });
const md5 = (s: string) => createHash('md5').update(s).digest('base64');
const codeOf = async (r: Response) => /<Code>([^<]+)<\/Code>.*<Message>([^<]+)<\/Message>/s.exec(await r.text())?.slice(1, 3);

describe('emulated S3 Object Lock', () => {
  it('refuses a locked put without Content-MD5 or a checksum, with a past date, with one of the two headers, or on a bucket without Object Lock', async () => {
    expect([(await s3('PUT', '/worm/a', lock('2027-01-01T00:00:00Z'), 'x')).status]).toEqual([400]);
    expect(await codeOf(await s3('PUT', '/worm/a', lock('2027-01-01T00:00:00Z'), 'x'))).toEqual(['InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters']);
    expect(await codeOf(await s3('PUT', '/worm/a', { ...lock('2026-03-01T00:00:00Z'), 'content-md5': md5('x') }, 'x'))).toEqual(['InvalidArgument', 'The retain until date must be in the future!']);
    expect(await codeOf(await s3('PUT', '/worm/a', { 'x-amz-object-lock-mode': 'COMPLIANCE', 'content-md5': md5('x') }, 'x'))).toEqual(['InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied']);
    expect(await codeOf(await s3('PUT', '/plain/a', { ...lock('2027-01-01T00:00:00Z'), 'content-md5': md5('x') }, 'x'))).toEqual(['InvalidRequest', 'Bucket is missing ObjectLockConfiguration']);
    expect(await codeOf(await s3('PUT', '/worm/a', { ...lock('2027-01-01T00:00:00Z'), 'content-md5': md5('y') }, 'x'))).toEqual(['BadDigest', 'The Content-MD5 you specified did not match what we received.']);
    const r = await s3('GET', '/plain?object-lock');
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/<Code>ObjectLockConfigurationNotFoundError<\/Code>.*<BucketName>plain<\/BucketName>/s);
  });

  it('COMPLIANCE: no delete of the version before its date; GOVERNANCE: only with the bypass header; after the date, deleted', async () => {
    const put = await s3('PUT', '/worm/c', { ...lock('2026-03-08T00:00:00Z'), 'content-md5': md5('c') }, 'c');
    expect(put.status).toBe(200);
    const v = put.headers.get('x-amz-version-id')!;
    const head = await s3('HEAD', `/worm/c?versionId=${v}`);
    expect([head.headers.get('x-amz-object-lock-mode'), head.headers.get('x-amz-object-lock-retain-until-date')]).toEqual(['COMPLIANCE', '2026-03-08T00:00:00.000Z']);
    expect((await s3('DELETE', `/worm/c?versionId=${v}`, { 'x-amz-bypass-governance-retention': 'true' })).status).toBe(403);
    const g = await s3('PUT', '/worm/g', { ...lock('2026-03-08T00:00:00Z', 'GOVERNANCE'), 'content-md5': md5('g') }, 'g');
    const gv = g.headers.get('x-amz-version-id')!;
    expect((await s3('DELETE', `/worm/g?versionId=${gv}`)).status).toBe(403);
    expect((await s3('DELETE', `/worm/g?versionId=${gv}`, { 'x-amz-bypass-governance-retention': 'true' })).status).toBe(204);
    clock.advance(13 * 3600_000);
    expect((await s3('DELETE', `/worm/c?versionId=${v}`)).status).toBe(204);
    expect((await s3('HEAD', `/worm/c?versionId=${v}`)).status).toBe(404);
  });
});
