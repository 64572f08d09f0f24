// The options `Ledger.open` takes: where and how the ledger is stored, who this process is, what it accepts.
import type { ProgressListener } from '../core/progress.js';
import type { Clock, Logger } from '../core/collector.js';
import type { LeafCatalogue, VigilCatalogue, WriterRole } from './leaf-catalogue.js';
import type { EvidenceStore } from './store.js';

export interface LedgerOptions<C extends LeafCatalogue = VigilCatalogue> {
  /** Directory holding `ledger.sqlite` and `keys/`. */
  dataDir: string;
  /** Storage; @defaultValue PostgreSQL at `databaseUrl` when given, else SQLite at `<dataDir>/ledger.sqlite` */
  store?: EvidenceStore;
  /** `postgres://…[?schema=NAME]`: keep the leaves in PostgreSQL (PgEvidenceStore) instead of SQLite; keys stay in `<dataDir>/keys`. */
  databaseUrl?: string;
  /** Log identity and key name; fixed at creation. @defaultValue `vigil.local/<random ledger id persisted in the store>` */
  origin?: string;
  /** @defaultValue the system clock */
  clock?: Clock;
  logger?: Logger;
  /** Open for reading and verifying only: nothing is written (no key, no genesis, no alarm leaf). @defaultValue false */
  readOnly?: boolean;
  /**
   * What the startup self-check reads. `full` re-hashes every stored body, so a body edited behind the ledger's back
   * is named by seq before anything is signed; `hashes` only refolds the stored leaf hashes (faster on huge ledgers,
   * but blind to a body edited without its hash column). @defaultValue 'full'
   */
  startupCheck?: 'full' | 'hashes';
  /** Told as the startup self-check rebuilds the tree (minutes on a year's ledger). */
  progress?: ProgressListener;
  /**
   * Which process this is (docs/architecture.md, "Who writes the ledger"): `append()` refuses a leaf type the
   * catalogue does not list for this role. @defaultValue 'writer' (every type but the ledger's own)
   */
  role?: WriterRole;
  /** The leaf types this ledger accepts and verify() checks. @defaultValue Vigil's LEAF_CATALOGUE (leaf-catalogue.ts) */
  catalogue?: C;
}
