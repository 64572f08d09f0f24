// Shared setup for the AWS tests: an emulator on a random port and a collector pointed at it with fake credentials.
import { silentLogger, systemClock, type Clock } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { createAwsCollector, type AwsSourceConfig } from '../../collectors/aws/index.js';
import { startAwsEmulator, type AwsEmulator, type AwsEstate } from '../../collectors/aws/emulator/index.js';

// The SDK reads credentials from the environment, as in production; these only ever reach 127.0.0.1.
process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTVIGILLOCAL';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-value-never-logged';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;

export const FAKE_SECRET = 'test-secret-value-never-logged';

export async function emulator(estate?: AwsEstate, reportDelayMs = 0): Promise<AwsEmulator> {
  return startAwsEmulator({ ...(estate ? { estate } : {}), reportDelayMs });
}

export function collector(emu: AwsEmulator, extra: Partial<AwsSourceConfig> = {}) {
  // IAM-only unless a test asks for the services: these tests count IAM calls exactly
  return createAwsCollector({ endpoint: emu.url, maxAttempts: 4, iamOnly: true, ...extra }, { logger: silentLogger, clock: systemClock, configDir: '.' });
}

export async function collect(emu: AwsEmulator, extra: Partial<AwsSourceConfig> = {}, signal?: AbortSignal, clock: Clock = systemClock): Promise<Snapshot> {
  const c = collector(emu, extra);
  return c.collect({ scope: emu.estate.accountId, slot: '2025-01-01T00:00:00.000Z', clock, logger: silentLogger, ...(signal ? { signal } : {}) });
}

export function byType(s: Snapshot, type: string) {
  return s.resources.filter((r) => r.type === type);
}

export function byName(s: Snapshot, type: string, name: string) {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r.attributes as Record<string, unknown>;
}
