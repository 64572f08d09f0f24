// Reads the roster's bytes from a file or an HTTPS URL, bounded in size and time; URLs are redacted before any message.
import { open } from 'node:fs/promises';
import type { CollectionError, FailureCause } from '../../src/core/types.js';
import { RETRYABLE_CAUSES, redactSecrets } from '../../src/core/errors.js';
import { causeOfStatus, classifyFailure } from '../../src/core/failure.js';

export const READ_OPERATION = 'hris:ReadRoster';
export const PARSE_OPERATION = 'hris:ParseRoster';
export const EMPLOYEE_TYPE = 'hris.employee';

/** A URL fit for logs and evidence: no user or password, every query value replaced (export links carry tokens there). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    for (const k of [...new Set(u.searchParams.keys())]) u.searchParams.set(k, 'REDACTED');
    return u.toString().replace(/REDACTED/g, '…');
  } catch {
    return '(unparseable URL)';
  }
}

/** A failed read, as the run will record it. */
export class RosterReadError extends Error {
  constructor(readonly code: string, message: string, readonly cause_: FailureCause) {
    super(message);
    this.name = 'RosterReadError';
  }
}

export function readError(e: unknown, where: string): CollectionError {
  const r = e instanceof RosterReadError ? e : undefined;
  const cause = r?.cause_ ?? classifyFailure(e);
  const detail = (e as Error)?.message ?? String(e);
  return {
    operation: READ_OPERATION, code: r?.code ?? `Hris${cause.replace(/(^|_)(\w)/g, (_m, _u, c: string) => c.toUpperCase())}`,
    message: redactSecrets(r ? detail : `${where}: ${detail}`), inputs: [EMPLOYEE_TYPE], cause, retryable: RETRYABLE_CAUSES.includes(cause),
  };
}

/** The roster's bytes and when its source says they were last changed (file mtime, HTTP Last-Modified), when it says. */
export interface RosterBytes {
  bytes: Buffer;
  modifiedAt: Date | null;
}

/** Reads a whole file, refusing one larger than `maxBytes` (checked on the bytes read, not only on the size stat reports). */
export async function readRosterFile(path: string, maxBytes: number): Promise<RosterBytes> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new RosterReadError('HrisFileNotFound', `${path}: no such file (sources.hris.file)`, 'not_found');
    if (code === 'EACCES' || code === 'EPERM') throw new RosterReadError('HrisFileUnreadable', `${path}: permission denied reading the roster`, 'denied');
    if (code === 'EISDIR') throw new RosterReadError('HrisFileUnreadable', `${path}: is a folder, not the roster file`, 'malformed');
    throw e;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new RosterReadError('HrisTooLarge', `${path}: larger than maxBytes (${maxBytes} bytes); raise sources.hris.maxBytes if the roster is really this big`, 'malformed');
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    return { bytes: Buffer.concat(chunks), modifiedAt: (await fh.stat()).mtime };
  } finally {
    await fh.close();
  }
}

/**
 * GETs the roster: status 200 only (redirects followed only to HTTPS), HTML refused, body bounded by `maxBytes` and
 * the whole exchange by `timeoutMs` and the run's signal. Errors name the redacted URL.
 */
export async function fetchRoster(url: string, opts: { headers: Record<string, string>; maxBytes: number; timeoutMs: number; signal?: AbortSignal }): Promise<RosterBytes> {
  const shown = redactUrl(url);
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  const signal = AbortSignal.any(signals);
  try {
    const res = await fetch(url, { headers: { accept: 'text/csv, text/plain;q=0.5', ...opts.headers }, signal, redirect: 'follow' });
    if (res.url && !/^https:|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(res.url)) {
      await res.body?.cancel();
      throw new RosterReadError('HrisInsecureRedirect', `GET ${shown} redirected to a non-HTTPS URL; refused`, 'malformed');
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RosterReadError(`HrisHttp${res.status}`, `GET ${shown} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}, not 200`, causeOfStatus(res.status) ?? 'malformed');
    }
    const type = res.headers.get('content-type') ?? '';
    if (/html/i.test(type)) {
      await res.body?.cancel();
      throw new RosterReadError('HrisNotCsv', `GET ${shown} answered ${type}, not CSV (a sign-in page?)`, 'malformed');
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      await res.body?.cancel();
      throw new RosterReadError('HrisTooLarge', `GET ${shown}: ${declared} bytes, larger than maxBytes (${opts.maxBytes})`, 'malformed');
    }
    if (!res.body) throw new RosterReadError('HrisEmptyReply', `GET ${shown} answered 200 with no body`, 'malformed');
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > opts.maxBytes) throw new RosterReadError('HrisTooLarge', `GET ${shown}: more than maxBytes (${opts.maxBytes}) bytes`, 'malformed');
      chunks.push(Buffer.from(chunk));
    }
    if (Number.isFinite(declared) && res.headers.get('content-length') !== null && total !== declared) {
      throw new RosterReadError('HrisTruncated', `GET ${shown}: ${total} bytes received of the ${declared} announced`, 'incomplete');
    }
    const lastModified = res.headers.get('last-modified');
    const modified = lastModified === null ? NaN : Date.parse(lastModified);
    return { bytes: Buffer.concat(chunks), modifiedAt: Number.isNaN(modified) ? null : new Date(modified) };
  } catch (e) {
    if (e instanceof RosterReadError) throw e;
    const timedOut = signals[0]!.aborted || (e as Error)?.name === 'TimeoutError';
    const cause = timedOut ? 'timeout' : classifyFailure(e);
    // fetch's own messages may quote the URL: say what happened in our words, with the redacted URL only.
    const why = timedOut ? `no complete reply within ${opts.timeoutMs} ms` : opts.signal?.aborted ? 'the collection was cut short' : `${(e as Error)?.name ?? 'Error'} ${(e as { cause?: { code?: string } })?.cause?.code ?? ''}`.trim();
    throw new RosterReadError(timedOut ? 'HrisTimeout' : cause === 'unreachable' ? 'HrisUnreachable' : 'HrisFetchFailed', `GET ${shown}: ${why}`, cause);
  }
}
