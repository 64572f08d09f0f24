// Submits a signed checkpoint to one witness (C2SP tlog-witness) and returns its verified cosignature; retries what may pass later.
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/collector.js';
import { parseCheckpoint, parseSignedNote } from '../ledger/note.js';
import { CosignatureError, cosignaturesBy, parseCosignatureVkey, type WitnessKey } from './cosignature.js';

/** One witness as the agent is configured with it. */
export interface WitnessEndpoint {
  /** Submission prefix: the request goes to `<url>/add-checkpoint`. */
  url: string;
  /** The witness's cosignature/v1 vkey (`vigil witness key` prints it). */
  vkey: string;
}

/** Gives the RFC 6962 consistency proof between two sizes of the log (empty when `from` is 0 or equals `to`). */
export type ConsistencyProofSource = (fromSize: number, toSize: number) => Promise<readonly Uint8Array[]>;

export interface SubmitCheckpointOptions {
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Time for one request, answer included. @defaultValue 10000 */
  timeoutMs?: number;
  /** Requests in all, 409 re-tries with the witness's size included. @defaultValue 5 */
  maxAttempts?: number;
  /** First back-off after a 5xx, 429, timeout or network error; doubled each time, with jitter. @defaultValue 500 */
  backoffMs?: number;
  /** @defaultValue 30000 */
  maxBackoffMs?: number;
  /** Waits between attempts; injected so tests need not let time pass. @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** Cancels the whole submission (shutdown). */
  signal?: AbortSignal;
  logger?: Logger;
}

export interface CosignResult {
  witness: string;
  keyId: string;
  /** The cosignature line (no newline), ready to append to the checkpoint's signature block. */
  cosignature: string;
  /** POSIX seconds the witness put in its cosignature. */
  timestamp: number;
  /** The size the witness now holds for this log: the next submission's old size. */
  size: number;
  attempts: number;
}

export type WitnessFailure =
  | 'unknown-origin'
  | 'bad-log-signature'
  | 'bad-proof'
  | 'fork'
  | 'witness-ahead'
  | 'malformed-request'
  | 'bad-cosignature'
  | 'unavailable'
  | 'unexpected-answer';

/** A submission that failed; `kind` says why, `retryable` whether a later try may pass. */
export class WitnessError extends AppError {
  constructor(
    readonly kind: WitnessFailure,
    message: string,
    opts: { retryable?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(`WITNESS_${kind.toUpperCase().replace(/-/g, '_')}`, message, { retryable: opts.retryable ?? false, cause: opts.cause });
    this.name = 'WitnessError';
    this.status = opts.status;
  }
  readonly status: number | undefined;
}

/** The add-checkpoint body: `old N`, one base64 hash a line, an empty line, then the signed note. */
export function addCheckpointBody(oldSize: number, proof: readonly Uint8Array[], checkpointNote: string): string {
  return `old ${oldSize}\n${proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${checkpointNote}`;
}

const MAX_ANSWER_BYTES = 64 * 1024;

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new WitnessError('unexpected-answer', `witness answer is over ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Submits `checkpointNote` (signed by the log) to one witness, starting from `oldSize` (the size this witness last
 * cosigned, or 0 when unknown), and returns the witness's cosignature verified against its vkey. On 409 it re-reads the
 * witness's size and retries with a proof from there; 5xx, 429, timeouts and network errors are retried with
 * exponential back-off up to `maxAttempts`. Everything else fails at once with a WitnessError naming the cause.
 */
export async function submitCheckpoint(
  endpoint: WitnessEndpoint,
  checkpointNote: string,
  oldSize: number,
  getProof: ConsistencyProofSource,
  opts: SubmitCheckpointOptions = {},
): Promise<CosignResult> {
  const key = parseCosignatureVkey(endpoint.vkey);
  const cp = parseCheckpoint(parseSignedNote(checkpointNote).text, { allowExtensions: true });
  const doFetch = opts.fetch ?? globalThis.fetch;
  const maxAttempts = opts.maxAttempts ?? 5;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const target = `${endpoint.url.replace(/\/+$/, '')}/add-checkpoint`;
  let old = Math.min(oldSize, cp.size);
  let backoff = opts.backoffMs ?? 500;
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    opts.signal?.throwIfAborted();
    const body = addCheckpointBody(old, await getProof(old, cp.size), checkpointNote);
    let res: Response;
    let answer: string;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(opts.timeoutMs ?? 10_000), ...(opts.signal ? [opts.signal] : [])]);
      res = await doFetch(target, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal });
      answer = await readCapped(res);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      lastError = e;
      opts.logger?.warn({ witness: key.name, attempt, err: (e as Error).message }, 'witness unreachable; will retry');
      if (attempt < maxAttempts) await pause();
      continue;
    }
    if (res.status === 200) return { ...cosignatureIn(answer, checkpointNote, key), size: cp.size, attempts: attempt };
    if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith('text/x.tlog.size')) {
      const held = /^(0|[1-9][0-9]*)\n?$/.exec(answer);
      if (held === null) throw new WitnessError('unexpected-answer', `witness ${key.name} answered 409 with a size body that is not a decimal size`, { status: 409 });
      const heldSize = Number(held[1]);
      if (heldSize > cp.size) {
        throw new WitnessError('witness-ahead', `witness ${key.name} already cosigned size ${heldSize} of ${cp.origin}, larger than this checkpoint (${cp.size}): submit the latest checkpoint`, { status: 409 });
      }
      if (heldSize === old) throw new WitnessError('unexpected-answer', `witness ${key.name} refused old size ${old} yet reports holding it`, { status: 409 });
      opts.logger?.info({ witness: key.name, sent: old, held: heldSize }, 'witness holds another size; retrying with a proof from it');
      old = heldSize;
      lastError = new WitnessError('unavailable', `witness ${key.name} kept answering 409 (its size changed under us)`, { status: 409, retryable: true });
      continue;
    }
    if (res.status >= 500 || res.status === 429) {
      lastError = new WitnessError('unavailable', `witness ${key.name} answered ${res.status}: ${answer.trim().slice(0, 200)}`, { status: res.status, retryable: true });
      opts.logger?.warn({ witness: key.name, attempt, status: res.status }, 'witness failed; will retry');
      if (attempt < maxAttempts) await pause();
      continue;
    }
    throw refusal(key.name, cp, old, res.status, answer.trim().slice(0, 300));
  }
  if (lastError instanceof WitnessError) throw lastError;
  throw new WitnessError('unavailable', `witness ${key.name} at ${endpoint.url} did not answer after ${maxAttempts} attempts: ${(lastError as Error | undefined)?.message ?? 'no answer'}`, {
    retryable: true,
    cause: lastError,
  });

  async function pause(): Promise<void> {
    const wait = Math.min(backoff, opts.maxBackoffMs ?? 30_000);
    backoff *= 2;
    await sleep(Math.round(wait * (0.5 + random() / 2)));
  }
}

/** The witness's cosignature in a 200 answer, verified; other keys' lines are ignored, as tlog-witness requires. */
function cosignatureIn(answer: string, checkpointNote: string, key: WitnessKey): Omit<CosignResult, 'size' | 'attempts'> {
  const lines = answer.split('\n').filter((l) => l !== '');
  let found;
  try {
    found = cosignaturesBy(checkpointNote, lines, key);
  } catch (e) {
    if (e instanceof CosignatureError) throw new WitnessError('bad-cosignature', `witness ${key.name}: ${e.message}`, { status: 200 });
    throw e;
  }
  const first = found[0];
  if (first === undefined) throw new WitnessError('bad-cosignature', `witness ${key.name} answered 200 without a cosignature by its key ${key.keyId.toString('hex')}`, { status: 200 });
  return { witness: first.name, keyId: first.keyId, cosignature: first.line, timestamp: first.timestamp };
}

function refusal(name: string, cp: { origin: string; size: number }, old: number, status: number, why: string): WitnessError {
  const say = why === '' ? '' : `: ${why}`;
  switch (status) {
    case 404:
      return new WitnessError('unknown-origin', `witness ${name} does not cosign log ${cp.origin} (404)${say}`, { status });
    case 403:
      return new WitnessError('bad-log-signature', `witness ${name} does not accept the log's signature on checkpoint ${cp.size} (403)${say}`, { status });
    case 422:
      return new WitnessError('bad-proof', `witness ${name} refused the consistency proof ${old} → ${cp.size} (422): the log is not an extension of what it cosigned${say}`, { status });
    case 409:
      return new WitnessError('fork', `witness ${name} cosigned another root at size ${cp.size} (409): the log forked${say}`, { status });
    case 400:
    case 413:
      return new WitnessError('malformed-request', `witness ${name} refused the request as malformed (${status})${say}`, { status });
    default:
      return new WitnessError('unexpected-answer', `witness ${name} answered ${status}${say}`, { status });
  }
}
