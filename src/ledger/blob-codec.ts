// How blobs are kept at rest: brotli when it saves space, decoded and re-checked against their SHA-256 on the way out.
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, inflateRaw, gunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.js';

/**
 * `identity`: the bytes as given. `br`: brotli. Results blobs are sorted JSON with long repeated ids; measured on a
 * 2 MB one, brotli quality 5 keeps 1/77 of it in ~20 ms and decodes in ~5 ms, where deflate keeps 1/45 and decodes
 * slower. `deflate` and `gzip` are read, never written, so a row written by another tool in those forms still decodes.
 */
export type BlobEncoding = 'identity' | 'br' | 'deflate' | 'gzip';
export const BLOB_ENCODINGS: readonly BlobEncoding[] = ['identity', 'br', 'deflate', 'gzip'];

/** Below this a blob is stored as is: the saving would not pay for the decode. */
export const MIN_COMPRESS_BYTES = 512;
const BROTLI_QUALITY = 5;

const brotli = promisify(brotliCompress);
const unbrotli = promisify(brotliDecompress);
const inflate = promisify(inflateRaw);
const ungzip = promisify(gunzip);

/** The form to store `data` in: brotli unless that saves less than a tenth. Runs on the thread pool, off the event loop. */
export async function encodeBlob(data: Buffer): Promise<{ encoding: BlobEncoding; stored: Buffer }> {
  if (data.length < MIN_COMPRESS_BYTES) return { encoding: 'identity', stored: data };
  const packed = await brotli(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
  return packed.length <= data.length * 0.9 ? { encoding: 'br', stored: packed } : { encoding: 'identity', stored: data };
}

/**
 * The original bytes of a stored blob. A row whose encoding is unknown, that does not decode, or whose decoded bytes
 * do not hash to its name is reported as LEDGER_BLOB_CORRUPT naming the blob — never returned.
 */
export async function decodeBlob(where: string, sha256: string, encoding: string, stored: Buffer, size: number): Promise<Buffer> {
  if (encoding === 'identity') return stored;
  let data: Buffer;
  try {
    if (encoding === 'br') data = await unbrotli(stored, { maxOutputLength: Math.max(size, 1) });
    else if (encoding === 'deflate') data = await inflate(stored, { maxOutputLength: Math.max(size, 1) });
    else if (encoding === 'gzip') data = await ungzip(stored, { maxOutputLength: Math.max(size, 1) });
    else throw new Error(`unknown encoding ${JSON.stringify(encoding)}`);
  } catch (cause) {
    throw new AppError('LEDGER_BLOB_CORRUPT', `stored blob ${sha256} in ${where} cannot be decoded (${encoding}): ${(cause as Error).message}`, {
      cause,
      remediation: 'run `vigil ledger verify`; restore the ledger database from a backup',
    });
  }
  if (data.length !== size || createHash('sha256').update(data).digest('hex') !== sha256) {
    throw new AppError('LEDGER_BLOB_CORRUPT', `stored blob ${sha256} in ${where} no longer matches its hash once decoded (${encoding}, ${data.length} of ${size} bytes)`, {
      remediation: 'run `vigil ledger verify`; restore the ledger database from a backup',
    });
  }
  return data;
}
