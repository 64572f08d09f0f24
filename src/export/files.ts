// Bundle file plumbing shared by export and verify: buffered writers, SHA256SUMS, the manifest note text, deterministic zips.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, writeSync, createReadStream, createWriteStream, fchmodSync, fstatSync, lstatSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import yazl from 'yazl';
import type { ReportSink } from './report.js';
import { SEAL_PLACEHOLDER, sealComment } from '../verify/zip-structure.js';

export const BUNDLE_FORMAT = 'evidence-bundle/v1';
/** Files SHA256SUMS does not list: itself and the note that signs it. */
export const UNSUMMED = new Set(['SHA256SUMS', 'manifest.note']);

/**
 * The fixed 10-byte gzip header of every compressed bundle file: no name, no mtime, XFL 0 (no claim about the level),
 * OS 255 (unknown), so the same content gives the same bytes on any platform running the same zlib.
 */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

/**
 * Level 1 (zlib's fast deflate): on results blobs and snapshot CSV it compresses 4-6x faster than level 6 for ~15%
 * more bytes, and those bytes inflate as fast. Export and verify are held to the cost of reading the bundle (sha256sum
 * plus gunzip), so the writer's compression time is what mattered (issue 13).
 */
export const BUNDLE_GZIP_LEVEL = 1;

/** gzip with the bundle's fixed header (Node writes the build platform's OS code; the header must not depend on it). */
export function gzipBundleFile(data: Buffer | string): Buffer {
  const z = gzipSync(data, { level: BUNDLE_GZIP_LEVEL });
  GZIP_HEADER.copy(z, 0);
  return z;
}

/**
 * Streams a `.gz` bundle file through gunzip and SHA-256 in 1 MiB reads: the digest of the content, or what is wrong
 * with the container (header other than GZIP_HEADER, a corrupt stream, bytes after the gzip member).
 */
export async function gunzipSha256(path: string, onChunk?: (chunk: Buffer) => void): Promise<{ sha256: string } | { problem: string }> {
  const h = createHash('sha256');
  const size = statSync(path).size;
  const head = Buffer.alloc(GZIP_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(GZIP_HEADER)) return { problem: 'gzip header differs from the bundle\'s fixed header' };
  const gunzip = createGunzip();
  try {
    await new Promise<void>((res, rej) => {
      const rs = createReadStream(path, { highWaterMark: 1 << 20 });
      rs.on('error', rej);
      gunzip.on('error', rej);
      gunzip.on('data', (c: Buffer) => {
        h.update(c);
        onChunk?.(c);
      });
      gunzip.on('end', () => res());
      rs.pipe(gunzip);
    });
  } catch (e) {
    return { problem: `not a valid gzip stream (${(e as Error).message})` };
  }
  if (gunzip.bytesWritten !== size) return { problem: `${size - gunzip.bytesWritten} byte(s) after the end of the gzip stream` };
  return { sha256: h.digest('hex') };
}

/** A small `.gz` bundle file decompressed in memory, with the same container checks as gunzipSha256. */
export function gunzipFileSync(path: string): { data: Buffer } | { problem: string } {
  return gunzipBuffer(readFileSync(path));
}

/** The bytes of a `.gz` bundle file decompressed, with the same container checks as gunzipSha256. */
export function gunzipBuffer(buf: Buffer): { data: Buffer } | { problem: string } {
  if (buf.length < GZIP_HEADER.length || !buf.subarray(0, GZIP_HEADER.length).equals(GZIP_HEADER)) return { problem: 'gzip header differs from the bundle\'s fixed header' };
  try {
    const r = gunzipSync(buf, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (r.engine.bytesWritten !== buf.length) return { problem: `${buf.length - r.engine.bytesWritten} byte(s) after the end of the gzip stream` };
    return { data: r.buffer };
  } catch (e) {
    return { problem: `not a valid gzip stream (${(e as Error).message})` };
  }
}

/**
 * Writes many files at once with bounded memory: appends are buffered per path and flushed in 64 KiB chunks. A path
 * ending in `.gz` is held until its end() and written gzipped with the bundle's fixed header (such files are small: one
 * rule's state on one day).
 */
export class FileSink implements ReportSink {
  private readonly buffers = new Map<string, { parts: Array<string | Buffer>; len: number; created: boolean }>();
  /** Folders made so far: a day's snapshot files go to 60 folders, and a mkdir per file was a failed system call each. */
  private readonly dirs = new Set<string>();
  constructor(private readonly root: string) {}

  write(path: string, text: string | Buffer): void {
    let b = this.buffers.get(path);
    if (!b) {
      b = { parts: [], len: 0, created: false };
      this.buffers.set(path, b);
    }
    b.parts.push(text);
    b.len += text.length;
    if (b.len > 65_536 && !path.endsWith('.gz')) this.flush(path, b);
  }

  private flush(path: string, b: { parts: Array<string | Buffer>; len: number; created: boolean }): void {
    const file = join(this.root, path);
    const dir = dirname(file);
    if (!b.created && !this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const fd = openSync(file, b.created ? 'a' : 'w');
    try {
      const data = joinParts(b.parts);
      if (path.endsWith('.gz')) writeSync(fd, gzipBundleFile(data));
      else if (typeof data === 'string') writeSync(fd, data);
      else writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    b.created = true;
    b.parts = [];
    b.len = 0;
  }

  /** Flushes one finished file and forgets it, or (no path) every file. */
  end(path?: string): void {
    if (path !== undefined) {
      const b = this.buffers.get(path);
      if (b && (b.len > 0 || !b.created)) this.flush(path, b);
      this.buffers.delete(path);
      return;
    }
    for (const [p, b] of this.buffers) if (b.len > 0 || !b.created) this.flush(p, b);
    this.buffers.clear();
  }
}

/** The parts of a file as one string, or as bytes when any part is bytes (one part alone is not copied). */
function joinParts(parts: Array<string | Buffer>): string | Buffer {
  if (parts.length === 1) return parts[0]!;
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/**
 * Hashes what would be written, per path: how verify compares a recomputed report without writing it. A file is handed
 * to `onEnd` when it is complete and then forgotten except for its digest, so a year of daily snapshot files holds no heads.
 * With `onEndGz`, a `.gz` file (a snapshot: one rule's day, small) is instead held whole until its end and handed over
 * as bytes, so it is compared with the bundle's inflated file directly — neither side hashed.
 */
export class HashSink implements ReportSink {
  private readonly hashes = new Map<string, ReturnType<typeof createHash>>();
  /** The first 64 KiB of each open file, to name the first differing line when a report file disagrees. */
  private readonly heads = new Map<string, string>();
  private readonly gz = new Map<string, Array<string | Buffer>>();
  private readonly done = new Map<string, string>();
  constructor(
    private readonly onEnd?: (path: string, sha256: string, head: string) => void,
    private readonly onEndGz?: (path: string, content: Buffer) => void,
  ) {}

  write(path: string, text: string | Buffer): void {
    if (this.onEndGz && path.endsWith('.gz')) {
      const parts = this.gz.get(path);
      if (parts) parts.push(text);
      else this.gz.set(path, [text]);
      return;
    }
    let h = this.hashes.get(path);
    if (!h) {
      h = createHash('sha256');
      this.hashes.set(path, h);
      this.heads.set(path, '');
    }
    if (typeof text === 'string') h.update(text, 'utf8');
    else h.update(text);
    const head = this.heads.get(path)!;
    if (head.length < 65_536) this.heads.set(path, head + (typeof text === 'string' ? text.slice(0, 65_536 - head.length) : text.subarray(0, 65_536 - head.length).toString('utf8')));
  }

  end(path: string): void {
    const parts = this.gz.get(path);
    if (parts) {
      this.gz.delete(path);
      this.done.set(path, '');
      const content = joinParts(parts);
      this.onEndGz!(path, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      return;
    }
    const h = this.hashes.get(path);
    if (!h) return;
    const digest = h.digest('hex');
    const head = this.heads.get(path) ?? '';
    this.hashes.delete(path);
    this.heads.delete(path);
    this.done.set(path, digest);
    this.onEnd?.(path, digest, head);
  }

  /** Ends every file still open; returns the digest of every file written, by path ('' for a `.gz` file given to `onEndGz`). */
  finish(): Map<string, string> {
    for (const p of [...this.hashes.keys(), ...this.gz.keys()].sort()) this.end(p);
    return new Map([...this.done].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
}

/** Every regular file under `root`, as sorted forward-slash relative paths. */
export function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, p));
    if (st.isDirectory()) out.push(...listFiles(root, p));
    else out.push(p);
  }
  return out.sort();
}

/** One read buffer for every sha256File call (they are synchronous): a fresh 1 MiB per file was an mmap and munmap per file. */
let readBuffer: Buffer | undefined;

export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = (readBuffer ??= Buffer.allocUnsafe(1 << 20));
  try {
    for (;;) {
      const n = readFileChunk(fd, buf);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function readFileChunk(fd: number, buf: Buffer): number {
  return readSync(fd, buf, 0, buf.length, null);
}

/** The signed body of manifest.note: format, origin, period, tree slice and the SHA-256 of SHA256SUMS. */
export function manifestNoteText(m: { origin: string; start: string; end: string; startSize: number; endSize: number; sumsSha256: string }): string {
  return `${BUNDLE_FORMAT}\n${m.origin}\nperiod ${m.start} ${m.end}\ntree ${m.startSize} ${m.endSize}\nsums sha256:${m.sumsSha256}\n`;
}

/**
 * A zip of `root`'s files in sorted order with fixed times and modes: the same folder always gives the same bytes. Its
 * comment is the seal over the central directory (src/verify/zip-structure.ts), so verify notices any changed byte of
 * the zip's metadata too.
 */
export async function writeDeterministicZip(root: string, files: string[], out: string, mtime: Date, fileMode = 0o600): Promise<void> {
  const zip = new yazl.ZipFile();
  // Already-compressed files are stored: deflating them again only costs time.
  for (const f of files) zip.addFile(join(root, f), f, { mtime, mode: 0o100644, compress: !f.endsWith('.gz') });
  zip.end({ comment: SEAL_PLACEHOLDER, forceZip64Format: false });
  await new Promise<void>((res, rej) => {
    // Created with its final mode (and set again below, whatever the umask): never readable by others, even briefly.
    const ws = createWriteStream(out, { flags: 'wx', mode: fileMode });
    zip.outputStream.pipe(ws).on('close', () => res()).on('error', rej);
  });
  const fd = openSync(out, 'r+');
  try {
    const size = fstatSync(fd).size;
    const seal = sealComment((pos, len) => {
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      return buf;
    }, size);
    writeSync(fd, Buffer.from(seal.text, 'latin1'), 0, seal.text.length, seal.at);
    fchmodSync(fd, fileMode);
  } finally {
    closeSync(fd);
  }
}
