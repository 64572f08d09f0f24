// How verify reads a bundle: a folder from the file system, or a .zip entry by entry in place (nothing extracted to disk).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { gunzipBuffer, gunzipSha256, sha256File } from '../export/files.js';
import { checkZipLayout, crc32 } from './zip-structure.js';

/** A container problem found while listing the bundle (verify reports it as a fault). */
export interface ContainerProblem {
  file?: string;
  message: string;
}

export type GunzipResult = { sha256: string; data?: Buffer } | { problem: string };

/** Read access to the files of a bundle, whatever holds them. Paths are bundle-relative, `/`-separated. */
export interface BundleFiles {
  /** Every regular file, sorted. */
  readonly files: string[];
  has(path: string): boolean;
  read(path: string): Buffer;
  sha256(path: string): string;
  /** Gunzips a `.gz` bundle file with the bundle's container checks; the content too when `keep`. */
  gunzip(path: string, keep: boolean): Promise<GunzipResult>;
  /** The first 64 KiB as text. */
  head(path: string): string;
  /** The file's lines (without line ends). */
  lines(path: string): AsyncIterable<string>;
  close(): void;
  /** What the reader had to say about the container that is not a fault (e.g. a zip made with `zip -r b.zip folder`). */
  readonly notes?: string[];
}

const HEAD_BYTES = 65_536;
/** `.gz` files up to this size are inflated in one call; larger ones are streamed. */
const WHOLE_GUNZIP_BYTES = 16 << 20;

/** The lines of a file's bytes, without line ends (`\n` or `\r\n`), as readline gives them. */
async function* splitLines(buf: Buffer): AsyncIterable<string> {
  const text = buf.toString('utf8');
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    yield text.endsWith('\r', nl) ? text.slice(pos, nl - 1) : text.slice(pos, nl);
    pos = nl + 1;
  }
}

/** A bundle folder; `walk` reports symlinks and other non-regular files as problems and leaves them out. */
export function folderFiles(root: string, problem: (p: ContainerProblem) => void): BundleFiles {
  const files: string[] = [];
  // A month's bundle is thousands of files: the directory entries' own types (Node falls back to lstat where the file
  // system does not give them), and paths joined once with the root, not normalised per file.
  const base = root.endsWith(sep) ? root : `${root}${sep}`;
  const at = (p: string): string => `${base}${p}`;
  const walk = (rel: string): void => {
    for (const d of readdirSync(rel ? at(rel) : root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isSymbolicLink()) problem({ file: p, message: 'symlinks are not allowed in a bundle' });
      else if (d.isDirectory()) walk(p);
      else if (d.isFile()) files.push(p);
      else problem({ file: p, message: 'not a regular file' });
    }
  };
  walk('');
  files.sort();
  const set = new Set(files);
  return {
    files,
    has: (p) => set.has(p),
    read: (p) => readFileSync(at(p)),
    sha256: (p) => sha256File(at(p)),
    async gunzip(p, keep) {
      // A file of a few MiB (every results blob and snapshot file) is read and inflated in one synchronous call: streaming
      // it costs a thread-pool hand-off per chunk, which dominated on a busy 2-core machine. Larger ones are streamed
      // through gunzip and SHA-256, so without `keep` such an attachment is never held whole.
      if (statSync(at(p)).size <= WHOLE_GUNZIP_BYTES) {
        const d = gunzipBuffer(readFileSync(at(p)));
        if ('problem' in d) return d;
        return { sha256: createHash('sha256').update(d.data).digest('hex'), ...(keep ? { data: d.data } : {}) };
      }
      const chunks: Buffer[] = [];
      const d = await gunzipSha256(at(p), keep ? (c) => chunks.push(c) : undefined);
      return 'sha256' in d && keep ? { sha256: d.sha256, data: Buffer.concat(chunks) } : d;
    },
    head(p) {
      const buf = Buffer.alloc(HEAD_BYTES);
      const fd = openSync(at(p), 'r');
      try {
        return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
    // A leaf file is one UTC day (about 1 MB at 10,000 resources): read whole, not through a stream per file.
    lines: (p) => splitLines(readFileSync(at(p))),
    close: () => undefined,
  };
}

interface ZipEntry {
  offset: number;
  compressedSize: number;
  size: number;
  method: number;
  crc32: number;
}

/**
 * A `.zip` bundle read in place: the central directory is listed (and every entry name checked) with yauzl, then each
 * entry is read by its local header and inflated in memory when asked for. Bundle entries are small (a day of leaves,
 * one attachment, one report file); an entry larger than `maxEntryBytes` is a problem, not a read.
 */
export async function zipFiles(
  file: string,
  limits: { maxBytes: number; maxEntryBytes: number },
  pathProblem: (name: string) => string | undefined,
  problem: (p: ContainerProblem) => void,
): Promise<BundleFiles> {
  // Listed and indexed in helpers of their own, so the yauzl entries (~1 KB each) are not kept alive by the closures below.
  const fd = openSync(file, 'r');
  const notes: string[] = [];
  let entries: Map<string, ZipEntry>;
  try {
    entries = await listAndCheck(file, fd, limits, pathProblem, problem, notes);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const files = [...entries.keys()].sort();
  const fileSize = fstatSync(fd).size;
  const readAt = (pos: number, len: number): Buffer => {
    if (pos < 0 || pos + len > fileSize) throw new Error('entry data lies outside the zip file');
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, pos + got);
      if (n === 0) throw new Error('zip file ends inside an entry');
      got += n;
    }
    return buf;
  };
  const read = (p: string): Buffer => {
    const e = entries.get(p);
    if (!e) throw new Error(`${p} is not in the zip`);
    if (e.size > limits.maxEntryBytes) throw new Error(`entry expands beyond ${limits.maxEntryBytes} bytes`);
    const local = readAt(e.offset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new Error('bad local file header');
    const start = e.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const stored = readAt(start, e.compressedSize);
    const data = e.method === 0 ? stored : inflateRawSync(stored, { maxOutputLength: Math.max(1, e.size) });
    if (data.length !== e.size) throw new Error(`entry holds ${data.length} bytes, its directory says ${e.size}`);
    // Checked on the first read only: verify reads some entries two or three times.
    if (!crcChecked.has(p)) {
      if (crc32(data) !== e.crc32) throw new Error(`CRC-32 of the content is ${crc32(data).toString(16)}, the central directory says ${e.crc32.toString(16)}`);
      crcChecked.add(p);
    }
    return data;
  };
  const crcChecked = new Set<string>();
  return {
    files,
    has: (p) => entries.has(p),
    read,
    sha256: (p) => createHash('sha256').update(read(p)).digest('hex'),
    async gunzip(p, keep) {
      const d = gunzipBuffer(read(p));
      if ('problem' in d) return d;
      return { sha256: createHash('sha256').update(d.data).digest('hex'), ...(keep ? { data: d.data } : {}) };
    },
    head: (p) => read(p).subarray(0, HEAD_BYTES).toString('utf8'),
    lines: (p) => splitLines(read(p)),
    close: () => closeSync(fd),
    notes,
  };
}

/**
 * The central directory listed, the zip's byte layout checked against it (src/verify/zip-structure.ts), and the entries
 * indexed by bundle path. A bundle zipped one level down (`zip -r b.zip folder`: every entry under `folder/`) is read
 * as if zipped from inside, with a note.
 */
async function listAndCheck(
  file: string,
  fd: number,
  limits: { maxBytes: number; maxEntryBytes: number },
  pathProblem: (name: string) => string | undefined,
  problem: (p: ContainerProblem) => void,
  notes: string[],
): Promise<Map<string, ZipEntry>> {
  const raw = await centralDirectory(file);
  const size = fstatSync(fd).size;
  const layout = checkZipLayout((pos, len) => {
    if (pos < 0 || pos + len > size) throw new Error('reaches past the end of the zip file');
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, pos);
    return buf;
  }, size, raw as unknown as Parameters<typeof checkZipLayout>[2]);
  for (const p of layout.problems) problem({ ...p, message: `zip structure: ${p.message}` });
  if (!layout.sealed && layout.problems.length === 0) notes.push('the zip carries no seal from vigil export (made by another zip tool?): its entries, CRC-32s and local headers were checked, not its timestamps or file modes');
  const nested = commonFolder(raw);
  const prefix = nested?.all ? nested.prefix : undefined;
  if (prefix !== undefined) notes.push(`the bundle is one level down in the zip, under ${prefix} (zipped as \`zip -r b.zip folder\`): read from there`);
  else if (nested) notes.push(`SHA256SUMS is under ${nested.prefix}, but other entries lie outside that folder: zip the bundle from inside its folder (cd folder && zip -r ../b.zip .) or with nothing beside it`);
  return indexEntries(raw, limits, pathProblem, problem, prefix);
}

/** `folder/` when the zip has no SHA256SUMS at its root but a top-level folder has one; `all` when every entry lies in it. */
function commonFolder(raw: yauzl.Entry[]): { prefix: string; all: boolean } | undefined {
  const names = raw.map((e) => (e.fileName as unknown as Buffer).toString('utf8'));
  if (names.includes('SHA256SUMS')) return undefined;
  const sums = names.find((n) => /^[^/]+\/SHA256SUMS$/.test(n));
  if (sums === undefined) return undefined;
  const prefix = sums.slice(0, sums.indexOf('/') + 1);
  return { prefix, all: names.every((n) => n.startsWith(prefix)) };
}

/** Every entry of the zip's central directory, names undecoded. */
async function centralDirectory(file: string): Promise<yauzl.Entry[]> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, z) => (err ? rej(err) : res(z!))),
  );
  const raw: yauzl.Entry[] = [];
  try {
    await new Promise<void>((res, rej) => {
      zip.on('entry', (e: yauzl.Entry) => {
        raw.push(e);
        zip.readEntry();
      });
      zip.on('end', () => res());
      zip.on('error', rej);
      zip.readEntry();
    });
  } finally {
    zip.close();
    // yauzl's file reader stays referenced for a while after close; without its listeners it holds no entries.
    zip.removeAllListeners();
  }
  return raw;
}

/** Entry names checked; the readable ones by name. */
function indexEntries(
  raw: yauzl.Entry[],
  limits: { maxBytes: number; maxEntryBytes: number },
  pathProblem: (name: string) => string | undefined,
  problem: (p: ContainerProblem) => void,
  prefix?: string,
): Map<string, ZipEntry> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const entries = new Map<string, ZipEntry>();
  const seen = new Map<string, string>();
  let total = 0;
  for (const e of raw) {
    let name: string;
    try {
      name = decoder.decode(e.fileName as unknown as Buffer);
    } catch {
      problem({ message: 'zip entry name is not UTF-8' });
      continue;
    }
    if (prefix !== undefined) {
      if (name === prefix) continue;
      name = name.slice(prefix.length);
    }
    const bad = pathProblem(name);
    if (bad) problem({ file: name, message: bad });
    const unixMode = (e.externalFileAttributes >>> 16) & 0o170000;
    if (unixMode === 0o120000) problem({ file: name, message: 'symlink entries are not allowed' });
    const lower = name.toLowerCase();
    if (seen.has(lower)) problem({ file: name, message: seen.get(lower) === name ? 'duplicate zip entry' : `name differs only in case from ${seen.get(lower)}` });
    seen.set(lower, name);
    total += e.uncompressedSize;
    if (total > limits.maxBytes) {
      problem({ file: name, message: `bundle expands beyond ${limits.maxBytes} bytes (zip bomb?)` });
      break;
    }
    if (e.uncompressedSize > limits.maxEntryBytes) problem({ file: name, message: `entry expands to ${e.uncompressedSize} bytes, beyond ${limits.maxEntryBytes}` });
    if (e.compressionMethod !== 0 && e.compressionMethod !== 8) problem({ file: name, message: `unsupported compression method ${e.compressionMethod}` });
    if ((e.generalPurposeBitFlag & 0x1) !== 0) problem({ file: name, message: 'encrypted entries are not allowed' });
    if (name.endsWith('/') || bad || unixMode === 0o120000) continue;
    if (e.compressionMethod === 0 && e.compressedSize !== e.uncompressedSize) problem({ file: name, message: `stored entry of ${e.compressedSize} bytes says it expands to ${e.uncompressedSize}` });
    entries.set(name, { offset: e.relativeOffsetOfLocalHeader, compressedSize: e.compressedSize, size: e.uncompressedSize, method: e.compressionMethod, crc32: e.crc32 });
  }
  return entries;
}
