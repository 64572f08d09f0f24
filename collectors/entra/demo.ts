// The Entra ID emulator and the config that points the collector at it: for `vigil demo`, tests and benchmarks only,
// loaded lazily through collectors/manifest.ts so no agent process loads emulator code.
import { tenantEstate, type SourceDemo } from '../../src/core/source-plugin.js';
import { entraConfigSchema, type EntraConfig } from './config.js';
import { startEntraEmulator } from './emulator.js';

export { startEntraEmulator, type EntraEmulator, type EntraEmulatorOptions } from './emulator.js';

export const entraDemo: SourceDemo<EntraConfig> = {
  startEmulator: (opts) => startEntraEmulator({ port: opts?.port, estate: tenantEstate(opts) }),
  demoConfig: (emulator) => ({
    config: entraConfigSchema.parse({
      tenantId: '3f0c1b4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret',
      authorityHost: emulator.url, graphUrl: emulator.url,
    }),
  }),
};

export default entraDemo;
