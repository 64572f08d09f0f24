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

describe('a user in the credential report but not in the authorization details, both read without error', () => {
  it('is error for every policy rule, never a pass or silence by omission', async () => {
    // The report is a snapshot taken when it is generated and served until it expires; bob is deleted after that, so the
    // next collection finds his row in the report but not in the details, with no per-resource error.
    const own = await startAwsEmulator({ estate: loadEstateFile(ESTATE), reportDelayMs: 0 });
    try {
      const c = createAwsCollector({ endpoint: own.url, maxAttempts: 2, iamOnly: true }, { logger: silentLogger, clock: systemClock, configDir: '.' });
      const run = () => c.collect({ scope: ACCOUNT, slot: new Date().toISOString(), clock: systemClock, logger: silentLogger });
      await run();
      own.estate.users = own.estate.users.filter((u) => u.name !== 'bob');
      const s = await run();
      expect(s.errors).toEqual([]);
      expect(s.resources.find((r) => r.id === arn('user', 'bob'))?.attributes).toMatchObject({ detailsMissing: true });
      const rs = evaluateSnapshot(s, awsRules, { now: new Date() });
      const of = (ruleId: string, id: string) => rs.find((r) => r.ruleId === ruleId && r.resourceId === id);
      for (const ruleId of ['aws.iam.no_direct_user_policies', 'aws.iam.no_full_admin_policies', 'aws.iam.no_dangerous_permissions', 'aws.iam.privileged_users_mfa']) {
        expect(of(ruleId, arn('user', 'bob'))?.status, ruleId).toBe('error');
      }
      expect(of('aws.iam.no_full_admin_policies', 'arn:aws:iam::aws:policy/AdministratorAccess')?.status).toBe('error');
    } finally {
      await own.close();
    }
  });
});
