// The HR export emulator and the config that points the collector at it: for `vigil demo`, tests and benchmarks only,
// loaded lazily through collectors/manifest.ts so no agent process loads emulator code.
import type { SourceDemo } from '../../src/core/source-plugin.js';
import { hrisConfigSchema, type HrisConfig } from './config.js';
import { EMULATOR_TOKEN, ROSTER_PATH, startHrisEmulator } from './emulator.js';

export { startHrisEmulator, demoRosterCsv, generatedRosterCsv, EMULATOR_TOKEN, ROSTER_PATH, type HrisEmulator, type HrisEmulatorOptions } from './emulator.js';

export const hrisDemo: SourceDemo<HrisConfig> = {
  startEmulator: (opts) => startHrisEmulator({
    port: opts?.port,
    estate: opts?.estate === undefined || opts.estate === 'demo' ? 'demo' : { employees: (opts.estate as { users: number }).users, seed: (opts.estate as { seed?: number }).seed },
  }),
  demoConfig: (emulator) => ({
    config: hrisConfigSchema.parse({ url: `${emulator.url}${ROSTER_PATH}`, headers: { Authorization: `Bearer ${EMULATOR_TOKEN}` } }),
  }),
};

export default hrisDemo;
