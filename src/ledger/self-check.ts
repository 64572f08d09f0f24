// The ledger's startup self-check: rebuild the tree from storage and compare it with what was signed.
import { parseJsonBytes } from './canonical.js';
import { Frontier, leafHash } from './merkle.js';
import { openCheckpoint, type NoteVerifier } from './note.js';
import type { EvidenceStore, StoredLeaf } from './store.js';
import type { ProgressListener } from '../core/progress.js';

export interface SelfCheckIdentity {
  origin: string;
  /** Hex key ID the genesis leaf must name. */
  keyId: string;
  verifier: NoteVerifier;
  /** The key a checkpoint of this size is signed by (after key rotations, rotation.ts); @defaultValue `verifier` */
  verifierAt?: (size: number) => NoteVerifier;
}

export interface SelfCheckResult {
  /** The tree over the leaves as stored. */
  frontier: Frontier;
  /** The last signed checkpoint, if any. */
  last: { size: number; root: Buffer } | undefined;
  /** Fewer leaves are stored than were signed. */
  truncated: boolean;
  /** The alarm to raise, with its details, or undefined when storage agrees with every signature. */
  alarm: { message: string; details: Record<string, unknown> } | undefined;
}

/**
 * Reads the store once. `full` re-hashes every body (and checks the genesis leaf names this key); `hashes` only refolds
 * the stored hashes. Every checkpoint met on the way must match the rebuilt root; the last one's signature must verify.
 */
export async function selfCheck(store: EvidenceStore, id: SelfCheckIdentity, mode: 'full' | 'hashes', progress?: ProgressListener): Promise<SelfCheckResult> {
  const checkpoints = await store.checkpoints();
  const bySize = new Map(checkpoints.map((c) => [c.size, c]));
  const problems: string[] = [];
  let firstBad: number | undefined;
  const bad = (seq: number, message: string): void => {
    if (firstBad === undefined || seq < firstBad) firstBad = seq;
    if (problems.length < 10) problems.push(message);
  };
  const f = new Frontier();
  const checkAt = (): void => {
    const cp = bySize.get(f.size);
    if (cp !== undefined && !cp.root.equals(f.root())) {
      problems.push(`stored leaves no longer match the checkpoint signed at size ${cp.size}`);
    }
  };
  let expected = 0;
  const total = progress ? await store.leafCount() : 0;
  const source: AsyncIterable<{ seq: number; leafHash: Buffer; body?: Buffer }> = mode === 'full' ? store.leaves() : store.leafHashes();
  for await (const l of source) {
    if (l.seq !== expected) {
      bad(expected, `leaf ${expected} is missing`);
      break;
    }
    if (l.body !== undefined) {
      if (!leafHash(l.body).equals(l.leafHash)) bad(l.seq, `leaf ${l.seq} body does not match its stored hash`);
      if (l.seq === 0) checkGenesis(l as StoredLeaf, id, bad);
    }
    f.append(l.leafHash);
    checkAt();
    expected++;
    progress?.({ phase: 'self-check', unit: 'leaves', done: expected, total });
  }
  const lastCp = checkpoints[checkpoints.length - 1];
  let truncated = false;
  let last: SelfCheckResult['last'];
  if (lastCp !== undefined) {
    if (lastCp.size > f.size) {
      problems.push(`the last signed checkpoint covers ${lastCp.size} leaves but only ${f.size} are stored (truncated)`);
      truncated = true;
    }
    try {
      const body = openCheckpoint(lastCp.note, [id.verifierAt?.(lastCp.size) ?? id.verifier], id.origin);
      if (body.size !== lastCp.size || !body.root.equals(lastCp.root)) problems.push(`checkpoint ${lastCp.size}: signed note disagrees with its stored size/root`);
    } catch (e) {
      problems.push(`checkpoint ${lastCp.size}: ${(e as Error).message}`);
    }
    last = { size: lastCp.size, root: lastCp.root };
  }
  let alarm: SelfCheckResult['alarm'];
  if (problems.length > 0 || firstBad !== undefined) {
    const where = firstBad === undefined ? '' : ` (first bad seq ${firstBad})`;
    alarm = {
      message: `ledger self-check failed${where}: ${problems.join('; ')}`,
      details: { firstBadSeq: firstBad ?? null, lastCheckpointSize: lastCp?.size ?? null, storedLeaves: f.size },
    };
  }
  return { frontier: f, last, truncated, alarm };
}

function checkGenesis(l: StoredLeaf, id: SelfCheckIdentity, bad: (seq: number, message: string) => void): void {
  try {
    const g = parseJsonBytes(l.body) as Record<string, unknown>;
    if (g.type !== 'ledger.genesis') bad(0, 'leaf 0 is not ledger.genesis');
    else if (g.keyId !== id.keyId || g.origin !== id.origin) bad(0, `signing key ${id.keyId} for ${id.origin} is not the key recorded in the genesis leaf`);
  } catch {
    bad(0, 'leaf 0 is not valid JSON');
  }
}
