// The tlog-witness add-checkpoint decision, apart from HTTP: verify the log's signature and the consistency proof, persist, cosign.
import { NoteError, openNote, parseCheckpoint, parseSignedNote, strictBase64, type NoteVerifier } from '../ledger/note.js';
import { HASH_SIZE, verifyConsistency } from '../ledger/merkle.js';
import type { Logger } from '../core/collector.js';
import type { Cosigner } from './cosignature.js';
import type { WitnessStateStore } from './state.js';

/** tlog-witness: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;

/** An HTTP answer as the spec defines it: status, content type and body. */
export interface WitnessResponse {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: 'text/plain; charset=utf-8' | 'text/x.tlog.size';
  body: string;
}

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The signed checkpoint note, signature lines included. */
  note: string;
}

const text = (status: WitnessResponse['status'], body: string): WitnessResponse => ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` });

/** A body the spec calls malformed: answered 400 with the reason. */
export class MalformedRequest extends Error {}

/** Parses an add-checkpoint body: `old <size>` line, up to 63 base64 hash lines, an empty line, the checkpoint note. */
export function parseAddCheckpointBody(body: string): AddCheckpointRequest {
  const first = body.indexOf('\n');
  if (first < 0) throw new MalformedRequest('body must start with an "old <size>" line');
  const m = /^old (0|[1-9][0-9]*)$/.exec(body.slice(0, first));
  if (m === null) throw new MalformedRequest('first line must be "old <size>" (decimal, no leading zeros)');
  const oldSize = Number(m[1]);
  if (!Number.isSafeInteger(oldSize)) throw new MalformedRequest('old size is too large');
  const proof: Buffer[] = [];
  let at = first + 1;
  for (;;) {
    const end = body.indexOf('\n', at);
    if (end < 0) throw new MalformedRequest('no empty line between the proof and the checkpoint');
    const line = body.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw new MalformedRequest(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    const hash = strictBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE) throw new MalformedRequest(`consistency proof line ${proof.length + 1} is not base64 of a 32-byte hash`);
    proof.push(hash);
  }
  return { oldSize, proof, note: body.slice(at) };
}

export interface WitnessOptions {
  cosigner: Cosigner;
  /** The logs this witness cosigns: origin → the log keys it trusts for it. A witness cosigns no other log. */
  logs: ReadonlyMap<string, readonly NoteVerifier[]>;
  state: WitnessStateStore;
  /** POSIX seconds for cosignature timestamps. @defaultValue the system clock */
  now?: () => number;
  logger?: Logger;
}

/** One witness: decides add-checkpoint requests, one at a time per origin. */
export class Witness {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly opts: WitnessOptions) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  get cosigner(): Cosigner {
    return this.opts.cosigner;
  }

  /** Handles one add-checkpoint body; never throws for bad input, only for a failure to persist (a 5xx). */
  async addCheckpoint(body: string): Promise<WitnessResponse> {
    let req: AddCheckpointRequest;
    let noteText: string;
    let origin: string;
    try {
      req = parseAddCheckpointBody(body);
      noteText = parseSignedNote(req.note).text;
      origin = parseCheckpoint(noteText, { allowExtensions: true }).origin;
    } catch (e) {
      if (e instanceof MalformedRequest || e instanceof NoteError) return text(400, `malformed request: ${e.message}`);
      throw e;
    }
    const verifiers = this.opts.logs.get(origin);
    if (verifiers === undefined) return text(404, `unknown log origin ${JSON.stringify(origin)}: this witness cosigns only the logs it is configured for`);
    try {
      openNote(req.note, verifiers);
    } catch (e) {
      if (e instanceof NoteError) return text(403, `checkpoint signature: ${e.message}`);
      throw e;
    }
    // Check against the stored state and persist under one lock per origin, or two requests could roll the state back.
    return this.serialised(origin, () => this.decide(origin, req, noteText));
  }

  private async decide(origin: string, req: AddCheckpointRequest, noteText: string): Promise<WitnessResponse> {
    const cp = parseCheckpoint(noteText, { allowExtensions: true });
    if (req.oldSize > cp.size) return text(400, `old size ${req.oldSize} is larger than the checkpoint size ${cp.size}`);
    const held = this.opts.state.get(origin);
    const heldSize = held?.size ?? 0;
    if (req.oldSize !== heldSize) return { status: 409, contentType: 'text/x.tlog.size', body: `${heldSize}\n` };
    const heldRoot = held === undefined ? undefined : Buffer.from(held.root, 'base64');
    if (heldRoot !== undefined && cp.size === heldSize && !heldRoot.equals(cp.root)) {
      this.opts.logger?.warn({ origin, size: cp.size, held: held?.root, offered: cp.root.toString('base64') }, 'witness: log signed two roots for one size (fork)');
      return text(409, `fork: this witness cosigned size ${heldSize} with root ${held?.root}, not ${cp.root.toString('base64')}`);
    }
    if (heldRoot !== undefined && !verifyConsistency(heldSize, cp.size, req.proof, heldRoot, cp.root)) {
      this.opts.logger?.warn({ origin, from: heldSize, to: cp.size, checkpoint: req.note }, 'witness: consistency proof does not verify (possible fork)');
      return text(422, `consistency proof from size ${heldSize} to ${cp.size} does not verify`);
    }
    if (heldRoot === undefined && req.proof.length > 0) return text(422, 'consistency proof must be empty when the old size is 0');
    const timestamp = this.now();
    await this.opts.state.put({ origin, size: cp.size, root: cp.root.toString('base64'), checkpoint: req.note, cosignedAt: new Date(timestamp * 1000).toISOString() });
    return text(200, this.opts.cosigner.cosign(noteText, timestamp));
  }

  private async serialised<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(origin) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(origin, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(origin) === tail) this.locks.delete(origin);
    }
  }
}
