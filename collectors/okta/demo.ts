// The Okta emulator and the config that points the collector at it: for `vigil demo`, tests and benchmarks only,
// loaded lazily through collectors/manifest.ts so no agent process loads emulator code.
import { tenantEstate, type SourceDemo } from '../../src/core/source-plugin.js';
import { oktaConfigSchema, type OktaConfig } from './config.js';
import { startOktaEmulator } from './emulator.js';

export { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from './emulator.js';

export const oktaDemo: SourceDemo<OktaConfig> = {
  startEmulator: (opts) => startOktaEmulator({ port: opts?.port, estate: tenantEstate(opts) }),
  demoConfig: (emulator) => ({
    config: oktaConfigSchema.parse({ orgUrl: emulator.url, auth: { type: 'ssws', token: 'emulator-ssws-token' } }),
  }),
};

export default oktaDemo;
