// The byte layout of a bundle .zip checked whole: every local header equal to its central record, entries tiling the file, CRC-32, and the seal export writes over the central directory.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

/**
 * The archive comment of a zip written by `vigil export`: the SHA-256 of every byte from the central directory's start to
 * the end-of-central-directory record. Local headers are bound to the central records field by field and entry data by
 * CRC-32 and SHA256SUMS, so with the seal no byte of the zip can change unnoticed — timestamps, modes and extra fields
 * included. It detects damage, not forgery (anyone can recompute it); the signatures inside the bundle do that.
 */
export const ZIP_SEAL_PREFIX = 'vigil-zip-seal sha256:';
const SEAL_LENGTH = ZIP_SEAL_PREFIX.length + 64;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_DESCRIPTOR = 0x08074b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const FLAG_DATA_DESCRIPTOR = 0x0008;

/** Reads `len` bytes at `pos` of the zip (throws past its end). */
export type ReadAt = (pos: number, len: number) => Buffer;

/** What the central directory says of one entry (yauzl's Entry fields, zip64 values already applied). */
export interface CentralRecord {
  fileName: Buffer;
  versionNeededToExtract: number;
  generalPurposeBitFlag: number;
  compressionMethod: number;
  lastModFileTime: number;
  lastModFileDate: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  relativeOffsetOfLocalHeader: number;
  extraFieldLength: number;
  fileCommentLength: number;
  extraFields: Array<{ id: number; data: Buffer }>;
}

const table = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (zip's, IEEE 802.3): zlib's native one where Node has it (20.15+), else a table (the bundled verifier runs on 18). */
export function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = -1;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

interface Eocd {
  /** Where the end-of-central-directory record starts. */
  offset: number;
  cdOffset: number;
  cdSize: number;
  entries: number;
  comment: Buffer;
  /** Where the zip64 end-of-central-directory record starts, when there is one. */
  zip64At?: number;
}

/** The end-of-central-directory record (and its zip64 twin): the last one whose comment reaches exactly to the end of the file. */
export function readEocd(readAt: ReadAt, fileSize: number): Eocd {
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = readAt(fileSize - tailLen, tailLen);
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD || tail.readUInt16LE(i + 20) !== tailLen - i - 22) continue;
    const offset = fileSize - tailLen + i;
    if (tail.readUInt16LE(i + 4) !== 0 || tail.readUInt16LE(i + 6) !== 0) throw new Error('multi-disk zip archives are not supported');
    const eocd: Eocd = { offset, entries: tail.readUInt16LE(i + 10), cdSize: tail.readUInt32LE(i + 12), cdOffset: tail.readUInt32LE(i + 16), comment: Buffer.from(tail.subarray(i + 22)) };
    if (tail.readUInt16LE(i + 8) !== eocd.entries) throw new Error('end of central directory: entries on this disk differ from the total');
    if (offset >= 20 && readAt(offset - 20, 4).readUInt32LE(0) === SIG_ZIP64_LOCATOR) {
      const loc = readAt(offset - 20, 20);
      const at = Number(loc.readBigUInt64LE(8));
      const z = readAt(at, 56);
      if (z.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw new Error('zip64 end of central directory locator points at no zip64 record');
      if (loc.readUInt32LE(4) !== 0 || loc.readUInt32LE(16) !== 1 || z.readUInt32LE(16) !== 0 || z.readUInt32LE(20) !== 0) throw new Error('multi-disk zip archives are not supported');
      if (Number(z.readBigUInt64LE(4)) !== 44 || at + 56 !== offset - 20) throw new Error('zip64 end of central directory record has an unexpected size');
      const entries = Number(z.readBigUInt64LE(32));
      if (Number(z.readBigUInt64LE(24)) !== entries) throw new Error('zip64 end of central directory: entries on this disk differ from the total');
      for (const [short, long, max] of [[eocd.entries, entries, 0xffff], [eocd.cdSize, Number(z.readBigUInt64LE(40)), 0xffffffff], [eocd.cdOffset, Number(z.readBigUInt64LE(48)), 0xffffffff]] as const) {
        if (short !== max && short !== long) throw new Error('end of central directory disagrees with its zip64 record');
      }
      return { ...eocd, entries, cdSize: Number(z.readBigUInt64LE(40)), cdOffset: Number(z.readBigUInt64LE(48)), zip64At: at };
    }
    return eocd;
  }
  throw new Error('no end of central directory record');
}

/** SHA-256 over [central directory start, end-of-central-directory record): what the seal commits to. */
function sealDigest(readAt: ReadAt, eocd: Eocd): string {
  const h = createHash('sha256');
  for (let pos = eocd.cdOffset; pos < eocd.offset; pos += 1 << 20) h.update(readAt(pos, Math.min(1 << 20, eocd.offset - pos)));
  return h.digest('hex');
}

/** The comment writeDeterministicZip reserves, then fills with `sealComment`. */
export const SEAL_PLACEHOLDER = `${ZIP_SEAL_PREFIX}${'0'.repeat(64)}`;

/** The seal for a zip just written with SEAL_PLACEHOLDER as its comment: the bytes to write over the comment, and where. */
export function sealComment(readAt: ReadAt, fileSize: number): { at: number; text: string } {
  const eocd = readEocd(readAt, fileSize);
  if (eocd.comment.toString('latin1') !== SEAL_PLACEHOLDER) throw new Error('the zip does not end with the seal placeholder');
  return { at: eocd.offset + 22, text: `${ZIP_SEAL_PREFIX}${sealDigest(readAt, eocd)}` };
}

/**
 * Checks the zip's layout against its central directory: every local header repeats its central record (version,
 * flags, method, time, date, CRC-32, sizes, name), data descriptors agree, the entries and the central directory tile
 * the file from byte 0 to the end record with nothing between or hidden, and the seal (when the zip has one) matches.
 * Returns the problems found and whether the zip carried a valid seal.
 */
export function checkZipLayout(readAt: ReadAt, fileSize: number, records: CentralRecord[]): { problems: Array<{ file?: string; message: string }>; sealed: boolean } {
  const problems: Array<{ file?: string; message: string }> = [];
  let eocd: Eocd;
  try {
    eocd = readEocd(readAt, fileSize);
  } catch (e) {
    return { problems: [{ message: (e as Error).message }], sealed: false };
  }
  if (eocd.entries !== records.length) problems.push({ message: `end of central directory counts ${eocd.entries} entries, the directory holds ${records.length}` });
  let cdBytes = 0;
  for (const r of records) cdBytes += 46 + r.fileName.length + r.extraFieldLength + r.fileCommentLength;
  if (cdBytes !== eocd.cdSize) problems.push({ message: `central directory is ${cdBytes} bytes, its end record says ${eocd.cdSize}` });
  const cdEnd = eocd.cdOffset + eocd.cdSize;
  if (cdEnd !== (eocd.zip64At ?? eocd.offset)) problems.push({ message: `${(eocd.zip64At ?? eocd.offset) - cdEnd} unaccounted byte(s) between the central directory and its end record` });
  let pos = 0;
  for (const r of [...records].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader)) {
    const name = r.fileName.toString('utf8');
    if (r.relativeOffsetOfLocalHeader !== pos) {
      problems.push({ file: name, message: r.relativeOffsetOfLocalHeader < pos ? 'local header overlaps the previous entry' : `${r.relativeOffsetOfLocalHeader - pos} unaccounted byte(s) before the local header` });
    }
    try {
      pos = r.relativeOffsetOfLocalHeader + checkLocal(readAt, r, name, problems);
    } catch (e) {
      problems.push({ file: name, message: `local header unreadable: ${(e as Error).message}` });
      pos = r.relativeOffsetOfLocalHeader;
    }
  }
  if (pos !== eocd.cdOffset) problems.push({ message: pos < eocd.cdOffset ? `${eocd.cdOffset - pos} unaccounted byte(s) before the central directory` : 'the last entry runs into the central directory' });
  const comment = eocd.comment.toString('latin1');
  if (comment === '') return { problems, sealed: false };
  if (comment.length !== SEAL_LENGTH || !comment.startsWith(ZIP_SEAL_PREFIX) || !/^[0-9a-f]{64}$/.test(comment.slice(ZIP_SEAL_PREFIX.length))) {
    problems.push({ message: `unexpected zip archive comment ${JSON.stringify(comment.slice(0, 80))} (a zip from vigil export carries its seal there)` });
    return { problems, sealed: false };
  }
  if (sealDigest(readAt, eocd) !== comment.slice(ZIP_SEAL_PREFIX.length)) problems.push({ message: 'the central directory does not match the seal in the zip comment (entry names, times, modes or sizes changed)' });
  return { problems, sealed: true };
}

/** One local header (and data descriptor) against its central record; returns the entry's length in the file. */
function checkLocal(readAt: ReadAt, r: CentralRecord, name: string, problems: Array<{ file?: string; message: string }>): number {
  const at = r.relativeOffsetOfLocalHeader;
  const h = readAt(at, 30);
  const bad = (field: string, local: number | string, central: number | string): void => void problems.push({ file: name, message: `local header ${field} ${local} differs from the central directory's ${central}` });
  if (h.readUInt32LE(0) !== SIG_LOCAL) {
    problems.push({ file: name, message: 'no local file header where the central directory points' });
    return 30;
  }
  const nameLen = h.readUInt16LE(26);
  const extraLen = h.readUInt16LE(28);
  const localName = readAt(at + 30, nameLen);
  if (!localName.equals(r.fileName)) bad('name', JSON.stringify(localName.toString('utf8')), JSON.stringify(name));
  for (const [field, off, central] of [
    ['version needed', 4, r.versionNeededToExtract],
    ['flags', 6, r.generalPurposeBitFlag],
    ['compression method', 8, r.compressionMethod],
    ['time', 10, r.lastModFileTime],
    ['date', 12, r.lastModFileDate],
  ] as const) {
    if (h.readUInt16LE(off) !== central) bad(field, h.readUInt16LE(off), central);
  }
  const extra = readAt(at + 30 + nameLen, extraLen);
  const zip64 = extraFieldsOf(extra, name, problems).find((x) => x.id === 0x0001);
  const fields: Array<[string, number, number]> = [['CRC-32', h.readUInt32LE(14), r.crc32]];
  const local64 = (v: number, i: number): number => (v === 0xffffffff && zip64 && zip64.data.length >= 8 * (i + 1) ? Number(zip64.data.readBigUInt64LE(8 * i)) : v);
  fields.push(['uncompressed size', local64(h.readUInt32LE(22), 0), r.uncompressedSize], ['compressed size', local64(h.readUInt32LE(18), 1), r.compressedSize]);
  const descriptor = (h.readUInt16LE(6) & FLAG_DATA_DESCRIPTOR) !== 0;
  // With a data descriptor the header may leave CRC and sizes zero (they follow the data); a value given must still agree.
  for (const [field, local, central] of fields) if (local !== central && !(descriptor && local === 0)) bad(field, local, central);
  const dataEnd = at + 30 + nameLen + extraLen + r.compressedSize;
  if (!descriptor) return dataEnd - at;
  const big = r.compressedSize >= 0xffffffff || r.uncompressedSize >= 0xffffffff || r.extraFields.some((x) => x.id === 0x0001);
  const hasSig = readAt(dataEnd, 4).readUInt32LE(0) === SIG_DESCRIPTOR;
  const d = readAt(dataEnd + (hasSig ? 4 : 0), big ? 20 : 12);
  const got = big ? [d.readUInt32LE(0), Number(d.readBigUInt64LE(4)), Number(d.readBigUInt64LE(12))] : [d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8)];
  const want = [r.crc32, r.compressedSize, r.uncompressedSize];
  ['CRC-32', 'compressed size', 'uncompressed size'].forEach((field, i) => {
    if (got[i] !== want[i]) problems.push({ file: name, message: `data descriptor ${field} ${got[i]} differs from the central directory's ${want[i]}` });
  });
  return dataEnd - at + (hasSig ? 4 : 0) + (big ? 20 : 12);
}

/** A local extra field split into its blocks; one that does not fill its length exactly is a problem. */
function extraFieldsOf(extra: Buffer, name: string, problems: Array<{ file?: string; message: string }>): Array<{ id: number; data: Buffer }> {
  const out: Array<{ id: number; data: Buffer }> = [];
  let i = 0;
  while (i + 4 <= extra.length) {
    const len = extra.readUInt16LE(i + 2);
    if (i + 4 + len > extra.length) break;
    out.push({ id: extra.readUInt16LE(i), data: extra.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  if (i !== extra.length) problems.push({ file: name, message: 'local header extra field is malformed' });
  return out;
}
