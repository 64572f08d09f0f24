// What every command needs before it starts: the config (file, VIGIL_CONFIG or embedded defaults), data dir and logger.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, defaultConfig, type LoadedConfig } from '../config/load.js';
import type { AgentContext } from '../agent.js';
import { resolveDataDir } from '../config/data-dir.js';
import { systemClock } from '../core/collector.js';
import { makeLogger } from './logger.js';

export { makeLogger };

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

export const DEFAULT_CONFIG_FILE = 'vigil.config.yaml';

/** --config, else VIGIL_CONFIG, else ./vigil.config.yaml when present, else the embedded defaults. */
export function loadConfig(opts: GlobalOptions): LoadedConfig {
  const file = opts.config ?? process.env.VIGIL_CONFIG;
  if (file) return loadConfigFile(file);
  if (existsSync(resolve(DEFAULT_CONFIG_FILE))) return loadConfigFile(DEFAULT_CONFIG_FILE);
  return defaultConfig();
}

export function makeContext(opts: GlobalOptions, logLevel?: string): AgentContext {
  const loaded = loadConfig(opts);
  return { loaded, dataDir: resolveDataDir(opts.dataDir, loaded), logger: makeLogger(logLevel), clock: systemClock };
}
