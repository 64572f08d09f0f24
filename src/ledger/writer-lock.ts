// One writer per ledger: an exclusive lock taken before anything is written, released on exit, safe after a crash.
//
// SQLite ledgers (a data dir): the file `<dataDir>/writer.lock`, created with O_EXCL and holding the holder's pid, host,
// process start time, command and since. A lock whose holder is on this host and no longer alive (or whose pid now
// belongs to another process, told apart by its start time) is stale and taken over. A lock held from another host
// cannot be checked and is never taken over: the message says how to clear it.
//
// PostgreSQL ledgers: a session advisory lock (class WRITER_LOCK_CLASS, key hashtext(schema)) on a connection kept
// for the process's life, so the server releases it when the process dies. The holder is named from pg_stat_activity
// through the connection's application_name.
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';

/** Who holds a ledger's writer lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601 instant the lock was taken. */
  since: string;
  /** The command that holds it, e.g. `vigil run`. */
  command: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/PID/stat field 22), to tell a reused pid apart. */
  startTicks?: number;
}

export interface WriterLock {
  readonly holder: LockHolder;
  /** Where the lock lives: the lock file's path, or `postgres schema NAME`. */
  readonly where: string;
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

/** Second key class of the session advisory lock ('VIGW'); the append lock uses 'VIGL' with the same second key. */
export const WRITER_LOCK_CLASS = 0x56494757;
export const LOCK_FILE = 'writer.lock';
/** A lock file still empty after this long was left by a crash between create and write. */
const EMPTY_LOCK_GRACE_MS = 5_000;

/** Thrown when another process holds the lock. Exit code 1: a runtime condition, not a usage mistake. */
export class LedgerLockedError extends AppError {
  constructor(
    readonly holder: LockHolder | undefined,
    where: string,
    hint: string,
  ) {
    const who = holder ? `pid ${holder.pid} on ${holder.host} (${holder.command}), since ${holder.since}` : 'another process';
    super('LEDGER_LOCKED', `the ledger is being written by ${who}; only one writer per ledger (${where}). ${hint}`, {
      remediation: 'Stop the other writer, or point this one at another data dir / schema.',
    });
    this.name = 'LedgerLockedError';
  }
}

/** This process's start time in clock ticks (Linux), or undefined elsewhere. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: split after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a holder recorded on this host is gone (its pid is dead, or is now another process). */
function goneOnThisHost(h: LockHolder): boolean {
  if (!alive(h.pid)) return true;
  if (h.startTicks === undefined) return false;
  const now = processStartTicks(h.pid);
  return now !== undefined && now !== h.startTicks;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' && typeof h.command === 'string') return h as LockHolder;
  } catch {
    // fall through: not a lock we wrote completely
  }
  return undefined;
}

export interface FileLockOptions {
  dataDir: string;
  command: string;
  now?: () => Date;
  /** For tests: the host name recorded and compared. @defaultValue os.hostname() */
  host?: string;
  pid?: number;
}

/** Takes `<dataDir>/writer.lock` or throws LedgerLockedError naming the holder. Takes over a stale lock at most once. */
export function acquireFileLock(opts: FileLockOptions): WriterLock {
  const path = join(opts.dataDir, LOCK_FILE);
  const pid = opts.pid ?? process.pid;
  const startTicks = processStartTicks(pid);
  const holder: LockHolder = {
    pid,
    host: opts.host ?? hostname(),
    since: (opts.now?.() ?? new Date()).toISOString(),
    command: opts.command,
    ...(startTicks === undefined ? {} : { startTicks }),
  };
  const text = JSON.stringify(holder) + '\n';
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (attempt === 0 && takeOverIfStale(path, holder.host)) continue;
      const current = readHolder(path);
      throw new LedgerLockedError(
        current,
        path,
        current && current.host !== holder.host
          ? `It was taken on another host, so this one cannot tell whether it still runs; if it does not, remove ${path}.`
          : 'Stop it first (or wait for it to exit).',
      );
    }
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      holder,
      where: path,
      release: async () => {
        if (released) return;
        released = true;
        // Remove only our own lock: never one a later writer took after a takeover.
        if (readHolder(path)?.pid === pid && readHolder(path)?.since === holder.since) unlinkSync(path);
      },
    };
  }
  throw new LedgerLockedError(readHolder(path), path, 'Another process took it over at the same moment.');
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return parseHolder(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock and says whether it did. The lock is first renamed to a private name, so of two processes
 * judging the same stale lock only one gets it; if what was renamed is not the lock judged stale (a live writer took
 * it in between), it is put back.
 */
function takeOverIfStale(path: string, host: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return true; // gone in between: just try again
  }
  const h = parseHolder(text);
  if (h) {
    if (h.host !== host || !goneOnThisHost(h)) return false;
  } else {
    // Empty or partial: a crash between create and write, or a writer still writing it right now.
    try {
      if (Date.now() - statSync(path).mtimeMs < EMPTY_LOCK_GRACE_MS) return false;
    } catch {
      return true;
    }
  }
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return true; // someone else moved it first: try again, and meet their lock if they took one
  }
  if (readFileSync(aside, 'utf8') !== text) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process already holds a new lock; ours was a live one we must not drop, but it cannot be restored
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

/** The part of a pg client the PostgreSQL lock needs. */
export interface PgLockClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}

export interface PgLockOptions {
  /** A dedicated connection, opened with application_name `vigil-writer`; kept for the life of the lock. */
  client: PgLockClient;
  schema: string;
  command: string;
  now?: () => Date;
}

/** Takes the PostgreSQL session advisory lock for `schema`, or throws LedgerLockedError naming the holder. */
export async function acquirePgLock(opts: PgLockOptions): Promise<WriterLock> {
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: (opts.now?.() ?? new Date()).toISOString(), command: opts.command };
  const where = `postgres schema ${opts.schema}`;
  // Name this session so a refused writer can say who holds the lock (application_name is at most 63 bytes).
  await opts.client.query(`SELECT set_config('application_name', $1, false)`, [`vigil-writer ${holder.host.slice(0, 30)} pid ${holder.pid}`.slice(0, 63)]);
  const got = await opts.client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [WRITER_LOCK_CLASS, opts.schema]);
  if (got.rows[0]?.ok !== true) {
    const who = await opts.client.query(
      `SELECT a.application_name AS name, a.backend_start AS since, a.client_addr AS addr
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = $1::bigint::oid
          AND l.objid = ((hashtext($2)::bigint + 4294967296) % 4294967296)::oid AND l.granted
        LIMIT 1`,
      [WRITER_LOCK_CLASS, opts.schema],
    );
    const row = who.rows[0];
    const m = /^vigil-writer (\S+) pid (\d+)$/.exec(String(row?.name ?? ''));
    const other: LockHolder | undefined = row
      ? { pid: m ? Number(m[2]) : 0, host: m ? m[1]! : String(row.addr ?? 'unknown host'), since: new Date(String(row.since)).toISOString(), command: 'vigil' }
      : undefined;
    await opts.client.end().catch(() => undefined);
    throw new LedgerLockedError(other, where, 'The lock is released when that process exits or its database session ends.');
  }
  let released = false;
  return {
    holder,
    where,
    release: async () => {
      if (released) return;
      released = true;
      // Ending the session releases the session lock even if the unlock query fails.
      await opts.client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [WRITER_LOCK_CLASS, opts.schema]).catch(() => undefined);
      await opts.client.end();
    },
  };
}

/**
 * Takes the writer lock of the ledger a process is about to write: the PostgreSQL advisory lock when `databaseUrl` is
 * set (the schema named in it, else `vigil`), else the data dir's lock file (the dir is created, 0700, if missing).
 */
export async function takeWriterLock(opts: { dataDir: string; databaseUrl?: string; command: string; logger?: { error(o: object, m: string): void }; connectTimeoutMs?: number }): Promise<WriterLock> {
  if (opts.databaseUrl) {
    const { parseUrl, pgError, redactDatabaseUrl } = await import('./pg-url.js');
    const { DEFAULT_SCHEMA, PG_CONNECT_TIMEOUT_MS } = await import('./pg-store.js');
    const parsed = parseUrl(opts.databaseUrl);
    const pg = (await import('pg')).default;
    const client = new pg.Client({
      connectionString: parsed.connectionString,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS,
      ...(parsed.password === undefined ? {} : { password: parsed.password }),
    });
    // Losing this session loses the lock: say so loudly rather than writing on without it unnoticed.
    client.on('error', (e: Error) => opts.logger?.error({ err: e.message }, 'writer lock: the PostgreSQL session holding the lock failed; another writer could now take it'));
    try {
      await client.connect();
    } catch (e) {
      throw pgError(e, 'take the writer lock', redactDatabaseUrl(parsed.connectionString), (t) => (parsed.password ? t.split(parsed.password).join('***') : t));
    }
    return acquirePgLock({ client: client as unknown as PgLockClient, schema: parsed.schemaFromUrl ?? DEFAULT_SCHEMA, command: opts.command });
  }
  const { mkdirSync } = await import('node:fs');
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  return acquireFileLock({ dataDir: opts.dataDir, command: opts.command });
}
