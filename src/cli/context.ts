// What every command needs before it starts: the config (file, VIGIL_CONFIG or embedded defaults), data dir and logger.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { loadConfigFile, defaultConfig, type LoadedConfig } from '../config/load.js';
import { resolveDataDir, type AgentContext } from '../agent.js';
import { systemClock, type Logger } from '../core/collector.js';

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

/** Structured logs go to stderr, so stdout stays clean for --json. Secrets are redacted by path. */
export function makeLogger(level = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['*.token', '*.password', '*.secret', '*.privateKey', '*.clientSecret', '*.authorization', 'headers.authorization', '*.headers.authorization'],
        censor: '[REDACTED]',
      },
    },
    pino.destination(2),
  ) as unknown as Logger;
}

export function makeContext(opts: GlobalOptions, logLevel?: string): AgentContext {
  const loaded = loadConfig(opts);
  return { loaded, dataDir: resolveDataDir(opts.dataDir, loaded), logger: makeLogger(logLevel), clock: systemClock };
}
