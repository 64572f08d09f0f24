// The AWS source plug-in: config schema, collector factory, bundled emulator and the demo wiring.
import type { RunningEmulator, SourcePlugin, EmulatorOptions } from '../../src/core/source-plugin.js';
import { awsSourceConfigSchema, type AwsSourceConfig } from './config.js';
import { createAwsCollector } from './collector.js';
import { demoEstate, generateEstate, startAwsEmulator, type AwsEmulator } from './emulator/index.js';

export { createAwsCollector, ACTION_INPUTS, IAM_MAX_ITEMS } from './collector.js';
export { awsSourceConfigSchema, type AwsSourceConfig } from './config.js';
export * from './types.js';

/** Fake credentials for the demo: they only ever reach the local emulator, and do not look like real AWS keys. */
export const DEMO_ACCESS_KEY_ID = 'AKIDEMOVIGILLOCALONLY';
export const DEMO_SECRET_ACCESS_KEY = 'vigil-demo-not-a-secret';

export const awsSource: SourcePlugin<AwsSourceConfig> = {
  id: 'aws',
  configSchema: awsSourceConfigSchema,
  createCollector: createAwsCollector,
  async startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
    // `estate` may be 'demo' (default) or a number of users for a generated estate
    const estate = typeof opts.estate === 'number' ? generateEstate({ users: opts.estate }) : demoEstate();
    const emu: AwsEmulator = await startAwsEmulator({ estate, ...(opts.port !== undefined ? { port: opts.port } : {}) });
    return emu;
  },
  demoConfig(emulator: RunningEmulator) {
    return {
      // the account comes from STS like in production; the endpoint from AWS_ENDPOINT_URL like every AWS tool
      config: {},
      env: {
        AWS_ENDPOINT_URL: emulator.url,
        AWS_ACCESS_KEY_ID: DEMO_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: DEMO_SECRET_ACCESS_KEY,
        AWS_REGION: 'us-east-1',
      },
    };
  },
};
