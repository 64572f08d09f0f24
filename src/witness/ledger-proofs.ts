// Consistency proofs for a witness from a Vigil evidence store: the stored frontier at the old size plus the leaves since.
import { AppError } from '../core/errors.js';
import { consistencyProofFromFrontier, Frontier } from '../ledger/merkle.js';
import type { EvidenceStore } from '../ledger/store.js';
import type { ConsistencyProofSource } from './client.js';

/**
 * A ConsistencyProofSource over a ledger's store. From a size the ledger checkpointed (every size a witness cosigns
 * is one), it reads only the leaves after it; from any other size it refolds the leaves before it first.
 */
export function storeProofSource(store: Pick<EvidenceStore, 'checkpoints' | 'leafHashes'>): ConsistencyProofSource {
  return async (from, to) => {
    if (from === 0 || from === to) return [];
    const at = (await store.checkpoints()).find((c) => c.size === from);
    const frontier = at === undefined ? new Frontier() : Frontier.deserialize(at.frontier);
    const newer: Buffer[] = [];
    for await (const { seq, leafHash } of store.leafHashes(frontier.size)) {
      if (seq >= to) break;
      if (seq < from) frontier.append(leafHash);
      else newer.push(leafHash);
    }
    if (frontier.size !== from || newer.length !== to - from) {
      throw new AppError('WITNESS_PROOF_UNAVAILABLE', `cannot prove ${from} → ${to}: the store holds ${frontier.size + newer.length} of the leaves needed`);
    }
    return consistencyProofFromFrontier(frontier, newer);
  };
}
