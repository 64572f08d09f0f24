// The AWS source plug-in: config schema and collector factory. The emulator and demo wiring are in demo.ts.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { awsSourceConfigSchema, type AwsSourceConfig } from './config.js';
import { createAwsCollector } from './collector.js';

export { createAwsCollector, ACTION_INPUTS, IAM_MAX_ITEMS } from './collector.js';
export { awsSourceConfigSchema, type AwsSourceConfig } from './config.js';
export * from '../../src/core/contracts/aws.js';

export const awsSource: SourcePlugin<AwsSourceConfig> = {
  id: 'aws',
  configSchema: awsSourceConfigSchema,
  createCollector: createAwsCollector,
};

export default awsSource;
