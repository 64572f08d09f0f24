// Entra ID source plug-in: config schema and collector factory for the composition root. The emulator is in demo.ts.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createEntraCollector } from './collector.js';
import { entraConfigSchema, type EntraConfig } from './config.js';

export { ENTRA_RESOURCE_TYPES } from '../../src/core/contracts/entra.js';
export type { EntraConfig } from './config.js';

export const entraSource: SourcePlugin<EntraConfig> = {
  id: 'entra',
  configSchema: entraConfigSchema as unknown as SourcePlugin<EntraConfig>['configSchema'],
  createCollector: createEntraCollector,
};

export default entraSource;
