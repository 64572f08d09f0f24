// Where an evidence bundle may be written (`--out`: a new folder or a new .zip, never through a link) and with what modes.
import { chmodSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { folderWriteProblem, pathKind } from '../core/path-problems.js';

/** Modes of the files and folders of a bundle: they hold user lists and e-mail addresses, so owner-only by default. */
export interface BundleModes {
  file: number;
  folder: number;
}

/** @defaultValue files 0600, folders 0700 (`vigil export --file-mode` widens them, e.g. 0640 → folders 0750). */
export const DEFAULT_BUNDLE_MODES: BundleModes = { file: 0o600, folder: 0o700 };

const ACCEPTS = '--out takes a new folder (a name without a file extension) or a new path ending in .zip';

/**
 * The modes for `--file-mode` (octal, e.g. 0640): the owner keeps read and write, nothing is executable; a folder gets
 * search (x) wherever its files get read, so whoever may read the files may open the folders.
 */
export function bundleModes(fileMode: number | undefined): BundleModes {
  if (fileMode === undefined) return DEFAULT_BUNDLE_MODES;
  if (!Number.isInteger(fileMode) || fileMode < 0 || fileMode > 0o777 || (fileMode & 0o600) !== 0o600 || (fileMode & 0o111) !== 0) {
    throw new UsageError('EXPORT_BAD_FILE_MODE', `--file-mode ${fileMode.toString(8).padStart(4, '0')}: expected an octal file mode with owner read and write and no execute bits, such as 0600 or 0640`);
  }
  return { file: fileMode, folder: fileMode | ((fileMode & 0o444) >> 2) };
}

/** `--file-mode` as given on the command line ("0640", "640"). */
export function parseFileMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) {
    throw new UsageError('EXPORT_BAD_FILE_MODE', `--file-mode ${JSON.stringify(text)}: expected an octal file mode such as 0600 or 0640`);
  }
  const mode = Number.parseInt(text, 8);
  bundleModes(mode);
  return mode;
}

/**
 * Checks `--out` before anything is read or written: a symbolic link (even a dangling one) is refused, a .zip must be
 * new in an existing writable folder, a folder must be new or empty and creatable, and any other file name (such as
 * evidence.tar.gz, which would silently become a folder) is refused with what is accepted.
 */
export function checkOutPath(out: string): { outPath: string; zip: boolean } {
  const outPath = resolve(out);
  const zip = outPath.toLowerCase().endsWith('.zip');
  const kind = pathKind(outPath);
  if (kind === 'symlink') {
    throw new UsageError('EXPORT_OUT_SYMLINK', `--out ${out} is a symbolic link; a bundle is never written through a link (it could put the evidence somewhere else)`, { remediation: ACCEPTS });
  }
  if (zip) {
    if (kind !== undefined) throw new UsageError('EXPORT_OUT_EXISTS', `--out ${out} already exists; choose a new path`);
    const problem = folderWriteProblem(dirname(outPath), { mustExist: true });
    if (problem !== undefined) throw new UsageError('EXPORT_OUT_UNWRITABLE', `--out ${out}: ${problem}`, { remediation: ACCEPTS });
    return { outPath, zip };
  }
  if (kind === 'file' || kind === 'other') throw new UsageError('EXPORT_OUT_EXISTS', `--out ${out} already exists and is a file, not a folder; choose a new path`, { remediation: ACCEPTS });
  if (kind === 'folder' && readdirSync(outPath).length > 0) throw new UsageError('EXPORT_OUT_EXISTS', `--out ${out} already exists and is not empty; choose a new path`);
  const ext = /\.[a-z][a-z0-9]{0,4}$/i.exec(basename(outPath));
  if (kind === undefined && ext) {
    throw new UsageError('EXPORT_OUT_KIND', `--out ${out}: "${ext[0]}" names a file type Vigil does not write`, { remediation: ACCEPTS });
  }
  const problem = folderWriteProblem(outPath);
  if (problem !== undefined) throw new UsageError('EXPORT_OUT_UNWRITABLE', `--out ${out}: ${problem}`, { remediation: ACCEPTS });
  return { outPath, zip };
}

/** Sets every file and folder under `root` (given as relative file paths) and `root` itself to the bundle's modes. */
export function applyBundleModes(root: string, files: readonly string[], modes: BundleModes): void {
  const folders = new Set<string>();
  for (const f of files) {
    chmodSync(join(root, f), modes.file);
    for (let d = dirname(f); d !== '.' && !folders.has(d); d = dirname(d)) folders.add(d);
  }
  for (const d of folders) chmodSync(join(root, d), modes.folder);
  chmodSync(root, modes.folder);
}
