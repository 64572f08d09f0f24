// PostgreSQL ledger schema: DDL, append-only guard triggers, role grants, and the checks and migrations run at open.
import type pg from 'pg';
import type { Logger } from '../core/collector.js';
import { AppError } from '../core/errors.js';

/** 1: the first layout. 2: blobs gain `encoding` (identity | br | deflate | gzip); `size` stays the decoded size. */
export const PG_SCHEMA_VERSION = 2;
export const ENCODING_COLUMN = `encoding text NOT NULL DEFAULT 'identity' CHECK (encoding IN ('identity', 'br', 'deflate', 'gzip'))`;
/** Written as the schema's comment: marks it as a Vigil ledger so we never migrate someone else's schema. */
const SCHEMA_MARKER = 'vigil-ledger schema';
/** First key of the two-key advisory lock ('VIGL'); the second is hashtext(schema), so ledgers in one database do not block each other. */
export const LOCK_CLASS = 0x5669474c;
export const APPEND_ONLY_TABLES = ['meta', 'leaves', 'checkpoints', 'blobs'] as const;
/** Every trigger the append-only guarantee rests on, by table; each must exist with tgenabled = 'A' (ENABLE ALWAYS). */
export const GUARD_TRIGGERS = APPEND_ONLY_TABLES.flatMap((t) => [`${t}_no_update_delete`, `${t}_no_truncate`]).concat('checkpoints_grow');

export interface PgGrants {
  writer?: string;
  reader?: string;
}

/** What opening found: who owns the tables, whether blobs carry an encoding, which guards were restored or are missing. */
export interface PgSchemaState {
  ownsTables: boolean;
  blobEncoding: boolean;
  restoredTriggers: string[];
  missingTriggers: string[];
}

/** The store as the schema code needs it: its pool, its error-mapping query and its advisory-locked transaction. */
export interface PgSchemaHost {
  readonly schema: string;
  readonly location: string;
  readonly readOnly: boolean;
  readonly logger: Logger;
  readonly pool: pg.Pool;
  query(what: string, sql: string): Promise<unknown>;
  locked<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
}

type Queryable = pg.Pool | pg.PoolClient;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function tableName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** The tables, guard functions and schema marker of a new ledger schema. */
export function schemaSql(schema: string): string {
  const s = quoteIdent(schema);
  const t = (n: string) => tableName(schema, n);
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
export function triggerSql(schema: string, name: string): string {
  const table = name === 'checkpoints_grow' ? 'checkpoints' : name.replace(/_no_(update_delete|truncate)$/, '');
  const s = quoteIdent(schema);
  const t = tableName(schema, table);
  const create =
    name === 'checkpoints_grow'
      ? `CREATE TRIGGER checkpoints_grow BEFORE INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION ${s}.vigil_checkpoints_grow()`
      : name.endsWith('_no_truncate')
        ? `CREATE TRIGGER ${quoteIdent(name)} BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${s}.vigil_append_only()`
        : `CREATE TRIGGER ${quoteIdent(name)} BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${s}.vigil_append_only()`;
  return `DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${t};\n${create};\nALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${quoteIdent(name)};`;
}

/** Grants for the writer and reader roles; UPDATE, DELETE and TRUNCATE revoked from them and PUBLIC. */
export function grantsSql(schema: string, grants: PgGrants): string {
  const s = quoteIdent(schema);
  const tables = APPEND_ONLY_TABLES.map((n) => tableName(schema, n)).join(', ');
  const out = [`REVOKE ALL ON ${tables} FROM PUBLIC;`];
  if (grants.writer !== undefined) {
    const w = quoteIdent(grants.writer);
    out.push(`GRANT USAGE ON SCHEMA ${s} TO ${w};`, `REVOKE UPDATE, DELETE, TRUNCATE ON ${tables} FROM ${w};`, `GRANT SELECT, INSERT ON ${tables} TO ${w};`);
  }
  if (grants.reader !== undefined) {
    const r = quoteIdent(grants.reader);
    out.push(`GRANT USAGE ON SCHEMA ${s} TO ${r};`, `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${tables} FROM ${r};`, `GRANT SELECT ON ${tables} TO ${r};`);
  }
  return out.join('\n');
}

/**
 * Opens the ledger schema as `host` may: checks a read-only one, else creates, upgrades and guards it under the advisory
 * lock, and grants roles when asked. Returns what it found, for the store to expose.
 */
export async function initPgSchema(host: PgSchemaHost, grants: PgGrants | undefined): Promise<PgSchemaState> {
  const state: PgSchemaState = { ownsTables: false, blobEncoding: true, restoredTriggers: [], missingTriggers: [] };
  // Connect once up front so an unreachable server or bad password is one clear message, not a failure deep in a query.
  await host.query('connect', 'SELECT 1');
  if (host.readOnly) {
    const marker = await readMarker(host.schema, host.pool);
    if (marker === undefined || marker.version < 1 || marker.version > PG_SCHEMA_VERSION) {
      throw new AppError('LEDGER_NOT_FOUND', `${host.location} holds no initialized Vigil ledger`, {
        exitCode: 2,
        remediation: 'check DATABASE_URL and its schema= parameter, or run `vigil collect` once to create the ledger',
      });
    }
    // Reading never migrates: an older schema is read in its own layout.
    state.blobEncoding = marker.version >= 2;
    state.ownsTables = await checkOwner(host.schema, host.pool);
    await checkTriggers(host, state, host.pool, false);
    return state;
  }
  // Several processes may race to create the schema; the advisory lock serializes them and the marker re-check decides.
  await host.locked('create ledger schema', async (c) => {
    const marker = await readMarker(host.schema, c);
    if (marker === undefined) {
      const exists = await c.query<{ n: number }>(
        `SELECT count(*)::int8 AS n FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind IN ('r', 'p', 'v')`,
        [host.schema],
      );
      if ((exists.rows[0]?.n ?? 0) > 0) {
        throw new AppError('LEDGER_NOT_A_LEDGER', `${host.location}: schema ${host.schema} already holds tables that are not a Vigil ledger`, {
          exitCode: 2,
          remediation: 'choose another schema with ?schema= in DATABASE_URL',
        });
      }
      // Only when missing: even CREATE SCHEMA IF NOT EXISTS needs CREATE on the database, which an owner role given a
      // ready-made schema (docs/ledger.md) does not have.
      const has = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [host.schema]);
      if (has.rowCount === 0) await c.query(`CREATE SCHEMA ${quoteIdent(host.schema)}`);
      await c.query(schemaSql(host.schema));
      for (const n of GUARD_TRIGGERS) await c.query(triggerSql(host.schema, n));
      host.logger.info({ store: host.location }, 'created PostgreSQL ledger schema');
    } else if (marker.version > PG_SCHEMA_VERSION) {
      throw new AppError('LEDGER_SCHEMA_TOO_NEW', `${host.location} has ledger schema ${marker.version}; this Vigil knows up to ${PG_SCHEMA_VERSION}`, {
        remediation: 'upgrade Vigil',
      });
    }
    state.ownsTables = await checkOwner(host.schema, c);
    if (marker !== undefined && marker.version < 2) {
      if (state.ownsTables) {
        // Additive, and a constant default needs no table rewrite; the append-only triggers do not fire on ALTER.
        await c.query(`ALTER TABLE ${tableName(host.schema, 'blobs')} ADD COLUMN ${ENCODING_COLUMN}; COMMENT ON SCHEMA ${quoteIdent(host.schema)} IS '${SCHEMA_MARKER} ${PG_SCHEMA_VERSION}'`);
        host.logger.info({ store: host.location, from: marker.version, to: PG_SCHEMA_VERSION }, 'upgraded PostgreSQL ledger schema (compressed blobs)');
      } else {
        state.blobEncoding = false;
        host.logger.warn(
          { store: host.location, version: marker.version },
          'ledger schema is version 1 and this role does not own the tables: blobs are stored uncompressed until the owner connects once to upgrade it',
        );
      }
    }
    await checkTriggers(host, state, c, state.ownsTables);
    if (grants !== undefined && (grants.writer !== undefined || grants.reader !== undefined)) {
      if (!state.ownsTables) throw new AppError('LEDGER_DB_PERMISSION', `cannot grant on ${host.location}: the connected role does not own the ledger tables`);
      await c.query(grantsSql(host.schema, grants));
    }
  });
  if (state.ownsTables) {
    host.logger.info(
      { store: host.location },
      'the connected PostgreSQL role owns the ledger tables and could disable the append-only triggers; run the agent as a separate writer role (docs/ledger.md)',
    );
  }
  return state;
}

async function readMarker(schema: string, c: Queryable): Promise<{ version: number } | undefined> {
  const r = await c.query<{ d: string | null }>(`SELECT obj_description(oid, 'pg_namespace') AS d FROM pg_namespace WHERE nspname = $1`, [schema]);
  const d = r.rows[0]?.d;
  if (d === undefined || d === null || !d.startsWith(SCHEMA_MARKER + ' ')) return undefined;
  return { version: Number(d.slice(SCHEMA_MARKER.length + 1)) };
}

async function checkOwner(schema: string, c: Queryable): Promise<boolean> {
  const r = await c.query<{ owns: boolean }>(`SELECT pg_has_role(current_user, c.relowner, 'USAGE') AS owns FROM pg_class c WHERE c.oid = $1::regclass`, [
    `${quoteIdent(schema)}.leaves`,
  ]);
  return r.rows[0]?.owns ?? false;
}

async function checkTriggers(host: PgSchemaHost, state: PgSchemaState, c: Queryable, canRestore: boolean): Promise<void> {
  const r = await c.query<{ tgname: string; tgenabled: string }>(
    `SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND NOT t.tgisinternal`,
    [host.schema],
  );
  const enabled = new Map(r.rows.map((x) => [x.tgname, x.tgenabled]));
  for (const n of GUARD_TRIGGERS) {
    if (enabled.get(n) === 'A') continue;
    if (canRestore) {
      await c.query(triggerSql(host.schema, n));
      state.restoredTriggers.push(n);
    } else {
      state.missingTriggers.push(n);
    }
  }
  if (state.missingTriggers.length > 0) {
    host.logger.error(
      { triggers: state.missingTriggers, store: host.location },
      'ledger append-only triggers are missing or disabled and this role cannot restore them; ask the table owner to reconnect Vigil once, then run `vigil ledger verify`',
    );
  }
}
