// The AWS emulator and the config that points the collector at it: for `vigil demo`, tests and benchmarks only,
// loaded lazily through collectors/manifest.ts so no agent process loads emulator code.
import type { RunningEmulator, SourceDemo, EmulatorOptions } from '../../src/core/source-plugin.js';
import type { AwsSourceConfig } from './config.js';
import { demoEstate, generateEstate, startAwsEmulator, type AwsEmulator } from './emulator/index.js';
import { generateServices } from './emulator/services-estate.js';
import { lockedBucket } from './emulator/s3-objects.js';

/** Fake credentials for the demo: they only ever reach the local emulator, and do not look like real AWS keys. */
export const DEMO_ACCESS_KEY_ID = 'AKIDEMOVIGILLOCALONLY';
export const DEMO_SECRET_ACCESS_KEY = 'vigil-demo-not-a-secret';

export const awsDemo: SourceDemo<AwsSourceConfig> = {
  async startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
    // `estate` may be 'demo' (default) or a number of users for a generated estate
    const estate = typeof opts.estate === 'number' ? generateEstate({ users: opts.estate }) : demoEstate();
    // The demo account also runs CloudTrail, databases, backups, buckets and alarms (some failing), with a short
    // event history that reaches past LookupEvents' 90-day window, so the declared gap shows too.
    const services = generateServices({ accountId: estate.accountId, regions: ['us-east-1', 'eu-west-1'], historyDays: 100, eventsPerDay: 2, databases: 2 });
    // `vigil demo --config FILE` with a publish.s3 block: its bucket, created with Object Lock, in the home region.
    for (const name of opts.wormBuckets ?? []) services.buckets.push(lockedBucket(name, 'us-east-1', new Date().toISOString()));
    const emu: AwsEmulator = await startAwsEmulator({ estate, services, ...(opts.port !== undefined ? { port: opts.port } : {}) });
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

export default awsDemo;
