// The AWS collector across an emulated organization: AssumeRole per account, per-region results, one account's
// failure staying its own, CloudTrail events recorded exactly once over consecutive runs and after downtime, and the
// member-account policy equal to the actions really called.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import './helpers.js';
import type { Clock } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import { createAwsCollector } from '../../collectors/aws/index.js';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { allRules } from '../../rules/index.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { recordRun } from '../../src/pipeline/record.js';

let emu: AwsEmulator;
let dir: string;
let t = new Date('2026-03-01T00:00:00Z');
const clock: Clock = { now: () => new Date(t) };
const aws = allRules.filter((r) => r.source === 'aws');

beforeEach(async () => {
  t = new Date('2026-03-01T00:00:00Z');
  dir = mkdtempSync(join(tmpdir(), 'vigil-aws-org-'));
  emu = await startAwsEmulator({ ...orgEstate({ accounts: 3, unassumable: [1], now: t, historyDays: 120, eventsPerDay: 3, regions: ['us-east-1', 'eu-west-1'] }), reportDelayMs: 0, clock });
});
afterEach(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

const collector = () => createAwsCollector({ endpoint: emu.url, organization: true, externalId: EMU_EXTERNAL_ID, maxAttempts: 3 }, { logger: silentLogger, clock, configDir: '.' });

it('collects every account of the organization per region; an account whose role cannot be assumed errors alone', async () => {
  const c = collector();
  const scopes = await c.scopes();
  expect(scopes).toHaveLength(3);
  const ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
  const byScope: Record<string, Awaited<ReturnType<typeof collectAndEvaluate>>> = {};
  for (const scope of scopes) byScope[scope] = await collectAndEvaluate(c, { source: 'aws', scope, slot: t.toISOString() }, { rules: aws, params: {}, clock, logger: silentLogger, blobs: ledger });
  await ledger.close();
  const [mgmt, member, broken] = scopes.map((s) => byScope[s]!);
  // the unassumable account: every rule is an error naming AssumeRole, nothing else
  expect(broken!.results.every((r) => r.status === 'error')).toBe(true);
  expect(broken!.job.summary.errors[0]!.message).toMatch(/sts:AssumeRole .* failed: AccessDenied/);
  for (const ok of [mgmt!, member!]) {
    expect(ok.job.summary.errors).toEqual([]);
    const ruleIds = new Set(ok.results.map((r) => r.ruleId));
    for (const r of aws) expect(ruleIds, r.id).toContain(r.id);
    expect(ok.results.filter((r) => r.status === 'error')).toEqual([]);
    const regions = new Set(ok.results.filter((r) => r.ruleId === 'aws.rds.encrypted_private').map((r) => r.region));
    expect([...regions].sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(ok.results.some((r) => r.ruleId === 'aws.rds.automated_backups' && r.status === 'fail')).toBe(true);
  }
  // requests into member accounts were made with the assumed role's credentials, in both regions
  const memberCalls = emu.calls.filter((x) => x.account === scopes[1]);
  expect(new Set(memberCalls.map((x) => x.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
  // LookupEvents never went above 2 per second per account and region
  expect(emu.calls.filter((x) => x.code === 'ThrottlingException')).toEqual([]);
}, 60_000);

it('records every CloudTrail event exactly once over consecutive runs and after 10 days of downtime', async () => {
  const c = collector();
  const scope = (await c.scopes())[1]!;
  const ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
  let cursors: Record<string, string> | undefined;
  const run = async (): Promise<void> => {
    const { job } = await collectAndEvaluate(c, { source: 'aws', scope, slot: t.toISOString(), ...(cursors ? { cursors } : {}) }, { rules: aws, params: {}, clock, logger: silentLogger, blobs: ledger });
    await recordRun(ledger, job);
    cursors = job.cursors;
  };
  const member = emu.members.get(scope)!;
  await run();
  t = new Date(t.getTime() + 86_400_000);
  await run();
  t = new Date(t.getTime() + 11 * 86_400_000); // 10 days with no run
  await run();
  const leaves: Array<Record<string, unknown>> = [];
  for await (const l of ledger.leaves({ types: ['event', 'gap'] })) leaves.push(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
  await ledger.close();
  const events = leaves.filter((l) => l.type === 'event' && String(l.ruleId).startsWith('aws.cloudtrail.'));
  const keys = events.map((e) => `${e.ruleId} ${e.resourceId}`);
  expect(new Set(keys).size).toBe(keys.length);
  // every relevant event in the window of the last run's reach that happened before its cursor end is recorded
  const lag = 15 * 60_000;
  const firstReach = Date.parse('2026-03-01T00:00:00Z') - 90 * 86_400_000;
  const relevant = member.services.events.filter((e) => Date.parse(e.time) >= firstReach + 60_000 && Date.parse(e.time) <= t.getTime() - lag && (e.userType === 'Root' || ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'].includes(e.name)));
  const recorded = new Set(events.map((e) => String(e.resourceId).split('/').pop()));
  for (const e of relevant) expect(recorded, `${e.name} ${e.time}`).toContain(e.id);
  const gaps = leaves.filter((l) => l.type === 'gap');
  expect(gaps.some((g) => g.declared === true && String(g.reason).includes('LookupEvents'))).toBe(true);
}, 60_000);

it('deploy/aws/member-policy.json grants exactly the actions called in a member account', async () => {
  const policy = JSON.parse(readFileSync(fileURLToPath(new URL('../../deploy/aws/member-policy.json', import.meta.url)), 'utf8')) as { Statement: Array<{ Effect: string; Action: string[] }> };
  const granted = new Set(policy.Statement.flatMap((s) => (s.Effect === 'Allow' ? s.Action : [])));
  for (const a of granted) expect(a).toMatch(/^[a-z0-9-]+:(Get|List|Describe|Lookup|Generate)[A-Za-z]+(V2)?$/); // read-only verbs (ListFindingsV2 is an action name)
  const c = collector();
  const scope = (await c.scopes())[1]!;
  await c.collect({ scope, slot: t.toISOString(), clock, logger: silentLogger });
  // the IAM action differs from the API operation's name for these (S3 Control's account-level GetPublicAccessBlock)
  const names: Record<string, string> = { monitoring: 'cloudwatch', 's3:ListBuckets': 's3:ListAllMyBuckets', 's3:GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock', 's3:GetObjectLockConfiguration': 's3:GetBucketObjectLockConfiguration' };
  const used = new Set(emu.calls.filter((x) => x.account === scope).map((x) => names[`${x.service}:${x.action}`] ?? `${names[x.service] ?? x.service}:${x.action}`));
  expect([...used].sort()).toEqual([...granted].sort());
}, 60_000);
