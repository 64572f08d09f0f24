// The EvidenceStore contract: append-only leaves, checkpoints and content-addressed blobs, async so PostgreSQL can implement it too.
import { createHash } from 'node:crypto';

/** One leaf as stored. `body` is the exact canonical bytes that were hashed; the other columns are query indexes. */
export interface StoredLeaf {
  /** Leaf index in the Merkle tree, assigned by the single ledger writer: 0, 1, 2, … without gaps. */
  seq: number;
  /** SHA-256(0x00 ‖ body). */
  leafHash: Buffer;
  body: Buffer;
  type: string;
  observedAt: string;
  idempotencyKey: string | null;
  source: string | null;
  scope: string | null;
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  /** The full signed note, exactly as signed. */
  note: string;
  reason: string;
  createdAt: string;
  /** Compact range of the tree at `size` (Frontier.serialize()), so an export can start here without earlier leaves. */
  frontier: Buffer;
}

export interface BlobRecord {
  sha256: string;
  mediaType: string;
  size: number;
}

export interface LeafQuery {
  fromSeq?: number;
  toSeq?: number;
  types?: string[];
  source?: string;
  scope?: string;
}

export interface DayStats {
  firstSeq: number | null;
  lastSeq: number | null;
  counts: Record<string, number>;
}

/**
 * Storage for one ledger. Every table is append-only: implementations refuse UPDATE and DELETE.
 * The store is a cache of the truth — the truth is the leaf bytes plus signed checkpoints — so it
 * validates structure (contiguous seq, unique keys) but never judges content.
 */
export interface EvidenceStore {
  readonly readOnly: boolean;
  /** Human-readable location for messages (a file path, a redacted URL). */
  readonly location: string;

  /** Value of a ledger setting (ledger id, origin), written once. */
  getMeta(key: string): Promise<string | undefined>;
  /** Sets a setting if it is unset and returns the value now stored (the existing one if there was one). */
  initMeta(key: string, value: string): Promise<string>;

  /** Number of leaves = next seq. */
  leafCount(): Promise<number>;
  /**
   * Appends leaves atomically: all or none. `leaves[0].seq` must equal the current leaf count and the seqs must be
   * consecutive, otherwise nothing is written and LEDGER_CONCURRENT_WRITER is thrown (another writer got there first).
   */
  appendLeaves(leaves: readonly StoredLeaf[]): Promise<void>;
  /** Seq of each given idempotency key that is already stored. */
  seqsOfKeys(keys: readonly string[]): Promise<Map<string, number>>;
  /** Leaves in seq order, streamed in pages so memory stays bounded. */
  leaves(query?: LeafQuery): AsyncIterable<StoredLeaf>;
  /** (seq, leaf hash) in seq order, streamed; cheaper than leaves() when bodies are not needed. */
  leafHashes(fromSeq?: number): AsyncIterable<{ seq: number; leafHash: Buffer }>;
  lastLeaf(filter: { type: string; source?: string; scope?: string }): Promise<StoredLeaf | undefined>;
  /** Seqs and counts by type of leaves with observedAt in [fromIso, toIso). */
  dayStats(fromIso: string, toIso: string): Promise<DayStats>;

  addCheckpoint(cp: StoredCheckpoint): Promise<void>;
  /** All checkpoints in the order they were written. */
  checkpoints(): Promise<StoredCheckpoint[]>;
  lastCheckpoint(): Promise<StoredCheckpoint | undefined>;

  /** Stores a blob under its SHA-256 unless present; true when it was new. Safe from several processes. */
  putBlob(blob: BlobRecord, data: Buffer): Promise<boolean>;
  getBlob(sha256: string): Promise<{ record: BlobRecord; data: Buffer } | undefined>;
  hasBlob(sha256: string): Promise<boolean>;
  /** Every stored blob's SHA-256, in order, streamed; lets verification read each blob back. Optional for other stores. */
  blobHashes?(): AsyncIterable<string>;

  close(): Promise<void>;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Content-addresses `data` and stores it. Collector workers call this on their own store handle; the ledger
 * writer is the only process that appends leaves, but any process may add blobs.
 */
export async function putBlob(store: EvidenceStore, data: Buffer, mediaType: string): Promise<{ sha256: string; size: number; isNew: boolean }> {
  const sha256 = sha256Hex(data);
  // An unchanged estate offers the same results blob every run: a lookup is far cheaper than binding megabytes to an ignored insert.
  if (await store.hasBlob(sha256)) return { sha256, size: data.length, isNew: false };
  const isNew = await store.putBlob({ sha256, mediaType, size: data.length }, data);
  return { sha256, size: data.length, isNew };
}
