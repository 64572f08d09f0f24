// Offline verification of a stored ledger: every body, hash, checkpoint signature and root, re-derived from the bytes.
import { canonicalString, parseJsonBytes } from './canonical.js';
import { Frontier, leafHash } from './merkle.js';
import { openCheckpoint, type NoteVerifier } from './note.js';
import { sha256Hex, type EvidenceStore, type StoredCheckpoint, type StoredLeaf } from './store.js';
import { LEAF_CATALOGUE, leafProblem, type LeafCatalogue } from './leaf-catalogue.js';
import { storeKeyChain } from './rotation.js';

export const LEAF_FORMAT_VERSION = 1;
const MAX_FAULTS = 1000;
const PROGRESS_EVERY = 1_000;

export interface VerifyReport {
  ok: boolean;
  size: number;
  checkpointsChecked: number;
  lastCheckpointSize: number;
  uncoveredLeaves: number;
  /** Blobs read back, decoded and re-hashed (when the store can list them). */
  blobsChecked?: number;
  firstBadSeq?: number;
  /** The signing keys: the genesis key, the key signing now, and the rotations between them (rotation.ts). */
  keys?: { genesis: { keyId: string; fingerprint: string }; current: { keyId: string; fingerprint: string }; rotations: number };
  /** `code` names a key-chain fault: ROTATION_BAD_SIGNATURE, KEY_NOT_INTRODUCED, … (rotation.ts). */
  faults: Array<{ code?: string; seq?: number; checkpointSize?: number; blob?: string; message: string }>;
}

/** Whose ledger this is: checkpoints must carry this origin and verify with this key; the genesis must name them. */
export interface LedgerIdentity {
  origin: string;
  /** Hex signed-note key ID of the key in keys/: it must be the genesis key or one a rotation introduced. */
  keyId: string;
  verifier: NoteVerifier;
}

/**
 * Re-derives everything from the stored bytes: each body canonical and consistent with its columns, each hash,
 * every checkpoint's signature and root. Keeps going after a fault and reports them all (up to 1000).
 */
export async function verifyStore(
  store: EvidenceStore,
  ledger: LedgerIdentity,
  opts: { /** Leaves checked so far, of `total`. */ onProgress?: (done: number, total: number) => void; /** @defaultValue LEAF_CATALOGUE */ catalogue?: LeafCatalogue } = {},
): Promise<VerifyReport> {
  const catalogue = opts.catalogue ?? LEAF_CATALOGUE;
  const faults: VerifyReport['faults'] = [];
  let dropped = 0;
  let firstBad: number | undefined;
  // Seqs known bad exactly (a body that disagrees with its own hash or envelope), as opposed to a checkpoint range.
  const exactBad: number[] = [];
  const fault = (f: { code?: string; seq?: number; checkpointSize?: number; blob?: string; message: string }, badSeq?: number): void => {
    if (badSeq !== undefined && (firstBad === undefined || badSeq < firstBad)) firstBad = badSeq;
    if (f.seq !== undefined && badSeq === f.seq) exactBad.push(f.seq);
    if (faults.length < MAX_FAULTS) faults.push(f);
    else dropped++;
  };

  // The keys checkpoints may be signed by: the genesis key and each key a rotation signed by its predecessor introduced.
  const { chain, faults: chainFaults } = await storeKeyChain(store, ledger.origin);
  for (const cf of chainFaults) fault(cf, cf.seq);
  if (chain !== undefined && chain.find(ledger.keyId) === undefined) {
    fault({ code: 'KEY_NOT_INTRODUCED', message: `the ledger key in keys/ (key ${ledger.keyId}) is neither the genesis key nor one a rotation introduced` });
  }
  const checkpoints = await store.checkpoints();
  const bySize = new Map<number, StoredCheckpoint>();
  let prevSize = -1;
  for (const cp of checkpoints) {
    if (cp.size <= prevSize) fault({ checkpointSize: cp.size, message: `checkpoint ${cp.size} was written after checkpoint ${prevSize}: checkpoints must grow` });
    prevSize = Math.max(prevSize, cp.size);
    try {
      const opened = chain === undefined ? { body: openCheckpoint(cp.note, [ledger.verifier], ledger.origin) } : chain.openAt(cp.note, cp.size);
      if ('problem' in opened) {
        fault({ ...(opened.problem.code === 'SIGNATURE' ? {} : { code: opened.problem.code }), checkpointSize: cp.size, message: opened.problem.message });
        continue;
      }
      const body = opened.body;
      if (body.size !== cp.size) fault({ checkpointSize: cp.size, message: `checkpoint ${cp.size}: signed note says size ${body.size}` });
      if (!body.root.equals(cp.root)) fault({ checkpointSize: cp.size, message: `checkpoint ${cp.size}: signed note root differs from the stored root` });
      bySize.set(body.size, { ...cp, root: body.root });
    } catch (e) {
      fault({ checkpointSize: cp.size, message: `checkpoint ${cp.size}: ${(e as Error).message}` });
    }
  }
  const sizes = [...bySize.keys()].sort((a, b) => a - b);

  const total = await store.leafCount();
  const f = new Frontier();
  let lastGoodCheckpoint = 0;
  let checked = 0;
  let expected = 0;
  for await (const l of store.leaves({ toSeq: total - 1 })) {
    if (l.seq !== expected) {
      fault({ seq: expected, message: `leaves ${expected}..${l.seq - 1} are missing` }, expected);
      break;
    }
    const hash = leafHash(l.body);
    if (!hash.equals(l.leafHash)) fault({ seq: l.seq, message: `leaf ${l.seq}: body does not match its stored leaf hash` }, l.seq);
    checkBody(l, { origin: ledger.origin, keyId: chain?.root.keyId ?? ledger.keyId }, catalogue, fault);
    f.append(hash);
    expected++;
    const cp = bySize.get(f.size);
    if (cp !== undefined) {
      checked++;
      if (!cp.root.equals(f.root())) {
        // A leaf already named exactly inside this range explains the mismatch; only otherwise is the range start the best we know.
        const explained = exactBad.some((b) => b >= lastGoodCheckpoint && b < cp.size);
        fault(
          { checkpointSize: cp.size, message: `checkpoint ${cp.size}: recomputed root differs; the leaves in seq ${lastGoodCheckpoint}..${cp.size - 1} no longer match what was signed` },
          explained ? undefined : lastGoodCheckpoint,
        );
      } else {
        lastGoodCheckpoint = cp.size;
      }
    }
    if (opts.onProgress !== undefined && expected % PROGRESS_EVERY === 0) opts.onProgress(expected, total);
  }
  const size = f.size;
  for (const s of sizes) {
    if (s > size) fault({ checkpointSize: s, message: `checkpoint ${s} covers more leaves than the ${size} stored: leaves ${size}..${s - 1} are missing` }, size);
  }
  if (sizes.includes(0)) checked++;
  // Blobs are not in the tree but leaves cite them by hash: each is decoded and re-hashed, so a damaged row is named here
  // rather than when an export or a report first needs it.
  let blobsChecked: number | undefined;
  if (store.blobHashes !== undefined) {
    blobsChecked = 0;
    for await (const sha of store.blobHashes()) {
      blobsChecked++;
      try {
        const b = await store.getBlob(sha);
        if (b !== undefined && sha256Hex(b.data) !== sha) fault({ blob: sha, message: `blob ${sha}: stored bytes no longer match its hash` });
      } catch (e) {
        fault({ blob: sha, message: (e as Error).message.includes(sha) ? (e as Error).message : `blob ${sha}: ${(e as Error).message}` });
      }
    }
  }
  if (size === 0) fault({ message: 'the ledger holds no leaves (no genesis)' });
  opts.onProgress?.(size, total);
  if (dropped > 0) faults.push({ message: `${dropped} more faults not listed` });
  const lastCheckpointSize = checkpoints.reduce((m, c) => Math.max(m, c.size), 0);
  const report: VerifyReport = {
    ok: faults.length === 0,
    size,
    checkpointsChecked: checked,
    lastCheckpointSize,
    uncoveredLeaves: Math.max(0, size - lastCheckpointSize),
    ...(blobsChecked !== undefined ? { blobsChecked } : {}),
    ...(chain !== undefined
      ? { keys: { genesis: { keyId: chain.root.keyId, fingerprint: chain.root.fingerprint }, current: { keyId: chain.current.keyId, fingerprint: chain.current.fingerprint }, rotations: chain.steps.length } }
      : {}),
    faults,
  };
  if (firstBad !== undefined) report.firstBadSeq = firstBad;
  return report;
}

function checkBody(l: StoredLeaf, ledger: { origin: string; keyId: string }, catalogue: LeafCatalogue, fault: (f: { seq?: number; message: string }, badSeq?: number) => void): void {
  let body: Record<string, unknown>;
  try {
    const parsed = parseJsonBytes(l.body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    body = parsed as Record<string, unknown>;
  } catch (e) {
    fault({ seq: l.seq, message: `leaf ${l.seq}: body is not a UTF-8 JSON object (${(e as Error).message})` }, l.seq);
    return;
  }
  let canonical = false;
  try {
    canonical = canonicalString(body) === l.body.toString('utf8');
  } catch {
    canonical = false;
  }
  if (!canonical) fault({ seq: l.seq, message: `leaf ${l.seq}: body is not in RFC 8785 canonical form` }, l.seq);
  const mismatch = (field: string, column: unknown, value: unknown): void => {
    if ((value ?? null) !== column) fault({ seq: l.seq, message: `leaf ${l.seq}: body ${field} ${JSON.stringify(value)} disagrees with the stored ${field} ${JSON.stringify(column)}` }, l.seq);
  };
  if (body.v !== LEAF_FORMAT_VERSION) fault({ seq: l.seq, message: `leaf ${l.seq}: unknown envelope version ${JSON.stringify(body.v)}` }, l.seq);
  mismatch('seq', l.seq, body.seq);
  mismatch('type', l.type, body.type);
  mismatch('observedAt', l.observedAt, body.observedAt);
  mismatch('source', l.source, body.source);
  mismatch('scope', l.scope, body.scope);
  mismatch('idempotencyKey', l.idempotencyKey, body.idempotencyKey);
  // Intact but not a leaf Vigil writes (an unknown type, a body its schema refuses): named, though not a broken hash.
  const problem = leafProblem(body, catalogue);
  if (problem !== undefined) fault({ seq: l.seq, message: `leaf ${l.seq}: ${problem.message}` });
  if (l.seq === 0) {
    if (body.type !== 'ledger.genesis') fault({ seq: 0, message: 'leaf 0 is not ledger.genesis' }, 0);
    else if (body.keyId !== ledger.keyId || body.origin !== ledger.origin) fault({ seq: 0, message: `genesis records key ${String(body.keyId)} for ${String(body.origin)}, not ${ledger.keyId} for ${ledger.origin}` }, 0);
  }
}
