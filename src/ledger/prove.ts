// Proves one leaf is in the signed log by reading only the leaves between the two checkpoints around it.
import { Frontier, leafHash, EMPTY_ROOT } from './merkle.js';
import { openCheckpoint, type NoteVerifier } from './note.js';
import type { EvidenceStore, StoredCheckpoint, StoredLeaf } from './store.js';

export interface LeafProof {
  ok: boolean;
  seq: number;
  /** The leaf as stored (exact bytes), when it exists. */
  leaf?: StoredLeaf;
  /** Signed checkpoint sizes the proof runs between: the leaf's index is in [from, to). */
  from: number;
  to: number;
  /** Leaves re-hashed to connect the two signed roots. */
  leavesRead: number;
  problem?: string;
  /** The signed checkpoint at `to`, when the proof holds (so a caller need not read every checkpoint again). */
  checkpoint?: StoredCheckpoint;
}

/**
 * The checkpoint at or below `seq` carries the compact range (frontier) of its tree; its root must equal that
 * checkpoint's signed root. Extending it with the stored leaves up to the next checkpoint, re-hashed from their
 * bodies, must give that checkpoint's signed root. Both signatures are checked. The cost is the leaves written between
 * two checkpoints (an hour's worth), not the size of the ledger.
 */
export async function proveLeaf(store: EvidenceStore, seq: number, ledger: { origin: string; verifier: NoteVerifier; /** The key a checkpoint of this size is signed by (after key rotations, rotation.ts); @defaultValue `verifier` */ verifierAt?: (size: number) => NoteVerifier }): Promise<LeafProof> {
  const fail = (problem: string, from = 0, to = 0, leavesRead = 0, leaf?: StoredLeaf): LeafProof => ({ ok: false, seq, from, to, leavesRead, problem, ...(leaf ? { leaf } : {}) });
  const cps = await store.checkpoints();
  let before: (typeof cps)[number] | undefined;
  let after: (typeof cps)[number] | undefined;
  for (const cp of cps) {
    if (cp.size <= seq && (!before || cp.size > before.size)) before = cp;
    if (cp.size > seq && (!after || cp.size < after.size)) after = cp;
  }
  if (!after) return fail(`no signed checkpoint covers leaf ${seq} yet`);
  let frontier = new Frontier();
  if (before) {
    try {
      const signed = openCheckpoint(before.note, [ledger.verifierAt?.(before.size) ?? ledger.verifier], ledger.origin);
      frontier = Frontier.deserialize(before.frontier);
      if (frontier.size !== before.size || !frontier.root().equals(signed.root) || signed.size !== before.size) {
        return fail(`checkpoint ${before.size}: its stored frontier does not match its signed root`, before.size, after.size);
      }
    } catch (e) {
      return fail(`checkpoint ${before.size}: ${(e as Error).message}`, before.size, after.size);
    }
  } else if (!Buffer.from(EMPTY_ROOT).equals(frontier.root())) {
    return fail('empty frontier has an unexpected root');
  }
  const from = frontier.size;
  let leaf: StoredLeaf | undefined;
  let read = 0;
  for await (const l of store.leaves({ fromSeq: from, toSeq: after.size - 1 })) {
    if (l.seq !== frontier.size) return fail(`leaf ${frontier.size} is missing`, from, after.size, read, leaf);
    frontier.append(leafHash(l.body));
    read++;
    if (l.seq === seq) leaf = l;
  }
  if (frontier.size !== after.size) return fail(`leaves ${frontier.size}..${after.size - 1} are missing`, from, after.size, read, leaf);
  try {
    const signed = openCheckpoint(after.note, [ledger.verifierAt?.(after.size) ?? ledger.verifier], ledger.origin);
    if (signed.size !== after.size || !frontier.root().equals(signed.root)) {
      return fail(`the leaves between checkpoints ${from} and ${after.size} no longer hash to the signed root`, from, after.size, read, leaf);
    }
  } catch (e) {
    return fail(`checkpoint ${after.size}: ${(e as Error).message}`, from, after.size, read, leaf);
  }
  return { ok: true, seq, from, to: after.size, leavesRead: read, checkpoint: after, ...(leaf ? { leaf } : {}) };
}
