// HR roster source plug-in: config schema and collector factory for the composition root. The emulator is in demo.ts.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createHrisCollector } from './collector.js';
import { hrisConfigSchema, type HrisConfig } from './config.js';

export { HRIS_RESOURCE_TYPES } from '../../src/core/contracts/hris.js';
export type { HrisConfig } from './config.js';

export const hrisSource: SourcePlugin<HrisConfig> = {
  id: 'hris',
  configSchema: hrisConfigSchema as unknown as SourcePlugin<HrisConfig>['configSchema'],
  createCollector: createHrisCollector,
};

export default hrisSource;
