// Plain-language causes for file-system failures, and checks that a path can be written before anything is written there.
import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The cause of a Node file-system error in words an operator acts on, by errno code; undefined for other errors. */
export function fsCause(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return `permission denied for this user${userTag()}`;
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EEXIST':
      return 'it already exists';
    case 'ELOOP':
      return 'too many symbolic links (a link loop?)';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    default:
      return undefined;
  }
}

/** The path a Node file-system error is about, when it says. */
export function fsPath(e: unknown): string | undefined {
  const p = (e as NodeJS.ErrnoException | undefined)?.path;
  return typeof p === 'string' ? p : undefined;
}

function userTag(): string {
  return typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
}

/** What kind of thing is at `path` without following a final symbolic link, or undefined when nothing is there. */
export function pathKind(path: string): 'folder' | 'file' | 'symlink' | 'other' | undefined {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'folder';
    if (st.isFile()) return 'file';
    return 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file, so nothing can be here; the caller's folder check names that parent.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Why a folder could not be created (with its missing parents) and written at `dir`, or undefined when it can: the
 * nearest existing ancestor must be a folder this user may write into. `mustExist`: the folder itself must already be there.
 */
export function folderWriteProblem(dir: string, opts: { mustExist?: boolean } = {}): string | undefined {
  let at = dir;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !opts.mustExist) {
        const up = dirname(at);
        if (up === at) return `${at} does not exist`;
        at = up;
        continue;
      }
      if (code === 'ENOENT') return `folder ${at} does not exist`;
      return `${at}: ${fsCause(e) ?? (e as Error).message}`;
    }
    if (!isDir) return `${at} is a file, not a folder`;
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch (e) {
      return `folder ${at} is not writable: ${fsCause(e) ?? (e as Error).message}`;
    }
    return undefined;
  }
}
