// Public surface of the evidence ledger, for the pipeline, the CLI and export/verify.
export { Ledger, LEAF_FORMAT_VERSION } from './ledger.js';
export { verifyStore } from './verify.js';
export { LEAF_CATALOGUE, LEAF_TYPES, WRITER_ROLES, parseLeaf, readLeaf, isLeaf, leafProblem } from './leaf-catalogue.js';
export type { Leaf, LeafOf, LeafType, LeafCatalogue, WriterRole } from './leaf-catalogue.js';
export type { LedgerIdentity } from './verify.js';
export type { AppendedLeaf, Checkpoint, CheckpointReason, LeafInput, LedgerOptions, VerifyReport } from './ledger.js';
export { SqliteEvidenceStore, APPLICATION_ID, SCHEMA_VERSION } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { PgEvidenceStore, PG_SCHEMA_VERSION, redactDatabaseUrl } from './pg-store.js';
export type { PgStoreOptions } from './pg-store.js';
export { putBlob, sha256Hex } from './store.js';
export type { BlobRecord, DayStats, EvidenceStore, LeafQuery, StoredCheckpoint, StoredLeaf } from './store.js';
export { canonicalBytes, canonicalString, isCanonicalJson, CanonicalJsonError } from './canonical.js';
export * as merkle from './merkle.js';
export * as note from './note.js';
export { ledgerKeyPaths } from './keys.js';
