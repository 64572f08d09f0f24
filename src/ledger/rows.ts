// Table rows as both SQL stores return them (the schemas share column names), and their mapping to the store contract.
import type { StoredCheckpoint, StoredLeaf } from './store.js';

export interface LeafRow {
  seq: number;
  leaf_hash: Buffer;
  body: Buffer;
  type: string;
  observed_at: string;
  idempotency_key: string | null;
  source: string | null;
  scope: string | null;
}

export interface CheckpointRow {
  size: number;
  root: Buffer;
  note: string;
  reason: string;
  created_at: string;
  frontier: Buffer;
}

export const toLeaf = (r: LeafRow): StoredLeaf => ({
  seq: r.seq,
  leafHash: r.leaf_hash,
  body: r.body,
  type: r.type,
  observedAt: r.observed_at,
  idempotencyKey: r.idempotency_key,
  source: r.source,
  scope: r.scope,
});

export const toCheckpoint = (r: CheckpointRow): StoredCheckpoint => ({
  size: r.size,
  root: r.root,
  note: r.note,
  reason: r.reason,
  createdAt: r.created_at,
  frontier: r.frontier,
});
