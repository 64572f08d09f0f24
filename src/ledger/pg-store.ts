// PostgreSQL EvidenceStore (pg): leaves, checkpoints and blobs in one schema per ledger, seq assigned under an advisory lock.
// Schema, guard triggers and migrations: pg-schema.ts; URLs and error codes: pg-url.ts. The driver loads when a store is
// opened, not with this module: SQLite users never load it.
import type pg from 'pg';
import { AppError, UsageError, redactSecrets } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/collector.js';
import { decodeBlob, encodeBlob } from './blob-codec.js';
import type { BlobRecord, DayStats, EvidenceStore, LeafQuery, StoredCheckpoint, StoredLeaf } from './store.js';
import { toCheckpoint, toLeaf, type CheckpointRow, type LeafRow } from './rows.js';
import { initPgSchema, LOCK_CLASS, tableName, type PgGrants } from './pg-schema.js';
import { parseUrl, pgError, redactDatabaseUrl } from './pg-url.js';

export { PG_SCHEMA_VERSION } from './pg-schema.js';
export { redactDatabaseUrl } from './pg-url.js';

const DEFAULT_PAGE = 2048;
const INSERT_CHUNK = 500;
export const DEFAULT_SCHEMA = 'vigil';

export interface PgStoreOptions {
  /** A libpq-style URL: `postgres://user:password@host:5432/db?sslmode=verify-full&schema=vigil`. The password never appears in messages. */
  url: string;
  /** Schema holding this ledger's tables. @defaultValue the URL's `schema` parameter, else `vigil` */
  schema?: string;
  /** Open without writing anything: no migration, every session `default_transaction_read_only`. @defaultValue false */
  readOnly?: boolean;
  /** Most connections held at once. @defaultValue 4 */
  poolSize?: number;
  /** Leaves per keyset page when streaming (hash-only reads take 8× as many): bounds memory, sets round trips. @defaultValue 2048 */
  pageSize?: number;
  /**
   * Roles to grant on the tables when this open creates or checks the schema (the connecting role must own them):
   * `writer` gets SELECT, INSERT; `reader` gets SELECT. UPDATE, DELETE and TRUNCATE are revoked from both and PUBLIC.
   */
  grants?: { writer?: string; reader?: string };
  logger?: Logger;
  /** Longest wait for a connection (TCP, TLS and start-up): a server that accepts and never answers must not hang the agent. @defaultValue PG_CONNECT_TIMEOUT_MS (10 s) */
  connectTimeoutMs?: number;
}

/** Default limit on opening a PostgreSQL connection; node-postgres waits forever without one. */
export const PG_CONNECT_TIMEOUT_MS = 10_000;

const LEAF_COLUMNS = 'seq, leaf_hash, body, type, observed_at, idempotency_key, source, scope';
const CHECKPOINT_COLUMNS = 'size, root, note, reason, created_at, frontier';

export class PgEvidenceStore implements EvidenceStore {
  readonly readOnly: boolean;
  /** Redacted URL and schema, e.g. `postgres://vigil:***@db:5432/evidence?schema=vigil`. */
  readonly location: string;
  readonly schema: string;
  /** Append-only triggers that were missing or not ENABLE ALWAYS at open and have been restored (a sign someone tampered). */
  readonly restoredTriggers: string[] = [];
  /** Guard triggers found missing or weakened that this role could not restore (it does not own the tables). */
  readonly missingTriggers: string[] = [];
  /** Whether the connected role owns the tables, and so could disable the triggers itself. */
  ownsTables = false;
  /** False on a version 1 schema this role could not upgrade (or opened read-only): blobs are then stored and read as is. */
  blobEncoding = true;

  private readonly pool: pg.Pool;
  private readonly password: string | undefined;
  private readonly logger: Logger;
  private page = DEFAULT_PAGE;

  private constructor(pool: pg.Pool, schema: string, location: string, readOnly: boolean, password: string | undefined, logger: Logger) {
    this.pool = pool;
    this.schema = schema;
    this.location = location;
    this.readOnly = readOnly;
    this.password = password;
    this.logger = logger;
  }

  static async open(opts: PgStoreOptions): Promise<PgEvidenceStore> {
    const readOnly = opts.readOnly ?? false;
    const logger = opts.logger ?? silentLogger;
    const parsed = parseUrl(opts.url);
    const schema = opts.schema ?? parsed.schemaFromUrl ?? DEFAULT_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new UsageError('DATABASE_SCHEMA_INVALID', `PostgreSQL schema name ${JSON.stringify(schema)} must be 1-63 lowercase letters, digits or '_', not starting with a digit`);
    }
    const shown = new URL(redactDatabaseUrl(parsed.connectionString));
    shown.searchParams.set('schema', schema);
    const location = shown.toString();
    let connectionString = parsed.connectionString;
    if (readOnly) {
      // Every session of a read-only store is read-only in the server too, not just by our own checks.
      const u = new URL(connectionString);
      const options = u.searchParams.get('options');
      u.searchParams.set('options', `${options ? `${options} ` : ''}-c default_transaction_read_only=on`);
      connectionString = u.toString();
    }
    const { default: pgDriver } = await import('pg');
    const pool = new pgDriver.Pool({
      connectionString,
      max: opts.poolSize ?? 4,
      application_name: 'vigil',
      connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS,
      // int8 columns (seq, size, counts) as numbers: seqs stay far below 2^53.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? (v: string) => Number(v) : pgDriver.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    const store = new PgEvidenceStore(pool, schema, location, readOnly, parsed.password, logger);
    if (opts.pageSize !== undefined) store.page = Math.max(1, Math.floor(opts.pageSize));
    // An idle connection dropped by the server must not crash the agent; the next query reconnects.
    pool.on('error', (e) => logger.warn({ err: store.redact(e.message), store: location }, 'PostgreSQL connection lost'));
    try {
      await store.init(opts.grants);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return store;
  }

  /** Removes the password (and anything credential-like) from text about this database. */
  redact(text: string): string {
    let out = text;
    if (this.password !== undefined && this.password.length > 0) out = out.split(this.password).join('***');
    return redactSecrets(out);
  }
  private wrap(e: unknown, what: string): AppError {
    return pgError(e, what, this.location, (text) => this.redact(text));
  }

  private async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (e) {
      throw this.wrap(e, what);
    }
  }

  /** Runs fn in one transaction holding this ledger's advisory lock, so appends, checkpoints and migrations serialize. */
  private async locked<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.wrap(e, what);
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, this.schema]);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.wrap(e, what);
    } finally {
      client.release();
    }
  }

  private t(table: string): string {
    return tableName(this.schema, table);
  }

  private async init(grants: PgGrants | undefined): Promise<void> {
    const state = await initPgSchema(
      {
        schema: this.schema,
        location: this.location,
        readOnly: this.readOnly,
        logger: this.logger,
        pool: this.pool,
        query: (what, sql) => this.query(what, sql),
        locked: (what, fn) => this.locked(what, fn),
      },
      grants,
    );
    this.ownsTables = state.ownsTables;
    this.blobEncoding = state.blobEncoding;
    this.restoredTriggers.push(...state.restoredTriggers);
    this.missingTriggers.push(...state.missingTriggers);
  }

  private writable(): void {
    if (this.readOnly) throw new AppError('LEDGER_READ_ONLY', `ledger ${this.location} was opened read-only`);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.query<{ value: string }>('read ledger meta', `SELECT value FROM ${this.t('meta')} WHERE key = $1`, [key]);
    return r.rows[0]?.value;
  }

  async initMeta(key: string, value: string): Promise<string> {
    this.writable();
    await this.query('write ledger meta', `INSERT INTO ${this.t('meta')}(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, value]);
    return (await this.getMeta(key)) as string;
  }

  async leafCount(): Promise<number> {
    const r = await this.query<{ n: number }>('count leaves', `SELECT COALESCE(MAX(seq) + 1, 0)::int8 AS n FROM ${this.t('leaves')}`);
    return r.rows[0]?.n ?? 0;
  }

  async appendLeaves(leaves: readonly StoredLeaf[]): Promise<void> {
    this.writable();
    if (leaves.length === 0) return;
    await this.locked('append leaves', async (c) => {
      // Under the lock, max(seq)+1 is the only next seq: a sequence would leave gaps on rollback that look like deletions.
      const n = (await c.query<{ n: number }>(`SELECT COALESCE(MAX(seq) + 1, 0)::int8 AS n FROM ${this.t('leaves')}`)).rows[0]?.n ?? 0;
      const first = leaves[0] as StoredLeaf;
      if (first.seq !== n) {
        throw new AppError('LEDGER_CONCURRENT_WRITER', `ledger ${this.location} holds ${n} leaves but the writer expected ${first.seq}; is another writer running?`);
      }
      let expected = n;
      for (const l of leaves) {
        if (l.seq !== expected) throw new AppError('LEDGER_BAD_APPEND', `leaf seq ${l.seq} is not the next seq ${expected}`);
        expected++;
      }
      const sql = `INSERT INTO ${this.t('leaves')}(${LEAF_COLUMNS})
        SELECT * FROM unnest($1::int8[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`;
      for (let i = 0; i < leaves.length; i += INSERT_CHUNK) {
        const chunk = leaves.slice(i, i + INSERT_CHUNK);
        await c.query(sql, [
          chunk.map((l) => l.seq),
          chunk.map((l) => l.leafHash),
          chunk.map((l) => l.body),
          chunk.map((l) => l.type),
          chunk.map((l) => l.observedAt),
          chunk.map((l) => l.idempotencyKey),
          chunk.map((l) => l.source),
          chunk.map((l) => l.scope),
        ]);
      }
    });
  }

  async seqsOfKeys(keys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const CHUNK = 1000;
    for (let i = 0; i < keys.length; i += CHUNK) {
      const r = await this.query<{ k: string; seq: number }>(
        'look up idempotency keys',
        `SELECT idempotency_key AS k, seq FROM ${this.t('leaves')} WHERE idempotency_key = ANY($1::text[])`,
        [keys.slice(i, i + CHUNK)],
      );
      for (const row of r.rows) out.set(row.k, row.seq);
    }
    return out;
  }

  async *leaves(query: LeafQuery = {}): AsyncIterable<StoredLeaf> {
    const where: string[] = ['seq >= $1'];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length + 1}`;
    };
    if (query.toSeq !== undefined) where.push(`seq <= ${p(query.toSeq)}`);
    if (query.types !== undefined) {
      if (query.types.length === 0) return;
      where.push(`type = ANY(${p(query.types)}::text[])`);
    }
    if (query.source !== undefined) where.push(`source = ${p(query.source)}`);
    if (query.scope !== undefined) where.push(`scope = ${p(query.scope)}`);
    const sql = `SELECT ${LEAF_COLUMNS} FROM ${this.t('leaves')} WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${this.page}`;
    let from = Math.max(0, query.fromSeq ?? 0);
    for (;;) {
      // Keyset pages, not a held cursor: no connection or snapshot stays pinned while the caller works between pages.
      const rows = (await this.query<LeafRow>('read leaves', sql, [from, ...params])).rows;
      for (const r of rows) yield toLeaf(r);
      if (rows.length < this.page) return;
      from = (rows[rows.length - 1] as LeafRow).seq + 1;
    }
  }

  async *leafHashes(fromSeq = 0): AsyncIterable<{ seq: number; leafHash: Buffer }> {
    const sql = `SELECT seq, leaf_hash FROM ${this.t('leaves')} WHERE seq >= $1 ORDER BY seq LIMIT ${this.page * 8}`;
    let from = fromSeq;
    for (;;) {
      const rows = (await this.query<{ seq: number; leaf_hash: Buffer }>('read leaf hashes', sql, [from])).rows;
      for (const r of rows) yield { seq: r.seq, leafHash: r.leaf_hash };
      if (rows.length < this.page * 8) return;
      from = (rows[rows.length - 1] as { seq: number }).seq + 1;
    }
  }

  async lastLeaf(filter: { type: string; source?: string; scope?: string }): Promise<StoredLeaf | undefined> {
    const where = ['type = $1'];
    const params: unknown[] = [filter.type];
    if (filter.source !== undefined) {
      params.push(filter.source);
      where.push(`source = $${params.length}`);
    }
    if (filter.scope !== undefined) {
      params.push(filter.scope);
      where.push(`scope = $${params.length}`);
    }
    const r = await this.query<LeafRow>('read last leaf', `SELECT ${LEAF_COLUMNS} FROM ${this.t('leaves')} WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT 1`, params);
    const row = r.rows[0];
    return row === undefined ? undefined : toLeaf(row);
  }

  async dayStats(fromIso: string, toIso: string): Promise<DayStats> {
    const range = await this.query<{ first: number | null; last: number | null }>(
      'day stats',
      `SELECT MIN(seq) AS first, MAX(seq) AS last FROM ${this.t('leaves')} WHERE observed_at >= $1 AND observed_at < $2`,
      [fromIso, toIso],
    );
    const rows = await this.query<{ type: string; n: number }>(
      'day stats',
      `SELECT type, count(*)::int8 AS n FROM ${this.t('leaves')} WHERE observed_at >= $1 AND observed_at < $2 GROUP BY type ORDER BY type`,
      [fromIso, toIso],
    );
    const counts: Record<string, number> = {};
    for (const r of rows.rows) counts[r.type] = r.n;
    return { firstSeq: range.rows[0]?.first ?? null, lastSeq: range.rows[0]?.last ?? null, counts };
  }

  async addCheckpoint(cp: StoredCheckpoint): Promise<void> {
    this.writable();
    // Under the same lock as appends, so the grow trigger's max(size) cannot race another checkpoint.
    await this.locked('store checkpoint', async (c) => {
      await c.query(`INSERT INTO ${this.t('checkpoints')}(${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
        cp.size,
        cp.root,
        cp.note,
        cp.reason,
        cp.createdAt,
        cp.frontier,
      ]);
    });
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    const r = await this.query<CheckpointRow>('read checkpoints', `SELECT ${CHECKPOINT_COLUMNS} FROM ${this.t('checkpoints')} ORDER BY id`);
    return r.rows.map(toCheckpoint);
  }

  async lastCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const r = await this.query<CheckpointRow>('read checkpoints', `SELECT ${CHECKPOINT_COLUMNS} FROM ${this.t('checkpoints')} ORDER BY id DESC LIMIT 1`);
    const row = r.rows[0];
    return row === undefined ? undefined : toCheckpoint(row);
  }

  /** `size` is the length of `data` as given; the row keeps it compressed when that saves space (blob-codec.ts). */
  async putBlob(blob: BlobRecord, data: Buffer): Promise<boolean> {
    this.writable();
    if (!this.blobEncoding) {
      const r = await this.query(
        'store blob',
        `INSERT INTO ${this.t('blobs')}(sha256, media_type, size, data) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`,
        [blob.sha256, blob.mediaType, data.length, data],
      );
      return r.rowCount === 1;
    }
    const { encoding, stored } = await encodeBlob(data);
    const r = await this.query(
      'store blob',
      `INSERT INTO ${this.t('blobs')}(sha256, media_type, size, data, encoding) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING`,
      [blob.sha256, blob.mediaType, data.length, stored, encoding],
    );
    return r.rowCount === 1;
  }

  async getBlob(sha256: string): Promise<{ record: BlobRecord; data: Buffer } | undefined> {
    const r = await this.query<{ sha256: string; media_type: string; size: number; data: Buffer; encoding: string }>(
      'read blob',
      `SELECT sha256, media_type, size, data, ${this.blobEncoding ? 'encoding' : `'identity' AS encoding`} FROM ${this.t('blobs')} WHERE sha256 = $1`,
      [sha256],
    );
    const row = r.rows[0];
    if (row === undefined) return undefined;
    const data = await decodeBlob(this.location, row.sha256, row.encoding, row.data, row.size);
    return { record: { sha256: row.sha256, mediaType: row.media_type, size: row.size }, data };
  }

  async *blobHashes(): AsyncIterable<string> {
    const sql = `SELECT sha256 FROM ${this.t('blobs')} WHERE sha256 > $1 ORDER BY sha256 LIMIT ${this.page}`;
    let after = '';
    for (;;) {
      const rows = (await this.query<{ sha256: string }>('read blob hashes', sql, [after])).rows;
      for (const r of rows) yield r.sha256;
      if (rows.length < this.page) return;
      after = (rows[rows.length - 1] as { sha256: string }).sha256;
    }
  }

  async hasBlob(sha256: string): Promise<boolean> {
    const r = await this.query('read blob', `SELECT 1 FROM ${this.t('blobs')} WHERE sha256 = $1`, [sha256]);
    return r.rowCount === 1;
  }

  private ended = false;

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}
