// SQLite EvidenceStore (better-sqlite3 v12): WAL + synchronous=FULL, STRICT tables, append-only triggers.
import Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import { decodeBlob, encodeBlob } from './blob-codec.js';
import type { BlobRecord, DayStats, EvidenceStore, LeafQuery, StoredCheckpoint, StoredLeaf } from './store.js';
import { toCheckpoint, toLeaf, type CheckpointRow, type LeafRow } from './rows.js';
import { ledgerOpenFailure, prepareLedgerFolder, readerName, readerWillCreateSidecars, tidyReaderSidecars } from './sqlite-files.js';

/** 'VIGL': marks the file as a Vigil ledger so we never migrate someone else's database. */
export const APPLICATION_ID = 0x5669474c;
/** 1: the first layout. 2: blobs gain `encoding` (identity | br | deflate | gzip); `size` stays the decoded size. */
export const SCHEMA_VERSION = 2;
const DEFAULT_PAGE = 512;

const APPEND_ONLY_TABLES = ['meta', 'leaves', 'checkpoints', 'blobs'] as const;

function triggersSql(): string {
  return APPEND_ONLY_TABLES.map(
    (t) => `
CREATE TRIGGER IF NOT EXISTS ${t}_no_update BEFORE UPDATE ON ${t} BEGIN SELECT RAISE(ABORT, 'append-only: ${t} rows are never updated'); END;
CREATE TRIGGER IF NOT EXISTS ${t}_no_delete BEFORE DELETE ON ${t} BEGIN SELECT RAISE(ABORT, 'append-only: ${t} rows are never deleted'); END;`,
  ).join('\n');
}

const SCHEMA_V1 = `
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE leaves(
  seq INTEGER PRIMARY KEY CHECK (seq >= 0),
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  body BLOB NOT NULL,
  type TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  source TEXT,
  scope TEXT
) STRICT;
CREATE INDEX leaves_by_type ON leaves(type, source, scope);
CREATE INDEX leaves_by_time ON leaves(observed_at);

CREATE TABLE checkpoints(
  id INTEGER PRIMARY KEY,
  size INTEGER NOT NULL UNIQUE CHECK (size >= 0),
  root BLOB NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  frontier BLOB NOT NULL
) STRICT;
-- A log must never sign a smaller tree after a larger one; refuse to even store one.
CREATE TRIGGER checkpoints_grow BEFORE INSERT ON checkpoints
  WHEN NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM checkpoints)
  BEGIN SELECT RAISE(ABORT, 'checkpoints must grow'); END;

CREATE TABLE blobs(
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;
`;

/** Additive only: a v1 file is upgraded in place under the same IMMEDIATE transaction that checks its version. */
const MIGRATE_V2 = `
ALTER TABLE blobs ADD COLUMN encoding TEXT NOT NULL DEFAULT 'identity' CHECK (encoding IN ('identity', 'br', 'deflate', 'gzip'));
`;

export interface SqliteStoreOptions {
  /** Path of the database file; its directory is created when writable. */
  path: string;
  /** Open without writing anything: no schema creation, no WAL switch. @defaultValue false */
  readOnly?: boolean;
  /** How long to wait for another process's lock, in ms. @defaultValue 10000 */
  busyTimeoutMs?: number;
  /**
   * SQLite page cache of this connection, in KiB. A one-pass reader (export) gains nothing from a large one.
   * @defaultValue better-sqlite3's 16,000 KiB
   */
  cacheKiB?: number;
  /** Leaves per keyset page when streaming (hash-only reads take 8×, blob hashes 2×): bounds memory per page. @defaultValue 512 */
  pageSize?: number;
}

export class SqliteEvidenceStore implements EvidenceStore {
  readonly readOnly: boolean;
  readonly location: string;
  /** Append-only triggers that were missing at open and have been recreated (a sign someone dropped them). */
  readonly restoredTriggers: string[] = [];
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  /** False only for a v1 file opened read-only (not migrated): its blobs are all stored as is. */
  private blobEncoding = true;
  private readonly page: number;
  /** A reader that created -wal/-shm removes them at close when it was the last user (sqlite-files.ts). */
  private tidyOnClose = false;

  private constructor(db: Database.Database, opts: SqliteStoreOptions) {
    this.db = db;
    this.readOnly = opts.readOnly ?? false;
    this.location = opts.path;
    this.page = Math.max(1, Math.floor(opts.pageSize ?? DEFAULT_PAGE));
  }

  static open(opts: SqliteStoreOptions): SqliteEvidenceStore {
    const readOnly = opts.readOnly ?? false;
    prepareLedgerFolder(opts.path, readOnly);
    const reader = readOnly ? readerName(opts.path) : { name: opts.path, snapshot: false };
    const tidy = readOnly && !reader.snapshot && readerWillCreateSidecars(opts.path);
    let db: Database.Database;
    try {
      db = new Database(reader.name, { readonly: readOnly, fileMustExist: readOnly });
    } catch (cause) {
      throw ledgerOpenFailure(opts.path, readOnly, cause);
    }
    const store = new SqliteEvidenceStore(db, opts);
    store.tidyOnClose = tidy;
    try {
      store.init(opts.busyTimeoutMs ?? 10_000, opts.cacheKiB);
    } catch (e) {
      db.close();
      if (tidy) tidyReaderSidecars(opts.path);
      throw ledgerOpenFailure(opts.path, readOnly, e);
    }
    return store;
  }

  private init(busyTimeoutMs: number, cacheKiB: number | undefined): void {
    const db = this.db;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (cacheKiB !== undefined) db.pragma(`cache_size = -${Math.max(64, Math.floor(cacheKiB))}`);
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId !== 0 && appId !== APPLICATION_ID) {
      throw new AppError('LEDGER_NOT_A_LEDGER', `${this.location} is an SQLite database of another application (application_id ${appId})`, { exitCode: 2 });
    }
    if (version > SCHEMA_VERSION) {
      throw new AppError('LEDGER_SCHEMA_TOO_NEW', `${this.location} has ledger schema ${version}; this Vigil knows up to ${SCHEMA_VERSION}`, {
        remediation: 'upgrade Vigil',
      });
    }
    if (this.readOnly) {
      if (appId !== APPLICATION_ID || version < 1) {
        throw new AppError('LEDGER_NOT_A_LEDGER', `${this.location} is not an initialized Vigil ledger`, { exitCode: 2 });
      }
      // Reading never migrates: an older file is read in its own layout.
      this.blobEncoding = version >= 2;
      db.pragma('query_only = ON');
      return;
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Several processes may race to create the schema; IMMEDIATE serializes them and the version re-check inside decides.
    db.transaction(() => {
      const v = db.pragma('user_version', { simple: true }) as number;
      const id = db.pragma('application_id', { simple: true }) as number;
      if (v === 0) {
        const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`).get() as { n: number };
        if (id === 0 && tables.n > 0) {
          throw new AppError('LEDGER_NOT_A_LEDGER', `${this.location} already holds tables that are not a Vigil ledger`, { exitCode: 2 });
        }
        db.exec(SCHEMA_V1);
        db.exec(MIGRATE_V2);
        db.exec(triggersSql());
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      } else {
        if (v < 2) {
          db.exec(MIGRATE_V2);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }
        const present = new Set(
          (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger'`).all() as Array<{ name: string }>).map((r) => r.name),
        );
        for (const t of APPEND_ONLY_TABLES) {
          for (const n of [`${t}_no_update`, `${t}_no_delete`]) if (!present.has(n)) this.restoredTriggers.push(n);
        }
        if (this.restoredTriggers.length > 0) db.exec(triggersSql());
      }
    }).immediate();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private writable(): void {
    if (this.readOnly) throw new AppError('LEDGER_READ_ONLY', `ledger ${this.location} was opened read-only`);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  async initMeta(key: string, value: string): Promise<string> {
    this.writable();
    this.stmt('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)').run(key, value);
    return (await this.getMeta(key)) as string;
  }

  async leafCount(): Promise<number> {
    return (this.stmt('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM leaves').get() as { n: number }).n;
  }

  async appendLeaves(leaves: readonly StoredLeaf[]): Promise<void> {
    this.writable();
    if (leaves.length === 0) return;
    const next = this.stmt('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM leaves');
    const insert = this.stmt(
      'INSERT INTO leaves(seq, leaf_hash, body, type, observed_at, idempotency_key, source, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db
      .transaction(() => {
        const n = (next.get() as { n: number }).n;
        const first = leaves[0] as StoredLeaf;
        if (first.seq !== n) {
          throw new AppError('LEDGER_CONCURRENT_WRITER', `ledger ${this.location} holds ${n} leaves but the writer expected ${first.seq}; is another writer running?`);
        }
        let expected = n;
        for (const l of leaves) {
          if (l.seq !== expected) throw new AppError('LEDGER_BAD_APPEND', `leaf seq ${l.seq} is not the next seq ${expected}`);
          insert.run(l.seq, l.leafHash, l.body, l.type, l.observedAt, l.idempotencyKey, l.source, l.scope);
          expected++;
        }
      })
      .immediate();
  }

  async seqsOfKeys(keys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // One IN query per chunk instead of one lookup per key: intake checks every key of every batch.
    const CHUNK = 256;
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      const q = this.stmt(`SELECT idempotency_key AS k, seq FROM leaves WHERE idempotency_key IN (${chunk.map(() => '?').join(',')})`);
      for (const row of q.all(...chunk) as Array<{ k: string; seq: number }>) out.set(row.k, row.seq);
    }
    return out;
  }

  async *leaves(query: LeafQuery = {}): AsyncIterable<StoredLeaf> {
    const where: string[] = ['seq >= ?'];
    const params: unknown[] = [];
    if (query.toSeq !== undefined) {
      where.push('seq <= ?');
      params.push(query.toSeq);
    }
    if (query.types !== undefined) {
      if (query.types.length === 0) return;
      where.push(`type IN (${query.types.map(() => '?').join(',')})`);
      params.push(...query.types);
    }
    if (query.source !== undefined) {
      where.push('source = ?');
      params.push(query.source);
    }
    if (query.scope !== undefined) {
      where.push('scope = ?');
      params.push(query.scope);
    }
    const sql = `SELECT * FROM leaves WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${this.page}`;
    let from = Math.max(0, query.fromSeq ?? 0);
    for (;;) {
      // Keyset pages, not one open cursor: the connection stays free for writes between pages.
      const rows = this.stmt(sql).all(from, ...params) as LeafRow[];
      for (const r of rows) yield toLeaf(r);
      if (rows.length < this.page) return;
      from = (rows[rows.length - 1] as LeafRow).seq + 1;
    }
  }

  async *leafHashes(fromSeq = 0): AsyncIterable<{ seq: number; leafHash: Buffer }> {
    const q = this.stmt(`SELECT seq, leaf_hash FROM leaves WHERE seq >= ? ORDER BY seq LIMIT ${this.page * 8}`);
    let from = fromSeq;
    for (;;) {
      const rows = q.all(from) as Array<{ seq: number; leaf_hash: Buffer }>;
      for (const r of rows) yield { seq: r.seq, leafHash: r.leaf_hash };
      if (rows.length < this.page * 8) return;
      from = (rows[rows.length - 1] as { seq: number }).seq + 1;
    }
  }

  async lastLeaf(filter: { type: string; source?: string; scope?: string }): Promise<StoredLeaf | undefined> {
    const where = ['type = ?'];
    const params: unknown[] = [filter.type];
    if (filter.source !== undefined) {
      where.push('source = ?');
      params.push(filter.source);
    }
    if (filter.scope !== undefined) {
      where.push('scope = ?');
      params.push(filter.scope);
    }
    const row = this.stmt(`SELECT * FROM leaves WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT 1`).get(...params) as LeafRow | undefined;
    return row === undefined ? undefined : toLeaf(row);
  }

  async dayStats(fromIso: string, toIso: string): Promise<DayStats> {
    const range = this.stmt('SELECT MIN(seq) AS first, MAX(seq) AS last FROM leaves WHERE observed_at >= ? AND observed_at < ?').get(fromIso, toIso) as {
      first: number | null;
      last: number | null;
    };
    const rows = this.stmt('SELECT type, count(*) AS n FROM leaves WHERE observed_at >= ? AND observed_at < ? GROUP BY type ORDER BY type').all(
      fromIso,
      toIso,
    ) as Array<{ type: string; n: number }>;
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.type] = r.n;
    return { firstSeq: range.first, lastSeq: range.last, counts };
  }

  async addCheckpoint(cp: StoredCheckpoint): Promise<void> {
    this.writable();
    this.stmt('INSERT INTO checkpoints(size, root, note, reason, created_at, frontier) VALUES (?, ?, ?, ?, ?, ?)').run(
      cp.size,
      cp.root,
      cp.note,
      cp.reason,
      cp.createdAt,
      cp.frontier,
    );
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    return (this.stmt('SELECT size, root, note, reason, created_at, frontier FROM checkpoints ORDER BY id').all() as CheckpointRow[]).map(toCheckpoint);
  }

  async lastCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const row = this.stmt('SELECT size, root, note, reason, created_at, frontier FROM checkpoints ORDER BY id DESC LIMIT 1').get() as
      | CheckpointRow
      | undefined;
    return row === undefined ? undefined : toCheckpoint(row);
  }

  /** `size` is the length of `data` as given; the row keeps it compressed when that saves space (blob-codec.ts). */
  async putBlob(blob: BlobRecord, data: Buffer): Promise<boolean> {
    this.writable();
    if (this.hasBlobNow(blob.sha256)) return false;
    const { encoding, stored } = await encodeBlob(data);
    const r = this.stmt('INSERT OR IGNORE INTO blobs(sha256, media_type, size, data, encoding) VALUES (?, ?, ?, ?, ?)').run(
      blob.sha256,
      blob.mediaType,
      data.length,
      stored,
      encoding,
    );
    return r.changes === 1;
  }

  async getBlob(sha256: string): Promise<{ record: BlobRecord; data: Buffer } | undefined> {
    const sql = this.blobEncoding
      ? 'SELECT sha256, media_type, size, data, encoding FROM blobs WHERE sha256 = ?'
      : `SELECT sha256, media_type, size, data, 'identity' AS encoding FROM blobs WHERE sha256 = ?`;
    const row = this.stmt(sql).get(sha256) as { sha256: string; media_type: string; size: number; data: Buffer; encoding: string } | undefined;
    if (row === undefined) return undefined;
    const data = await decodeBlob(this.location, row.sha256, row.encoding, row.data, row.size);
    return { record: { sha256: row.sha256, mediaType: row.media_type, size: row.size }, data };
  }

  private hasBlobNow(sha256: string): boolean {
    return this.stmt('SELECT 1 FROM blobs WHERE sha256 = ?').get(sha256) !== undefined;
  }

  async *blobHashes(): AsyncIterable<string> {
    const q = this.stmt(`SELECT sha256 FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ${this.page * 2}`);
    let after = '';
    for (;;) {
      const rows = q.all(after) as Array<{ sha256: string }>;
      for (const r of rows) yield r.sha256;
      if (rows.length < this.page * 2) return;
      after = (rows[rows.length - 1] as { sha256: string }).sha256;
    }
  }

  async hasBlob(sha256: string): Promise<boolean> {
    return this.hasBlobNow(sha256);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.db.close();
    if (this.tidyOnClose) tidyReaderSidecars(this.location);
  }
}
