// Appending, before storage: what callers hand the ledger, how it is checked, and how a batch becomes numbered leaf rows.
import { AppError } from '../core/errors.js';
import { canonicalBytes } from './canonical.js';
import { checkLeafInput, ENVELOPE_FIELDS, ledgerOwnedTypes, type LeafAuthor, type LeafCatalogue, type LeafInput } from './leaf-catalogue.js';
import { leafHash, type Frontier } from './merkle.js';
import { formatVkey } from './note.js';
import { LEAF_FORMAT_VERSION } from './verify.js';
import type { StoredLeaf } from './store.js';

export type { LeafInput } from './leaf-catalogue.js';

/** An input as the ledger handles it once its type is no longer needed: the envelope and untyped data. */
export interface RawLeafInput {
  type: string;
  idempotencyKey?: string;
  source?: string;
  scope?: string;
  data: Record<string, unknown>;
}

export interface AppendedLeaf {
  seq: number;
  type: string;
  /** Hex leaf hash. */
  hash: string;
  duplicate: boolean;
}

/** Envelope fields the ledger sets itself; `data` may not carry them. */
const RESERVED_FIELDS = ENVELOPE_FIELDS;

/**
 * Refuses an input the envelope cannot carry, a type the catalogue does not list or `author` may not append, and data
 * that does not match its type's schema, naming the input by its index in the batch. `author` `ledger`: the ledger's
 * own leaves (genesis, alarm, day seal), which no caller may append, so their meaning cannot be forged through append().
 */
export function validateInput(input: RawLeafInput, index: number, author: LeafAuthor, catalogue: LeafCatalogue): RawLeafInput {
  const where = `leaf input ${index}`;
  if (typeof input !== 'object' || input === null) throw new AppError('LEDGER_BAD_LEAF', `${where} is not an object`);
  if (typeof input.type !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(input.type)) {
    throw new AppError('LEDGER_BAD_LEAF', `${where}: type must be 1-128 characters of letters, digits, '.', '_', ':' or '-'`);
  }
  if (author !== 'ledger' && (ledgerOwnedTypes(catalogue).has(input.type) || input.type.startsWith('ledger.'))) {
    throw new AppError('LEDGER_BAD_LEAF', `${where}: type ${input.type} is written only by the ledger itself`);
  }
  for (const f of ['idempotencyKey', 'source', 'scope'] as const) {
    const v = input[f];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 1024)) {
      throw new AppError('LEDGER_BAD_LEAF', `${where}: ${f} must be a non-empty string of at most 1024 characters`);
    }
  }
  const data = input.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new AppError('LEDGER_BAD_LEAF', `${where}: data must be an object`);
  for (const k of Object.keys(data)) {
    if (RESERVED_FIELDS.has(k)) throw new AppError('LEDGER_BAD_LEAF', `${where}: data.${k} is an envelope field the ledger sets itself`);
  }
  checkLeafInput(input.type, data as Record<string, unknown>, author, where, catalogue);
  return input;
}

function buildBody(l: RawLeafInput, seq: number, observedAt: string, index: number): Buffer {
  const body: Record<string, unknown> = { v: LEAF_FORMAT_VERSION, seq, type: l.type, observedAt, ...l.data };
  if (l.source !== undefined) body.source = l.source;
  if (l.scope !== undefined) body.scope = l.scope;
  if (l.idempotencyKey !== undefined) body.idempotencyKey = l.idempotencyKey;
  return canonicalBytes(body, `leaf input ${index}`);
}

/**
 * Numbers a checked batch after `frontier` (left untouched): rows to store, one result per input, and the tree as it
 * will be. A key already stored (`existing`) or seen earlier in the batch is a duplicate; a duplicate of an earlier
 * batch comes back with an empty `hash` for the caller to fill from the stored leaf.
 */
export function planAppend(
  prepared: readonly RawLeafInput[],
  existing: ReadonlyMap<string, number>,
  frontier: Frontier,
  observedAt: string,
): { rows: StoredLeaf[]; out: AppendedLeaf[]; next: Frontier } {
  const next = frontier.clone();
  const rows: StoredLeaf[] = [];
  const inBatch = new Map<string, AppendedLeaf>();
  const out: AppendedLeaf[] = [];
  for (const [i, p] of prepared.entries()) {
    const k = p.idempotencyKey;
    if (k !== undefined) {
      const stored = existing.get(k);
      if (stored !== undefined) {
        out.push({ seq: stored, type: p.type, hash: '', duplicate: true });
        continue;
      }
      const earlier = inBatch.get(k);
      if (earlier !== undefined) {
        out.push({ ...earlier, duplicate: true });
        continue;
      }
    }
    const seq = next.size;
    const body = buildBody(p, seq, observedAt, i);
    const hash = leafHash(body);
    next.append(hash);
    rows.push({ seq, leafHash: hash, body, type: p.type, observedAt, idempotencyKey: k ?? null, source: p.source ?? null, scope: p.scope ?? null });
    const appended: AppendedLeaf = { seq, type: p.type, hash: hash.toString('hex'), duplicate: false };
    if (k !== undefined) inBatch.set(k, appended);
    out.push(appended);
  }
  return { rows, out, next };
}

/** Seq 0 of a new ledger: everything a verifier needs to know how to read the rest, and which key signs it. */
export function genesisLeaf(g: { origin: string; ledgerId: string | null; keyId: string; rawPublicKey: Buffer }): LeafInput<'ledger.genesis'> {
  return {
    type: 'ledger.genesis',
    idempotencyKey: 'ledger.genesis',
    data: {
      format: 'vigil-ledger/v1',
      origin: g.origin,
      ledgerId: g.ledgerId,
      tree: 'rfc6962-sha256',
      leafEncoding: 'rfc8785-jcs-utf8',
      checkpointFormat: 'c2sp-tlog-checkpoint+signed-note-ed25519',
      keyId: g.keyId,
      publicKey: g.rawPublicKey.toString('base64'),
      vkey: formatVkey(g.origin, g.rawPublicKey),
    },
  };
}
