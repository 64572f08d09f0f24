// RFC 3161 time stamps: the request for a digest, the TSA's reply, and an independent check of a token (message
// imprint, nonce, CMS signature over the signed attributes, ESS signing-certificate binding, chain to a trusted CA).
import { X509Certificate, createHash, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { AppError } from '../core/errors.js';
import {
  DerError,
  TAG,
  children,
  ctx,
  decodeGeneralizedTime,
  decodeInteger,
  decodeOid,
  der,
  encodeOid,
  encodeUnsigned,
  expectTag,
  parseOne,
  readDer,
  type Der,
} from './der.js';

export const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

const HASH_BY_OID: Record<string, string> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

/** Signature algorithms a TSA may use: the hash comes from the OID, or from the SignerInfo's digest algorithm (null). */
const SIG_ALGS: Record<string, { hash: string | null; kind: 'rsa' | 'ecdsa' | 'ed25519' }> = {
  '1.2.840.113549.1.1.1': { hash: null, kind: 'rsa' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', kind: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', kind: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', kind: 'rsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', kind: 'ecdsa' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', kind: 'ecdsa' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', kind: 'ecdsa' },
  '1.3.101.112': { hash: null, kind: 'ed25519' },
};

/** A TSA refusal, a malformed reply, or a token that does not check. */
export class TimestampError extends AppError {
  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'TimestampError';
  }
}

/** DER TimeStampReq for a SHA-256 digest, asking for the TSA's certificate in the reply. */
export function buildRequest(sha256: Buffer, nonce: Buffer): Buffer {
  if (sha256.length !== 32) throw new TimestampError('TIMESTAMP_DIGEST', `expected a 32-byte SHA-256 digest, got ${sha256.length} bytes`);
  const imprint = der(TAG.SEQUENCE, der(TAG.SEQUENCE, encodeOid(OID.sha256), der(TAG.NULL)), der(TAG.OCTET_STRING, sha256));
  return der(TAG.SEQUENCE, encodeUnsigned(Buffer.from([1])), imprint, encodeUnsigned(nonce), der(TAG.BOOLEAN, Buffer.from([0xff])));
}

export const newNonce = (): Buffer => randomBytes(16);

const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/** The token out of a TimeStampResp, or a TimestampError naming the TSA's status and text. */
export function tokenFromResponse(resp: Buffer): Buffer {
  let parts: Der[];
  try {
    parts = children(parseOne(resp, TAG.SEQUENCE, 'TimeStampResp'), 'TimeStampResp');
  } catch (e) {
    throw new TimestampError('TIMESTAMP_REPLY_MALFORMED', `the TSA's reply is not a DER TimeStampResp (${(e as Error).message})`);
  }
  const status = children(expectTag(parts[0], TAG.SEQUENCE, 'PKIStatusInfo'), 'PKIStatusInfo');
  const code = Number(decodeInteger(status[0]!, 'PKIStatusInfo.status'));
  if (code !== 0 && code !== 1) {
    const text = status[1]?.tag === TAG.SEQUENCE ? children(status[1], 'statusString').map((s) => s.value.toString('utf8')).join('; ') : '';
    throw new TimestampError('TIMESTAMP_REFUSED', `the TSA refused the request: ${PKI_STATUS[code] ?? `status ${code}`}${text ? ` (${text})` : ''}`);
  }
  if (!parts[1]) throw new TimestampError('TIMESTAMP_REPLY_MALFORMED', 'the TSA granted the request but sent no token');
  return Buffer.from(parts[1].whole);
}

export interface TstInfo {
  policy: string;
  hashAlgorithm: string;
  imprint: Buffer;
  serial: bigint;
  genTime: Date;
  nonce?: bigint;
}

export interface ParsedToken {
  tstInfo: TstInfo;
  /** The DER TSTInfo the signature covers (through the messageDigest attribute). */
  eContent: Buffer;
  certificates: X509Certificate[];
  signer: {
    issuer?: Buffer;
    serial?: bigint;
    keyId?: Buffer;
    digestAlgorithm: string;
    signedAttrs: Der;
    signatureAlgorithm: string;
    signature: Buffer;
  };
}

const algOid = (el: Der | undefined, where: string): string => decodeOid(children(expectTag(el, TAG.SEQUENCE, where), where)[0]!, `${where}.algorithm`);

function parseTstInfo(buf: Buffer): TstInfo {
  const f = children(parseOne(buf, TAG.SEQUENCE, 'TSTInfo'), 'TSTInfo');
  const imprint = children(expectTag(f[2], TAG.SEQUENCE, 'TSTInfo.messageImprint'), 'messageImprint');
  const info: TstInfo = {
    policy: decodeOid(f[1]!, 'TSTInfo.policy'),
    hashAlgorithm: algOid(imprint[0], 'messageImprint.hashAlgorithm'),
    imprint: Buffer.from(expectTag(imprint[1], TAG.OCTET_STRING, 'messageImprint.hashedMessage').value),
    serial: decodeInteger(f[3]!, 'TSTInfo.serialNumber'),
    genTime: decodeGeneralizedTime(f[4]!, 'TSTInfo.genTime'),
  };
  // After genTime: accuracy (SEQUENCE), ordering (BOOLEAN), nonce (INTEGER), tsa [0], extensions [1] — all optional.
  const nonce = f.slice(5).find((x) => x.tag === TAG.INTEGER);
  if (nonce) info.nonce = decodeInteger(nonce, 'TSTInfo.nonce');
  return info;
}

/** Parses a TimeStampToken (CMS ContentInfo holding SignedData over a TSTInfo). Throws DerError/TimestampError. */
export function parseToken(token: Buffer): ParsedToken {
  const ci = children(parseOne(token, TAG.SEQUENCE, 'ContentInfo'), 'ContentInfo');
  if (decodeOid(ci[0]!, 'ContentInfo.contentType') !== OID.signedData) throw new TimestampError('TIMESTAMP_TOKEN_MALFORMED', 'the token is not CMS SignedData');
  const sd = children(expectTag(children(expectTag(ci[1], ctx(0), 'ContentInfo.content'), 'content')[0], TAG.SEQUENCE, 'SignedData'), 'SignedData');
  const encap = children(expectTag(sd[2], TAG.SEQUENCE, 'SignedData.encapContentInfo'), 'encapContentInfo');
  if (decodeOid(encap[0]!, 'eContentType') !== OID.tstInfo) throw new TimestampError('TIMESTAMP_TOKEN_MALFORMED', 'the signed content is not a TSTInfo');
  const eContent = Buffer.from(expectTag(children(expectTag(encap[1], ctx(0), 'eContent'), 'eContent')[0], TAG.OCTET_STRING, 'eContent').value);
  let i = 3;
  const certificates: X509Certificate[] = [];
  if (sd[i]?.tag === ctx(0)) {
    for (const c of children(sd[i]!, 'certificates')) if (c.tag === TAG.SEQUENCE) certificates.push(new X509Certificate(c.whole));
    i++;
  }
  if (sd[i]?.tag === ctx(1)) i++; // crls
  const infos = children(expectTag(sd[i], TAG.SET, 'SignedData.signerInfos'), 'signerInfos');
  if (infos.length !== 1) throw new TimestampError('TIMESTAMP_TOKEN_MALFORMED', `a time-stamp token has exactly one signer, this one has ${infos.length}`);
  const s = children(expectTag(infos[0], TAG.SEQUENCE, 'SignerInfo'), 'SignerInfo');
  const sid = s[1]!;
  const signer: ParsedToken['signer'] = {
    digestAlgorithm: algOid(s[2], 'SignerInfo.digestAlgorithm'),
    signedAttrs: expectTag(s[3], ctx(0), 'SignerInfo.signedAttrs'),
    signatureAlgorithm: algOid(s[4], 'SignerInfo.signatureAlgorithm'),
    signature: Buffer.from(expectTag(s[5], TAG.OCTET_STRING, 'SignerInfo.signature').value),
  };
  if (sid.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(sid, 'sid');
    signer.issuer = Buffer.from(expectTag(issuer, TAG.SEQUENCE, 'sid.issuer').whole);
    signer.serial = decodeInteger(serial!, 'sid.serialNumber');
  } else if (sid.tag === ctx(0, false)) signer.keyId = Buffer.from(sid.value);
  else throw new DerError('SignerInfo.sid', `unexpected tag 0x${sid.tag.toString(16)}`);
  return { tstInfo: parseTstInfo(eContent), eContent, certificates, signer };
}

/** Issuer name (DER), serial and subject key identifier of a certificate, read from its TBSCertificate. */
function certIds(cert: X509Certificate): { issuer: Buffer; serial: bigint; keyId?: Buffer } {
  const tbs = children(children(parseOne(cert.raw, TAG.SEQUENCE, 'Certificate'), 'Certificate')[0]!, 'tbsCertificate');
  const off = tbs[0]!.tag === ctx(0) ? 1 : 0;
  const ids: { issuer: Buffer; serial: bigint; keyId?: Buffer } = { serial: decodeInteger(tbs[off]!, 'serialNumber'), issuer: Buffer.from(tbs[off + 2]!.whole) };
  const ext = tbs.find((t) => t.tag === ctx(3));
  if (ext) {
    for (const e of children(children(ext, 'extensions')[0]!, 'extensions')) {
      const parts = children(e, 'extension');
      if (decodeOid(parts[0]!, 'extnID') === OID.subjectKeyIdentifier) ids.keyId = Buffer.from(readDer(parts[parts.length - 1]!.value, 0, 'subjectKeyIdentifier').value);
    }
  }
  return ids;
}

function attribute(signedAttrs: Der, oid: string): Der[] | undefined {
  for (const a of children(signedAttrs, 'signedAttrs')) {
    const [type, values] = children(a, 'Attribute');
    if (decodeOid(type!, 'Attribute.type') === oid) return children(expectTag(values, TAG.SET, 'Attribute.values'), 'values');
  }
  return undefined;
}

export interface VerifyOptions {
  /** The SHA-256 digest that was time-stamped. */
  digest: Buffer;
  /** The nonce sent, when checking a fresh reply. */
  nonce?: Buffer;
  /** Trusted TSA roots (or the TSA certificate itself). Without them the chain is not checked, and the result says so. */
  trusted?: X509Certificate[];
}

export interface TokenCheck {
  /** Empty when the token checks. Each entry names what is wrong. */
  problems: string[];
  genTime?: Date;
  serial?: string;
  tsa?: string;
  /** Whether the signer's certificate chained to a trusted root (false when none was given). */
  chained: boolean;
}

/** Checks a token independently of the TSA: every problem found is named, nothing is thrown for a bad token. */
export function verifyToken(token: Buffer, opts: VerifyOptions): TokenCheck {
  let t: ParsedToken;
  try {
    t = parseToken(token);
  } catch (e) {
    return { problems: [`the token is malformed: ${(e as Error).message}`], chained: false };
  }
  const problems: string[] = [];
  const out: TokenCheck = { problems, genTime: t.tstInfo.genTime, serial: t.tstInfo.serial.toString(16), chained: false };
  if (t.tstInfo.hashAlgorithm !== OID.sha256) problems.push(`the token's message imprint uses ${t.tstInfo.hashAlgorithm}, not SHA-256`);
  else if (!t.tstInfo.imprint.equals(opts.digest)) problems.push(`the token time-stamps ${t.tstInfo.imprint.toString('hex')}, not ${opts.digest.toString('hex')}`);
  if (opts.nonce && t.tstInfo.nonce !== BigInt(`0x${opts.nonce.toString('hex')}`)) problems.push('the token does not carry the nonce sent (a replayed reply)');
  const signerCert = t.certificates.find((c) => {
    const ids = certIds(c);
    return t.signer.keyId ? ids.keyId?.equals(t.signer.keyId) : ids.serial === t.signer.serial && t.signer.issuer !== undefined && ids.issuer.equals(t.signer.issuer);
  });
  if (!signerCert) {
    problems.push("the token does not carry its signer's certificate (request it with certReq)");
    return out;
  }
  out.tsa = signerCert.subject.replace(/\n/g, ', ');
  const digestName = HASH_BY_OID[t.signer.digestAlgorithm];
  if (!digestName) {
    problems.push(`unsupported digest algorithm ${t.signer.digestAlgorithm}`);
    return out;
  }
  const ct = attribute(t.signer.signedAttrs, OID.contentType);
  if (!ct || decodeOid(ct[0]!, 'contentType') !== OID.tstInfo) problems.push('the signed attributes do not say the content is a TSTInfo');
  const md = attribute(t.signer.signedAttrs, OID.messageDigest);
  if (!md || !Buffer.from(md[0]!.value).equals(createHash(digestName).update(t.eContent).digest())) problems.push('the signed messageDigest does not match the TSTInfo (the time-stamp content was altered)');
  problems.push(...signingCertificateProblems(t, signerCert));
  // The signature covers the signed attributes re-tagged as a SET (RFC 5652 §5.4).
  const signedBytes = Buffer.concat([Buffer.from([TAG.SET]), t.signer.signedAttrs.whole.subarray(1)]);
  const alg = SIG_ALGS[t.signer.signatureAlgorithm];
  if (!alg) problems.push(`unsupported signature algorithm ${t.signer.signatureAlgorithm}`);
  else {
    const hash = alg.kind === 'ed25519' ? null : (alg.hash ?? digestName);
    let ok = false;
    try {
      ok = cryptoVerify(hash, signedBytes, alg.kind === 'ecdsa' ? { key: signerCert.publicKey, dsaEncoding: 'der' } : signerCert.publicKey, t.signer.signature);
    } catch {
      ok = false;
    }
    if (!ok) problems.push("the TSA's signature does not verify with its certificate");
  }
  if (!signerCert.keyUsage?.includes(OID.timeStamping)) problems.push("the signer's certificate is not for time stamping (no extended key usage timeStamping)");
  const at = t.tstInfo.genTime.getTime();
  if (at < new Date(signerCert.validFrom).getTime() || at > new Date(signerCert.validTo).getTime()) problems.push(`the signer's certificate was not valid at ${t.tstInfo.genTime.toISOString()}`);
  if (opts.trusted && opts.trusted.length > 0) {
    const why = chainProblem(signerCert, t.certificates, opts.trusted, t.tstInfo.genTime);
    if (why) problems.push(why);
    else out.chained = true;
  }
  return out;
}

/** RFC 3161 §2.4.1: the ESS signing-certificate attribute binds the signature to the signer's certificate. */
function signingCertificateProblems(t: ParsedToken, signerCert: X509Certificate): string[] {
  const v2 = attribute(t.signer.signedAttrs, OID.signingCertificateV2);
  const v1 = v2 ? undefined : attribute(t.signer.signedAttrs, OID.signingCertificate);
  const attr = v2 ?? v1;
  if (!attr) return ['the signed attributes have no signing-certificate attribute (RFC 3161 requires one)'];
  const certs = children(children(attr[0]!, 'SigningCertificate')[0]!, 'certs');
  const first = children(certs[0]!, 'ESSCertID');
  let hash = v2 ? 'sha256' : 'sha1';
  let certHash = first[0]!;
  if (v2 && first[0]!.tag === TAG.SEQUENCE) {
    hash = HASH_BY_OID[algOid(first[0], 'ESSCertIDv2.hashAlgorithm')] ?? 'unknown';
    certHash = first[1]!;
  }
  if (hash === 'unknown') return ['unsupported hash in the signing-certificate attribute'];
  const want = createHash(hash).update(signerCert.raw).digest();
  return Buffer.from(expectTag(certHash, TAG.OCTET_STRING, 'certHash').value).equals(want) ? [] : ['the signing-certificate attribute names another certificate than the one that signed'];
}

/** Walks from the signer through the token's certificates to a trusted root; undefined when it gets there. */
function chainProblem(signer: X509Certificate, pool: X509Certificate[], trusted: X509Certificate[], at: Date): string | undefined {
  let cur = signer;
  for (let depth = 0; depth < 6; depth++) {
    const root = trusted.find((ca) => cur.fingerprint256 === ca.fingerprint256 || (cur.checkIssued(ca) && cur.verify(ca.publicKey)));
    if (root) {
      if (at.getTime() < new Date(root.validFrom).getTime() || at.getTime() > new Date(root.validTo).getTime()) return `the trusted TSA root ${root.subject.replace(/\n/g, ', ')} was not valid at ${at.toISOString()}`;
      return undefined;
    }
    const next = pool.find((c) => c !== cur && c.ca && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (!next) return `the TSA certificate ${signer.subject.replace(/\n/g, ', ')} does not chain to a trusted root (--tsa-ca)`;
    cur = next;
  }
  return 'the TSA certificate chain is too long';
}

export interface RequestOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Cuts the request short (shutdown); it then fails like a request that got no answer. */
  signal?: AbortSignal;
}

/**
 * Asks the TSA at `url` to time-stamp `digest`; returns the token once its imprint, nonce and signature check (the
 * chain is checked by the verifier, which holds the auditor's trusted roots).
 */
export async function requestTimestamp(url: string, digest: Buffer, opts: RequestOptions): Promise<Buffer> {
  const nonce = newNonce();
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(buildRequest(digest, nonce)),
      signal: opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    throw new TimestampError(timedOut ? 'TIMESTAMP_TIMEOUT' : 'TIMESTAMP_UNREACHABLE', `TSA ${url}: ${timedOut ? `no reply within ${opts.timeoutMs} ms` : (e as Error).message}`, { retryable: true, cause: e });
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new TimestampError('TIMESTAMP_HTTP', `TSA ${url} answered HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
  const token = tokenFromResponse(body);
  const check = verifyToken(token, { digest, nonce });
  if (check.problems.length > 0) throw new TimestampError('TIMESTAMP_TOKEN_INVALID', `TSA ${url}: ${check.problems.join('; ')}`);
  return token;
}
