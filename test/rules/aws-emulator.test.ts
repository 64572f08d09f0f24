// The AWS rules on a real collection: the collector talks HTTP to the bundled emulator's demo estate, the engine judges it.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import type { Result, Snapshot } from '../../src/core/types.js';
import { createAwsCollector } from '../../collectors/aws/index.js';
import { loadEstateFile, startAwsEmulator, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { awsRules } from '../../rules/aws/index.js';

// The SDK reads credentials from the environment as in production; these fake ones only ever reach 127.0.0.1.
process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTVIGILRULES';
process.env.AWS_SECRET_ACCESS_KEY = 'rules-test-not-a-secret';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;

const ESTATE = fileURLToPath(new URL('../../collectors/aws/emulator/estates/demo.yaml', import.meta.url));
const ACCOUNT = '123456789012';
const arn = (kind: string, name: string) => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;

let emu: AwsEmulator;
let snapshot: Snapshot;
let results: Result[];

function status(ruleId: string, resourceId: string): string | undefined {
  return results.find((r) => r.ruleId === ruleId && r.resourceId === resourceId)?.status;
}

beforeAll(async () => {
  emu = await startAwsEmulator({ estate: loadEstateFile(ESTATE), reportDelayMs: 0 });
  const collector = createAwsCollector({ endpoint: emu.url, maxAttempts: 2 }, { logger: silentLogger, clock: systemClock, configDir: '.' });
  snapshot = await collector.collect({ scope: ACCOUNT, slot: new Date().toISOString(), clock: systemClock, logger: silentLogger });
  results = evaluateSnapshot(snapshot, awsRules, { now: new Date() });
});

afterAll(async () => {
  await emu?.close();
});

describe('AWS rules on the emulated demo estate', () => {
  it('collects every input the rules need, without errors, so no rule ends in error', () => {
    expect(snapshot.errors).toEqual([]);
    for (const r of awsRules) for (const i of r.inputs) expect(Object.keys(snapshot.inputs), `${r.id} needs ${i}`).toContain(i);
    expect(results.filter((r) => r.status === 'error')).toEqual([]);
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(awsRules.map((r) => r.id)));
  });

  it('judges the estate as the demo file describes it', () => {
    const root = `arn:aws:iam::${ACCOUNT}:root`;
    expect(status('aws.iam.root_mfa_enabled', root)).toBe('pass');
    expect(status('aws.iam.root_credentials_minimized', root)).toBe('fail');
    expect(status('aws.iam.password_policy_strong', `arn:aws:iam::${ACCOUNT}:password-policy`)).toBe('fail');
    expect(status('aws.iam.console_users_mfa', arn('user', 'alice'))).toBe('pass');
    expect(status('aws.iam.console_users_mfa', arn('user', 'bob'))).toBe('fail');
    expect(status('aws.iam.privileged_users_mfa', arn('user', 'alice'))).toBe('pass');
    expect(status('aws.iam.privileged_users_mfa', arn('user', 'bob'))).toBe('fail');
    expect(status('aws.iam.privileged_users_mfa', arn('user', 'service/ci-deployer'))).toBe('fail');
    expect(status('aws.iam.privileged_users_mfa', arn('user', 'carol'))).toBeUndefined();
    expect(status('aws.iam.no_full_admin_policies', arn('policy', 'break-glass-everything'))).toBe('fail');
    expect(status('aws.iam.no_full_admin_policies', arn('policy', 'developer-access'))).toBe('pass');
    expect(status('aws.iam.no_direct_user_policies', arn('user', 'service/ci-deployer'))).toBe('fail');
    const holders = results.find((r) => r.ruleId === 'aws.iam.no_full_admin_policies' && r.resourceId === 'arn:aws:iam::aws:policy/AdministratorAccess');
    expect(holders?.details?.holders).toEqual(
      expect.arrayContaining([expect.objectContaining({ arn: arn('user', 'alice') }), expect.objectContaining({ arn: arn('group', 'admins') })]),
    );
  });
});
