// Entra ID source plug-in: config schema, collector factory, emulator and demo config for the composition root.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createEntraCollector } from './collector.js';
import { entraConfigSchema, type EntraConfig } from './config.js';
import { startEntraEmulator } from './emulator.js';

export { ENTRA_RESOURCE_TYPES } from '../../src/core/contracts/entra.js';
export type { EntraConfig } from './config.js';
export { startEntraEmulator, type EntraEmulator, type EntraEmulatorOptions } from './emulator.js';

export const entraSource: SourcePlugin<EntraConfig> = {
  id: 'entra',
  configSchema: entraConfigSchema as unknown as SourcePlugin<EntraConfig>['configSchema'],
  createCollector: createEntraCollector,
  startEmulator: (opts) => startEntraEmulator({
    port: opts?.port,
    estate: opts?.estate === undefined || opts.estate === 'demo' ? 'demo' : (opts.estate as { users: number; seed?: number }),
  }),
  demoConfig: (emulator) => ({
    config: entraConfigSchema.parse({
      tenantId: '3f0c1b4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret',
      authorityHost: emulator.url, graphUrl: emulator.url,
    }),
  }),
};
