// Okta source plug-in: config schema, collector factory, emulator and demo config for the composition root.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createOktaCollector } from './collector.js';
import { oktaConfigSchema, type OktaConfig } from './config.js';
import { startOktaEmulator } from './emulator.js';

export { OKTA_RESOURCE_TYPES } from '../../src/core/contracts/okta.js';
export type { OktaConfig } from './config.js';
export { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from './emulator.js';

export const oktaSource: SourcePlugin<OktaConfig> = {
  id: 'okta',
  configSchema: oktaConfigSchema as unknown as SourcePlugin<OktaConfig>['configSchema'],
  createCollector: createOktaCollector,
  startEmulator: (opts) => startOktaEmulator({
    port: opts?.port,
    estate: opts?.estate === undefined || opts.estate === 'demo' ? 'demo' : (opts.estate as { users: number; seed?: number }),
  }),
  demoConfig: (emulator) => ({
    config: oktaConfigSchema.parse({ orgUrl: emulator.url, auth: { type: 'ssws', token: 'emulator-ssws-token' } }),
  }),
};
