// A small DER reader and writer: just what RFC 3161 time-stamp requests and tokens (CMS SignedData) need.
import { AppError } from '../core/errors.js';

/** A malformed DER structure; `where` names the field being read. */
export class DerError extends AppError {
  constructor(where: string, what: string) {
    super('DER_MALFORMED', `${where}: ${what}`);
    this.name = 'DerError';
  }
}

/** One DER element: its tag byte, the bytes of its value, and the whole element's bytes (tag and length included). */
export interface Der {
  tag: number;
  value: Buffer;
  whole: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  GENERALIZED_TIME: 0x18,
} as const;

/** Context-specific tag number n: constructed `[n]` (0xa0 | n) or primitive (0x80 | n). */
export const ctx = (n: number, constructed = true): number => (constructed ? 0xa0 : 0x80) | n;

/** Reads one element at `at`; refuses indefinite lengths, long-form lengths that are not minimal and overruns. */
export function readDer(buf: Buffer, at: number, where: string): Der {
  if (at + 2 > buf.length) throw new DerError(where, 'truncated');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(where, 'multi-byte tags are not used here');
  let len = buf[at + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError(where, 'indefinite length is not DER');
    if (n > 4 || at + 2 + n > buf.length) throw new DerError(where, 'length too long');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
    if (len < 0x80 || (n > 1 && buf[at + 2] === 0)) throw new DerError(where, 'length not in minimal form');
    head = 2 + n;
  }
  const end = at + head + len;
  if (end > buf.length) throw new DerError(where, `element runs past the end (${end} > ${buf.length})`);
  return { tag, value: buf.subarray(at + head, end), whole: buf.subarray(at, end) };
}

/** The children of a constructed element, in order. */
export function children(el: Der, where: string): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < el.value.length; ) {
    const c = readDer(el.value, at, `${where}[${out.length}]`);
    out.push(c);
    at += c.whole.length;
  }
  return out;
}

/** Parses `buf` as exactly one element with the expected tag. */
export function parseOne(buf: Buffer, tag: number, where: string): Der {
  const el = readDer(buf, 0, where);
  if (el.whole.length !== buf.length) throw new DerError(where, `${buf.length - el.whole.length} trailing bytes`);
  expectTag(el, tag, where);
  return el;
}

export function expectTag(el: Der | undefined, tag: number, where: string): Der {
  if (!el) throw new DerError(where, 'missing');
  if (el.tag !== tag) throw new DerError(where, `expected tag 0x${tag.toString(16)}, got 0x${el.tag.toString(16)}`);
  return el;
}

export function decodeOid(el: Der, where: string): string {
  expectTag(el, TAG.OID, where);
  const b = el.value;
  if (b.length === 0) throw new DerError(where, 'empty OID');
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift()!;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...parts].join('.');
}

/** An INTEGER's value as a bigint (two's complement). */
export function decodeInteger(el: Der, where: string): bigint {
  expectTag(el, TAG.INTEGER, where);
  if (el.value.length === 0) throw new DerError(where, 'empty INTEGER');
  let v = BigInt(`0x${el.value.toString('hex')}`);
  if (el.value[0]! & 0x80) v -= 1n << BigInt(el.value.length * 8);
  return v;
}

/** GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z` as a Date. */
export function decodeGeneralizedTime(el: Der, where: string): Date {
  expectTag(el, TAG.GENERALIZED_TIME, where);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(el.value.toString('latin1'));
  if (!m) throw new DerError(where, `not a UTC GeneralizedTime: ${el.value.toString('latin1').slice(0, 30)}`);
  const ms = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}

// --- writing ------------------------------------------------------------------------------------------------------

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function der(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export function encodeOid(oid: string): Buffer {
  const [a, b, ...rest] = oid.split('.').map(Number) as [number, number, ...number[]];
  const out: number[] = [a * 40 + b];
  for (const n of rest) {
    const bytes = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return der(TAG.OID, Buffer.from(out));
}

/** A non-negative INTEGER from raw big-endian bytes (a leading 0 added when the top bit is set). */
export function encodeUnsigned(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) b = b.subarray(1);
  return der(TAG.INTEGER, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
