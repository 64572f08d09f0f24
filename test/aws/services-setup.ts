// Shared setup of the AWS service-read tests over HTTP: an emulator holding the generated services of one account in
// two regions, and a collection of every service (not IAM only) evaluated with every AWS rule.
import { collector, emulator } from './helpers.js';
import { demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { generateServices } from '../../collectors/aws/emulator/services-estate.js';
import type { AwsSourceConfig } from '../../collectors/aws/index.js';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Result, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { awsRules } from '../../rules/aws/index.js';

export const ACCOUNT = '123456789012';
export const REGIONS = ['us-east-1', 'eu-west-1'];
const FULL: Partial<AwsSourceConfig> = { iamOnly: false, regions: REGIONS, maxAttempts: 2 };

/** An emulator with the seeded services: `healthy` passes everything, otherwise the second region has the gaps. */
export async function withServices(healthy = false): Promise<AwsEmulator> {
  const e = await emulator(demoEstate());
  e.services = generateServices({ accountId: ACCOUNT, regions: REGIONS, historyDays: 2, eventsPerDay: 1, databases: 1, healthy });
  return e;
}

export async function run(e: AwsEmulator): Promise<{ s: Snapshot; results: Result[] }> {
  const s = await collector(e, FULL).collect({ scope: ACCOUNT, slot: '2025-01-01T00:00:00.000Z', clock: systemClock, logger: silentLogger });
  return { s, results: evaluateSnapshot(s, awsRules, { now: new Date() }) };
}
