// PostgreSQL EvidenceStore (pg): one schema per ledger, append-only ALWAYS triggers, seq assigned under an advisory lock.
// The driver loads when a PostgreSQL store is opened, not with this module: SQLite users never load it.
import type pg from 'pg';
import { AppError, UsageError, redactSecrets } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/collector.js';
import { decodeBlob, encodeBlob } from './blob-codec.js';
import type { BlobRecord, DayStats, EvidenceStore, LeafQuery, StoredCheckpoint, StoredLeaf } from './store.js';
import { toCheckpoint, toLeaf, type CheckpointRow, type LeafRow } from './rows.js';

/** 1: the first layout. 2: blobs gain `encoding` (identity | br | deflate | gzip); `size` stays the decoded size. */
export const PG_SCHEMA_VERSION = 2;
const ENCODING_COLUMN = `encoding text NOT NULL DEFAULT 'identity' CHECK (encoding IN ('identity', 'br', 'deflate', 'gzip'))`;
/** Written as the schema's comment: marks it as a Vigil ledger so we never migrate someone else's schema. */
const SCHEMA_MARKER = 'vigil-ledger schema';
/** First key of the two-key advisory lock ('VIGL'); the second is hashtext(schema), so ledgers in one database do not block each other. */
const LOCK_CLASS = 0x5669474c;
const DEFAULT_PAGE = 2048;
const INSERT_CHUNK = 500;
const DEFAULT_SCHEMA = 'vigil';
const APPEND_ONLY_TABLES = ['meta', 'leaves', 'checkpoints', 'blobs'] as const;
/** Every trigger the append-only guarantee rests on, by table; each must exist with tgenabled = 'A' (ENABLE ALWAYS). */
const GUARD_TRIGGERS = APPEND_ONLY_TABLES.flatMap((t) => [`${t}_no_update_delete`, `${t}_no_truncate`]).concat('checkpoints_grow');

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
}

const LEAF_COLUMNS = 'seq, leaf_hash, body, type, observed_at, idempotency_key, source, scope';
const CHECKPOINT_COLUMNS = 'size, root, note, reason, created_at, frontier';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The URL as it may be shown: password replaced, everything else kept so the operator can tell which database it was. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key$/i.test(k) && k !== 'sslkey') u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    // key=value DSN or something unparseable: redactSecrets knows password=…
    return redactSecrets(url.replace(/\/\/([^:/@\s]+):[^@\s]*@/, '//$1:***@'));
  }
}

interface ParsedUrl {
  connectionString: string;
  schemaFromUrl: string | undefined;
  password: string | undefined;
}

function parseUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('DATABASE_URL_INVALID', `DATABASE_URL is not a URL (expected postgres://user@host:5432/db): ${redactDatabaseUrl(url)}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError('DATABASE_URL_INVALID', `DATABASE_URL must start with postgres:// or postgresql://, got ${u.protocol}//… (${redactDatabaseUrl(url)})`);
  }
  const schemaFromUrl = u.searchParams.get('schema') ?? undefined;
  // `schema` is ours, not libpq's: pg would pass unknown parameters nowhere useful, so take it off before connecting.
  u.searchParams.delete('schema');
  const password = u.password === '' ? undefined : decodeURIComponent(u.password);
  return { connectionString: u.toString(), schemaFromUrl, password };
}

function pgCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' ? c : undefined;
}

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
  private readonly s: string;
  private page = DEFAULT_PAGE;

  private constructor(pool: pg.Pool, schema: string, location: string, readOnly: boolean, password: string | undefined, logger: Logger) {
    this.pool = pool;
    this.schema = schema;
    this.s = quoteIdent(schema);
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
    if (e instanceof AppError) return e;
    const code = pgCode(e);
    const msg = this.redact((e as Error).message ?? String(e));
    if (code === '42501') {
      return new AppError('LEDGER_DB_PERMISSION', `${what} on ${this.location}: ${msg}`, {
        cause: e,
        remediation: 'grant the role SELECT, INSERT on the ledger tables (see docs/ledger.md, PostgreSQL roles)',
      });
    }
    if (code === 'P0001' && msg.startsWith('append-only')) return new AppError('LEDGER_APPEND_ONLY', `${what}: ${msg}`, { cause: e });
    if (code === '25006') return new AppError('LEDGER_READ_ONLY', `${what}: ${this.location} was opened read-only`, { cause: e });
    if (code === '28P01' || code === '28000' || code === '3D000') {
      return new AppError('LEDGER_DB_UNAVAILABLE', `cannot use PostgreSQL at ${this.location}: ${msg}`, { cause: e, exitCode: 2, remediation: 'check DATABASE_URL' });
    }
    // Node socket errors carry E… codes (no SQLSTATE class starts with E); class 08 is a connection exception.
    const down = code === undefined ? /Connection terminated|timeout/i.test(msg) : code.startsWith('E') || code.startsWith('08') || code === '57P01' || code === '57P03';
    if (down) {
      return new AppError('LEDGER_DB_UNAVAILABLE', `cannot reach PostgreSQL at ${this.location}: ${msg}`, {
        cause: e,
        retryable: true,
        remediation: 'check that PostgreSQL is running and DATABASE_URL names it',
      });
    }
    return new AppError('LEDGER_DB_ERROR', `${what} on ${this.location} failed: ${msg}${code ? ` (SQLSTATE ${code})` : ''}`, { cause: e });
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
    return `${this.s}.${quoteIdent(table)}`;
  }

  private schemaSql(): string {
    const s = this.s;
    const t = (n: string) => this.t(n);
    // COLLATE "C": ISO timestamps and keys compare bytewise, as in SQLite, whatever the database's locale.
    return `
CREATE TABLE ${t('meta')}(
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE ${t('leaves')}(
  seq bigint PRIMARY KEY CHECK (seq >= 0),
  leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
  body bytea NOT NULL,
  type text COLLATE "C" NOT NULL,
  observed_at text COLLATE "C" NOT NULL,
  idempotency_key text COLLATE "C" UNIQUE,
  source text COLLATE "C",
  scope text COLLATE "C"
);
CREATE INDEX leaves_by_type_seq ON ${t('leaves')}(type, seq);
CREATE INDEX leaves_by_type_source_scope ON ${t('leaves')}(type, source, scope, seq);
CREATE INDEX leaves_by_time ON ${t('leaves')}(observed_at);
CREATE TABLE ${t('checkpoints')}(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  size bigint NOT NULL UNIQUE CHECK (size >= 0),
  root bytea NOT NULL CHECK (octet_length(root) = 32),
  note text NOT NULL,
  reason text NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  frontier bytea NOT NULL
);
CREATE TABLE ${t('blobs')}(
  sha256 text COLLATE "C" PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  data bytea NOT NULL,
  ${ENCODING_COLUMN}
);
CREATE FUNCTION ${s}.vigil_append_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
BEGIN
  RAISE EXCEPTION 'append-only: % rows are never %d', TG_TABLE_NAME, lower(TG_OP);
END
$fn$;
CREATE FUNCTION ${s}.vigil_checkpoints_grow() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $fn$
BEGIN
  -- A log must never sign a smaller tree after a larger one; refuse to even store one.
  IF NEW.size <= (SELECT COALESCE(MAX(size), -1) FROM ${t('checkpoints')}) THEN
    RAISE EXCEPTION 'checkpoints must grow: size % is not above the last stored checkpoint', NEW.size;
  END IF;
  RETURN NEW;
END
$fn$;
COMMENT ON SCHEMA ${s} IS '${SCHEMA_MARKER} ${PG_SCHEMA_VERSION}';
`;
  }

  /** (Re)creates one guard trigger and marks it ENABLE ALWAYS, so session_replication_role = replica does not silence it. */
  private triggerSql(name: string): string {
    const table = name === 'checkpoints_grow' ? 'checkpoints' : name.replace(/_no_(update_delete|truncate)$/, '');
    const t = this.t(table);
    const create =
      name === 'checkpoints_grow'
        ? `CREATE TRIGGER checkpoints_grow BEFORE INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION ${this.s}.vigil_checkpoints_grow()`
        : name.endsWith('_no_truncate')
          ? `CREATE TRIGGER ${quoteIdent(name)} BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${this.s}.vigil_append_only()`
          : `CREATE TRIGGER ${quoteIdent(name)} BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${this.s}.vigil_append_only()`;
    return `DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${t};\n${create};\nALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${quoteIdent(name)};`;
  }

  private grantsSql(grants: { writer?: string; reader?: string }): string {
    const tables = APPEND_ONLY_TABLES.map((n) => this.t(n)).join(', ');
    const out = [`REVOKE ALL ON ${tables} FROM PUBLIC;`];
    if (grants.writer !== undefined) {
      const w = quoteIdent(grants.writer);
      out.push(`GRANT USAGE ON SCHEMA ${this.s} TO ${w};`, `REVOKE UPDATE, DELETE, TRUNCATE ON ${tables} FROM ${w};`, `GRANT SELECT, INSERT ON ${tables} TO ${w};`);
    }
    if (grants.reader !== undefined) {
      const r = quoteIdent(grants.reader);
      out.push(`GRANT USAGE ON SCHEMA ${this.s} TO ${r};`, `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${tables} FROM ${r};`, `GRANT SELECT ON ${tables} TO ${r};`);
    }
    return out.join('\n');
  }

  private async init(grants: { writer?: string; reader?: string } | undefined): Promise<void> {
    // Connect once up front so an unreachable server or bad password is one clear message, not a failure deep in a query.
    await this.query('connect', 'SELECT 1');
    if (this.readOnly) {
      const marker = await this.marker(this.pool);
      if (marker === undefined || marker.version < 1 || marker.version > PG_SCHEMA_VERSION) {
        throw new AppError('LEDGER_NOT_FOUND', `${this.location} holds no initialized Vigil ledger`, {
          exitCode: 2,
          remediation: 'check DATABASE_URL and its schema= parameter, or run `vigil collect` once to create the ledger',
        });
      }
      // Reading never migrates: an older schema is read in its own layout.
      this.blobEncoding = marker.version >= 2;
      this.ownsTables = await this.checkOwner(this.pool);
      await this.checkTriggers(this.pool, false);
      return;
    }
    // Several processes may race to create the schema; the advisory lock serializes them and the marker re-check decides.
    await this.locked('create ledger schema', async (c) => {
      const marker = await this.marker(c);
      if (marker === undefined) {
        const exists = await c.query<{ n: number }>(
          `SELECT count(*)::int8 AS n FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind IN ('r', 'p', 'v')`,
          [this.schema],
        );
        if ((exists.rows[0]?.n ?? 0) > 0) {
          throw new AppError('LEDGER_NOT_A_LEDGER', `${this.location}: schema ${this.schema} already holds tables that are not a Vigil ledger`, {
            exitCode: 2,
            remediation: 'choose another schema with ?schema= in DATABASE_URL',
          });
        }
        // Only when missing: even CREATE SCHEMA IF NOT EXISTS needs CREATE on the database, which an owner role given a
        // ready-made schema (docs/ledger.md) does not have.
        const has = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
        if (has.rowCount === 0) await c.query(`CREATE SCHEMA ${this.s}`);
        await c.query(this.schemaSql());
        for (const n of GUARD_TRIGGERS) await c.query(this.triggerSql(n));
        this.logger.info({ store: this.location }, 'created PostgreSQL ledger schema');
      } else if (marker.version > PG_SCHEMA_VERSION) {
        throw new AppError('LEDGER_SCHEMA_TOO_NEW', `${this.location} has ledger schema ${marker.version}; this Vigil knows up to ${PG_SCHEMA_VERSION}`, {
          remediation: 'upgrade Vigil',
        });
      }
      this.ownsTables = await this.checkOwner(c);
      if (marker !== undefined && marker.version < 2) {
        if (this.ownsTables) {
          // Additive, and a constant default needs no table rewrite; the append-only triggers do not fire on ALTER.
          await c.query(`ALTER TABLE ${this.t('blobs')} ADD COLUMN ${ENCODING_COLUMN}; COMMENT ON SCHEMA ${this.s} IS '${SCHEMA_MARKER} ${PG_SCHEMA_VERSION}'`);
          this.logger.info({ store: this.location, from: marker.version, to: PG_SCHEMA_VERSION }, 'upgraded PostgreSQL ledger schema (compressed blobs)');
        } else {
          this.blobEncoding = false;
          this.logger.warn(
            { store: this.location, version: marker.version },
            'ledger schema is version 1 and this role does not own the tables: blobs are stored uncompressed until the owner connects once to upgrade it',
          );
        }
      }
      await this.checkTriggers(c, this.ownsTables);
      if (grants !== undefined && (grants.writer !== undefined || grants.reader !== undefined)) {
        if (!this.ownsTables) throw new AppError('LEDGER_DB_PERMISSION', `cannot grant on ${this.location}: the connected role does not own the ledger tables`);
        await c.query(this.grantsSql(grants));
      }
    });
    if (this.ownsTables) {
      this.logger.info(
        { store: this.location },
        'the connected PostgreSQL role owns the ledger tables and could disable the append-only triggers; run the agent as a separate writer role (docs/ledger.md)',
      );
    }
  }

  private async marker(c: pg.Pool | pg.PoolClient): Promise<{ version: number } | undefined> {
    const r = await c.query<{ d: string | null }>(`SELECT obj_description(oid, 'pg_namespace') AS d FROM pg_namespace WHERE nspname = $1`, [this.schema]);
    const d = r.rows[0]?.d;
    if (d === undefined || d === null || !d.startsWith(SCHEMA_MARKER + ' ')) return undefined;
    return { version: Number(d.slice(SCHEMA_MARKER.length + 1)) };
  }

  private async checkOwner(c: pg.Pool | pg.PoolClient): Promise<boolean> {
    const r = await c.query<{ owns: boolean }>(`SELECT pg_has_role(current_user, c.relowner, 'USAGE') AS owns FROM pg_class c WHERE c.oid = $1::regclass`, [
      `${this.s}.leaves`,
    ]);
    return r.rows[0]?.owns ?? false;
  }

  private async checkTriggers(c: pg.Pool | pg.PoolClient, canRestore: boolean): Promise<void> {
    const r = await c.query<{ tgname: string; tgenabled: string }>(
      `SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND NOT t.tgisinternal`,
      [this.schema],
    );
    const state = new Map(r.rows.map((x) => [x.tgname, x.tgenabled]));
    for (const n of GUARD_TRIGGERS) {
      if (state.get(n) === 'A') continue;
      if (canRestore) {
        await c.query(this.triggerSql(n));
        this.restoredTriggers.push(n);
      } else {
        this.missingTriggers.push(n);
      }
    }
    if (this.missingTriggers.length > 0) {
      this.logger.error(
        { triggers: this.missingTriggers, store: this.location },
        'ledger append-only triggers are missing or disabled and this role cannot restore them; ask the table owner to reconnect Vigil once, then run `vigil ledger verify`',
      );
    }
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
