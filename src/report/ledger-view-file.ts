// The saved ledger view (`<dir>/ledger-view.json`, mode 600): what LedgerView folded, up to which leaf and its hash, so
// a restart folds only the leaves appended since. Written whole to a temporary file and renamed, so a reader never sees
// half a file; a file that cannot be read or is of another format is ignored (the view folds the ledger again).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/collector.js';
import type { ScopeHealth } from './health.js';

/** One scope's last run as the trend sees it: its results blob and when it was observed (ms). */
export interface TrendRun {
  key: string;
  sha: string;
  at: number;
}

export interface ViewFile {
  format: 1;
  origin: string;
  /** The next seq to fold; `lastHash` is the hash of leaf `next - 1`. */
  next: number;
  lastHash: string;
  openDayEnd?: number;
  scopes: ScopeHealth[];
  retirements: Array<{ seq: number; body: Record<string, unknown> }>;
  /** [scope|rule|resource, status it moved to, when]. */
  since: Array<[string, string, string]>;
  trendLatest: TrendRun[];
  closes: Array<[number, TrendRun[]]>;
  /** [results sha, [rule, pass, fail, error, notApplicable][]]. */
  tallies: Array<[string, Array<[string, number, number, number, number]>]>;
}

export const VIEW_FILE = 'ledger-view.json';

export function writeViewFile(dir: string, f: ViewFile): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, VIEW_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(f), { mode: 0o600 });
  renameSync(tmp, path);
}

const ARRAYS = ['scopes', 'retirements', 'since', 'trendLatest', 'closes', 'tallies'] as const;

/** The saved view, or undefined (logged) when there is none or it is not one this version wrote. */
export function readViewFile(dir: string, logger: Logger): ViewFile | undefined {
  const path = join(dir, VIEW_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const f = JSON.parse(readFileSync(path, 'utf8')) as Partial<ViewFile>;
    const shaped = f.format === 1 && typeof f.origin === 'string' && Number.isInteger(f.next) && typeof f.lastHash === 'string' && ARRAYS.every((k) => Array.isArray(f[k]));
    if (shaped) return f as ViewFile;
    logger.warn({ path }, 'ledger view: the saved view is not in the expected format; folding the ledger from the start');
  } catch (e) {
    logger.warn({ path, err: (e as Error).message }, 'ledger view: the saved view could not be read; folding the ledger from the start');
  }
  return undefined;
}
