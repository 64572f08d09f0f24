// What every command and role is built from: the loaded config, the data directory, the logger and the clock.
import type { Clock, Logger } from './core/collector.js';
import type { LoadedConfig } from './config/load.js';

export interface AgentContext {
  loaded: LoadedConfig;
  dataDir: string;
  logger: Logger;
  clock: Clock;
}
