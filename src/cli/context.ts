// What every command needs before it starts: the config (file, VIGIL_CONFIG or embedded defaults), data dir and logger.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, defaultConfig, type LoadedConfig } from '../config/load.js';
import type { AgentContext } from '../agent.js';
import { resolveDataDir } from '../config/data-dir.js';
import { systemClock } from '../core/collector.js';
import { makeLogger } from './logger.js';
import { checkRuleSettings } from '../config/rule-settings.js';
import { UsageError } from '../core/errors.js';

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

export async function makeContext(opts: GlobalOptions, logLevel?: string): Promise<AgentContext> {
  const loaded = loadConfig(opts);
  // Every command that loads a config rejects a wrong rule setting at its line, not only those that evaluate rules.
  // The rule catalogue is imported only when the config names rules, so plain configs keep commands fast.
  if (loaded.config.rules.disabled.length > 0 || Object.keys(loaded.config.rules.params).length > 0) {
    const { allRules, CROSS_SOURCE_RULES } = await import('../../rules/index.js');
    checkRuleSettings(loaded, { rules: allRules, otherIds: CROSS_SOURCE_RULES.map((r) => r.id) });
  }
  const dataDir = resolveDataDir(opts.dataDir, loaded);
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new UsageError('DATA_DIR_NOT_FOLDER', `data dir ${dataDir} is a file, not a folder`, { remediation: `check ${opts.dataDir ? '--data-dir' : 'dataDir in the config (or pass --data-dir)'}` });
  }
  return { loaded, dataDir, logger: makeLogger(logLevel), clock: systemClock };
}
