// Okta source plug-in: config schema and collector factory for the composition root. The emulator is in demo.ts.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createOktaCollector } from './collector.js';
import { oktaConfigSchema, type OktaConfig } from './config.js';

export { OKTA_RESOURCE_TYPES } from '../../src/core/contracts/okta.js';
export type { OktaConfig } from './config.js';

export const oktaSource: SourcePlugin<OktaConfig> = {
  id: 'okta',
  configSchema: oktaConfigSchema as unknown as SourcePlugin<OktaConfig>['configSchema'],
  createCollector: createOktaCollector,
};

export default oktaSource;
