// The files of an SQLite ledger on disk: its folder made or refused with the path and cause, open failures explained,
// and the -wal/-shm files a reader had to create removed again when it was the last one using them.
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AppError, isAppError, UsageError } from '../core/errors.js';
import { folderWriteProblem, fsCause, pathKind } from '../core/path-problems.js';

const FIX_ACCESS = 'run as the user that owns the data dir, give this user access to it, or point --data-dir at a copy';

/** Refuses a data dir that is a file; for a writer, creates the folder (owner-only) or says why it cannot. */
export function prepareLedgerFolder(path: string, readOnly: boolean): void {
  const dir = dirname(path);
  const kind = pathKind(dir);
  if (kind !== undefined && kind !== 'folder' && !(kind === 'symlink' && pathKind(`${dir}/.`) === 'folder')) {
    throw new UsageError('LEDGER_DIR_NOT_FOLDER', `data dir ${dir} is a file, not a folder`, { remediation: 'check --data-dir (or dataDir in the config)' });
  }
  if (readOnly) {
    if (!existsSync(path)) throw new AppError('LEDGER_NOT_FOUND', `no ledger database at ${path}`, { exitCode: 2, remediation: 'check --data-dir' });
    return;
  }
  if (kind === undefined) {
    const problem = folderWriteProblem(dir);
    if (problem !== undefined) throw new AppError('LEDGER_DIR_UNWRITABLE', `cannot create data dir ${dir}: ${problem}`, { remediation: FIX_ACCESS });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

/** Why the database at `path` could not be opened, in words naming the file or folder at fault and the cause. */
export function ledgerOpenFailure(path: string, readOnly: boolean, cause: unknown): AppError {
  if (isAppError(cause)) return cause;
  const dir = dirname(path);
  const detail = (cause as Error).message;
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return new AppError('LEDGER_UNREADABLE', `cannot read ledger ${path}: ${fsCause(e) ?? (e as Error).message}`, { cause, remediation: FIX_ACCESS });
  }
  const folderProblem = folderWriteProblem(dir, { mustExist: true });
  if (readOnly && folderProblem !== undefined && !existsSync(`${path}-shm`)) {
    // SQLite reads a WAL-mode database through its -shm index; a stopped agent leaves none, so a reader must create one.
    return new AppError('LEDGER_DIR_READ_ONLY', `cannot read ledger ${path}: SQLite must create ${basename(path)}-shm and -wal beside it to read it, and ${folderProblem} (${detail})`, { cause, remediation: FIX_ACCESS });
  }
  if (!readOnly && folderProblem !== undefined) return new AppError('LEDGER_DIR_UNWRITABLE', `cannot write ledger ${path}: ${folderProblem}`, { cause, remediation: FIX_ACCESS });
  if (!readOnly && existsSync(path)) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      return new AppError('LEDGER_UNWRITABLE', `cannot write ledger ${path}: ${fsCause(e) ?? (e as Error).message}`, { cause, remediation: FIX_ACCESS });
    }
  }
  return new AppError('LEDGER_OPEN_FAILED', `cannot open ledger database ${path}: ${detail}`, { cause });
}

/**
 * The name to open a ledger by for reading. In a folder this user cannot write, with no -shm beside the file (no writer
 * has it open: a writer keeps -shm while it runs), SQLite cannot create the -shm a WAL reader needs, so the file is read
 * as immutable: a snapshot as of now, which is what a read command reports. better-sqlite3 takes URI names only when
 * SQLITE_USE_URI=1 was set before its first connection; if one was opened earlier, the open fails and is explained.
 */
export function readerName(path: string): { name: string; snapshot: boolean } {
  if (!readerWillCreateSidecars(path) || folderWriteProblem(dirname(path), { mustExist: true }) === undefined) return { name: path, snapshot: false };
  process.env.SQLITE_USE_URI ??= '1';
  return { name: `file:${path.split('/').map(encodeURIComponent).join('/')}?immutable=1`, snapshot: true };
}

/** True when neither -wal nor -shm is beside `path`: a reader opening it now creates both. */
export function readerWillCreateSidecars(path: string): boolean {
  return !existsSync(`${path}-wal`) && !existsSync(`${path}-shm`);
}

/**
 * Removes the -wal and -shm files a reader created, if no one else uses them: a read-only connection leaves them behind,
 * while a read-write connection closing last checkpoints and deletes them. Opening one and closing it lets SQLite decide
 * (it keeps them while another connection is open). Best effort: a reader's output never depends on it.
 */
export function tidyReaderSidecars(path: string): void {
  try {
    const db = new Database(path, { fileMustExist: true, timeout: 0 });
    try {
      db.pragma('user_version');
    } finally {
      db.close();
    }
  } catch {
    // Not writable by this user, or busy: the files stay, as they would have without this.
  }
}
