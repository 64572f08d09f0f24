// Where the ledger and keys live: --data-dir, else the config's dataDir (relative to the config file), else ./.vigil.
import { resolve } from 'node:path';
import type { LoadedConfig } from './load.js';

export function resolveDataDir(cliDataDir: string | undefined, loaded: LoadedConfig, fallback = '.vigil'): string {
  if (cliDataDir) return resolve(cliDataDir);
  if (loaded.config.dataDir) return resolve(loaded.dir, loaded.config.dataDir);
  return resolve(fallback);
}
