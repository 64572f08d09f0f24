// The emulator's S3 object operations with Object Lock (REST-XML, path-style): GetObjectLockConfiguration, PutObject,
// HeadObject, GetObjectRetention and DeleteObject, answering as S3 documents — a lock needs a bucket created with Object
// Lock and a Content-MD5 or x-amz-checksum-* header; a COMPLIANCE version cannot be deleted by anyone before its date.
import { createHash, randomBytes } from 'node:crypto';
import { ServiceError, type ServiceReply, type ServiceRequest } from './service-protocol.js';
import type { EmuBucket, EmuObjectVersion } from './services-estate.js';
import { el, esc } from './xml.js';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The object operation a request to `/<bucket>/<key…>` names, or '' when none. */
export function s3ObjectAction(method: string, query: URLSearchParams): string {
  if (method === 'PUT') return 'PutObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'GET') return query.has('retention') ? 'GetObjectRetention' : 'GetObject';
  return '';
}

/** A bucket made with Object Lock enabled (versioning on, as S3 forces), optionally with a default retention. */
export function lockedBucket(name: string, region: string, created: string, defaultRetention?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; days: number }): EmuBucket {
  return { name, region, created, tags: {}, versioning: 'Enabled', objectLock: defaultRetention ? { defaultRetention } : {}, objects: [] };
}

const header = (r: ServiceRequest, name: string): string | undefined => {
  const v = r.headers?.[name];
  return Array.isArray(v) ? v[0] : v;
};

const httpDate = (iso: string): string => new Date(iso).toUTCString();

export function getObjectLockConfiguration(b: EmuBucket): ServiceReply {
  if (!b.objectLock) throw Object.assign(new ServiceError(404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket'), { bucketName: b.name });
  const d = b.objectLock.defaultRetention;
  const rule = d ? `<Rule><DefaultRetention>${el('Mode', d.mode)}${el('Days', d.days)}</DefaultRetention></Rule>` : '';
  return { action: 'GetObjectLockConfiguration', status: 200, contentType: 'application/xml', body: `${HEAD}<ObjectLockConfiguration xmlns="${S3_NS}"><ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}</ObjectLockConfiguration>` };
}

/** The checksum header the upload carries, checked against the body where the algorithm is one node:crypto has. */
function checksumOf(r: ServiceRequest): { algorithm: string; value: string } | undefined {
  for (const algorithm of ['sha256', 'sha1', 'crc32', 'crc32c', 'crc64nvme']) {
    const value = header(r, `x-amz-checksum-${algorithm}`);
    if (value === undefined) continue;
    if ((algorithm === 'sha256' || algorithm === 'sha1') && createHash(algorithm).update(r.body).digest('base64') !== value) {
      throw new ServiceError(400, 'BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
    return { algorithm, value };
  }
  return undefined;
}

/** The lock a PutObject asks for (explicit headers, else the bucket's default retention), refusing what S3 refuses. */
function lockFor(r: ServiceRequest, b: EmuBucket, now: Date, hasDigest: boolean): EmuObjectVersion['lock'] {
  const mode = header(r, 'x-amz-object-lock-mode');
  const until = header(r, 'x-amz-object-lock-retain-until-date');
  if (mode === undefined && until === undefined) {
    const d = b.objectLock?.defaultRetention;
    if (!d) return undefined;
    if (!hasDigest) throw new ServiceError(400, 'InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
    return { mode: d.mode, retainUntil: new Date(now.getTime() + d.days * 86_400_000).toISOString() };
  }
  if (!b.objectLock) throw new ServiceError(400, 'InvalidRequest', 'Bucket is missing ObjectLockConfiguration');
  if (mode === undefined || until === undefined) throw new ServiceError(400, 'InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
  if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') throw new ServiceError(400, 'InvalidArgument', 'Unknown wormMode directive.');
  const t = Date.parse(until);
  if (Number.isNaN(t)) throw new ServiceError(400, 'InvalidArgument', 'The retain until date must be provided in ISO 8601 format');
  if (t <= now.getTime()) throw new ServiceError(400, 'InvalidArgument', 'The retain until date must be in the future!');
  if (!hasDigest) throw new ServiceError(400, 'InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
  return { mode, retainUntil: new Date(t).toISOString() };
}

export function putObject(r: ServiceRequest, b: EmuBucket, key: string, now: Date): ServiceReply {
  const md5 = createHash('md5').update(r.body).digest();
  const contentMd5 = header(r, 'content-md5');
  if (contentMd5 !== undefined && contentMd5 !== md5.toString('base64')) throw new ServiceError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  const checksum = checksumOf(r);
  const lock = lockFor(r, b, now, contentMd5 !== undefined || checksum !== undefined);
  const versioned = b.versioning === 'Enabled';
  const v: EmuObjectVersion = {
    key,
    versionId: versioned ? randomBytes(24).toString('base64url') : 'null',
    body: r.body,
    contentType: header(r, 'content-type') ?? 'binary/octet-stream',
    md5: md5.toString('hex'),
    ...(checksum ? { checksum } : {}),
    lastModified: now.toISOString(),
    ...(lock ? { lock } : {}),
  };
  b.objects ??= [];
  // Unversioned: the new object replaces the old one; versioned: every version stays.
  if (!versioned) b.objects = b.objects.filter((o) => o.key !== key);
  b.objects.push(v);
  const headers: Record<string, string> = { ETag: `"${v.md5}"` };
  if (versioned) headers['x-amz-version-id'] = v.versionId;
  if (checksum) {
    headers[`x-amz-checksum-${checksum.algorithm}`] = checksum.value;
    headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  return { action: 'PutObject', status: 200, contentType: 'application/xml', body: '', headers };
}

/** The version a request names (`versionId`), else the latest; a delete marker or nothing is 404 NoSuchKey. */
function versionOf(r: ServiceRequest, b: EmuBucket, key: string): EmuObjectVersion {
  const id = r.query.get('versionId');
  const all = (b.objects ?? []).filter((o) => o.key === key);
  const v = id === null ? all[all.length - 1] : all.find((o) => o.versionId === id);
  if (id !== null && v === undefined) throw new ServiceError(404, 'NoSuchVersion', 'The specified version does not exist.');
  if (v === undefined || v.deleteMarker) throw new ServiceError(404, 'NoSuchKey', 'The specified key does not exist.');
  return v;
}

function objectHeaders(r: ServiceRequest, b: EmuBucket, v: EmuObjectVersion): Record<string, string> {
  const h: Record<string, string> = { ETag: `"${v.md5}"`, 'Last-Modified': httpDate(v.lastModified), 'Accept-Ranges': 'bytes' };
  if (b.versioning !== null) h['x-amz-version-id'] = v.versionId;
  if (v.lock) {
    h['x-amz-object-lock-mode'] = v.lock.mode;
    h['x-amz-object-lock-retain-until-date'] = v.lock.retainUntil;
  }
  if (v.checksum && header(r, 'x-amz-checksum-mode') === 'ENABLED') {
    h[`x-amz-checksum-${v.checksum.algorithm}`] = v.checksum.value;
    h['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  return h;
}

export function headObject(r: ServiceRequest, b: EmuBucket, key: string): ServiceReply {
  const v = versionOf(r, b, key);
  // HEAD has no body: Content-Length is the object's, and Node sends none of `body`.
  return { action: 'HeadObject', status: 200, contentType: v.contentType, body: '', headers: { ...objectHeaders(r, b, v), 'Content-Length': String(v.body.length) } };
}

export function getObject(r: ServiceRequest, b: EmuBucket, key: string): ServiceReply {
  const v = versionOf(r, b, key);
  return { action: 'GetObject', status: 200, contentType: v.contentType, body: v.body.toString('utf8'), headers: objectHeaders(r, b, v) };
}

export function getObjectRetention(r: ServiceRequest, b: EmuBucket, key: string): ServiceReply {
  if (!b.objectLock) throw new ServiceError(400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration');
  const v = versionOf(r, b, key);
  if (!v.lock) throw new ServiceError(404, 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
  return { action: 'GetObjectRetention', status: 200, contentType: 'application/xml', body: `${HEAD}<Retention xmlns="${S3_NS}">${el('Mode', v.lock.mode)}${el('RetainUntilDate', v.lock.retainUntil)}</Retention>` };
}

/**
 * DeleteObject. With a version id: a version under COMPLIANCE retention is refused (403 AccessDenied) whoever asks,
 * the account root included; under GOVERNANCE only with x-amz-bypass-governance-retention. Without one, a versioned
 * bucket gets a delete marker and every version stays.
 */
export function deleteObject(r: ServiceRequest, b: EmuBucket, key: string, now: Date): ServiceReply {
  const id = r.query.get('versionId');
  b.objects ??= [];
  if (id === null) {
    if (b.versioning === null) {
      b.objects = b.objects.filter((o) => o.key !== key);
      return { action: 'DeleteObject', status: 204, contentType: 'application/xml', body: '' };
    }
    const marker: EmuObjectVersion = { key, versionId: randomBytes(24).toString('base64url'), body: Buffer.alloc(0), contentType: '', md5: '', lastModified: now.toISOString(), deleteMarker: true };
    b.objects.push(marker);
    return { action: 'DeleteObject', status: 204, contentType: 'application/xml', body: '', headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } };
  }
  const v = b.objects.find((o) => o.key === key && o.versionId === id);
  if (v === undefined) return { action: 'DeleteObject', status: 204, contentType: 'application/xml', body: '' };
  const retained = v.lock !== undefined && Date.parse(v.lock.retainUntil) > now.getTime();
  const bypass = header(r, 'x-amz-bypass-governance-retention') === 'true';
  if (retained && (v.lock!.mode === 'COMPLIANCE' || !bypass)) throw new ServiceError(403, 'AccessDenied', 'Access Denied');
  b.objects = b.objects.filter((o) => o !== v);
  return { action: 'DeleteObject', status: 204, contentType: 'application/xml', body: '', headers: { 'x-amz-version-id': id, ...(v.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}) } };
}

/** Error bodies that name the bucket, as S3's do for ObjectLockConfigurationNotFoundError. */
export function bucketNameOf(e: ServiceError): string {
  const n = (e as ServiceError & { bucketName?: string }).bucketName;
  return n === undefined ? '' : `<BucketName>${esc(n)}</BucketName>`;
}
