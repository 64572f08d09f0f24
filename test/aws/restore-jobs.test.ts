// AWS Backup restore jobs read over real HTTP from the emulator: the demo's restore tests judged by
// aws.backup.restore_tested, the time filter sent, paging, and every failed or degraded read `error`, never a pass.
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../../collectors/aws/emulator/index.js';
import type { Result } from '../../src/core/types.js';
import { ACCOUNT, run, withServices } from './services-setup.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const RULE = 'aws.backup.restore_tested';
const verdicts = (results: Result[]): string[] => results.filter((r) => r.ruleId === RULE).map((r) => `${r.resourceId.split(':').slice(-2).join(':')} ${r.status}`).sort();
const ago = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

describe('AWS Backup restore jobs over HTTP', () => {
  it('judges the demo estate: the Aurora clusters tested 20 days ago pass, the instances last tested 140 days ago fail', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors.filter((e) => e.operation === 'backup:ListRestoreJobs')).toEqual([]);
    expect(verdicts(results)).toEqual(['cluster:aurora-eu-west-1 pass', 'cluster:aurora-us-east-1 pass', 'db:db-eu-west-1-0 fail', 'db:db-us-east-1-0 fail']);
    const db = results.find((r) => r.ruleId === RULE && r.resourceId.endsWith('db:db-us-east-1-0'))!;
    // the aborted restore 10 days ago is named but does not count; the 140-day-old success was outside the window asked for
    expect(db.reason).toMatch(/no successful restore test in the last 92 days \(last: none since .*; 1 failed or aborted\)/);
    const list = s.resources.find((r) => r.type === 'aws.backup.restore_jobs' && r.region === 'us-east-1')!;
    expect((list.attributes.jobs as Array<{ id: string }>).map((j) => j.id).sort()).toEqual(['rj-us-east-1-a1', 'rj-us-east-1-a2', 'rj-us-east-1-d2']);
    expect(emu.calls.filter((c) => c.action === 'ListRestoreJobs')).toHaveLength(2);
  });

  it('passes a healthy account; pages past 1000 jobs to find a test on the second page', async () => {
    emu = await withServices(true);
    const db = `arn:aws:rds:us-east-1:${ACCOUNT}:db:db-us-east-1-0`;
    const other = Array.from({ length: 1200 }, (_, i) => ({ id: `rj-x${i}`, region: 'us-east-1', sourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-${i}`, resourceType: 'EBS', status: 'COMPLETED' as const, created: ago(1), completed: ago(0.9) }));
    // the only test of the instance is older than all 1200 others: listed newest first, it is on page 2
    emu.services.restoreJobs = [...other, ...emu.services.restoreJobs!.filter((j) => j.sourceArn !== db), { id: 'rj-db', region: 'us-east-1', sourceArn: db, resourceType: 'RDS', status: 'COMPLETED', created: ago(5), completed: ago(4.9) }];
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(emu.calls.filter((c) => c.action === 'ListRestoreJobs' && c.region === 'us-east-1')).toHaveLength(2);
    expect(verdicts(results)).toEqual(['cluster:aurora-eu-west-1 pass', 'cluster:aurora-us-east-1 pass', 'db:db-eu-west-1-0 pass', 'db:db-us-east-1-0 pass']);
  });

  it('a denied read is error naming backup:ListRestoreJobs for every store', async () => {
    emu = await withServices(true);
    emu.faults.deny('ListRestoreJobs');
    const { s, results } = await run(emu);
    expect(s.errors.find((e) => e.operation === 'backup:ListRestoreJobs')).toMatchObject({ cause: 'denied', permission: 'backup:ListRestoreJobs' });
    const rs = results.filter((r) => r.ruleId === RULE);
    expect(rs.map((r) => r.status)).toEqual(['error']);
    expect(rs[0]!.reason).toContain('backup:ListRestoreJobs');
  });

  it.each([
    ['throttled past the retries', (e: AwsEmulator) => e.faults.throttle('ListRestoreJobs', 10)],
    ['a job without RestoreJobId', (e: AwsEmulator) => e.faults.reply('ListRestoreJobs', { status: 200, body: '{"RestoreJobs":[{"Status":"COMPLETED","CompletionDate":1.7E9}]}' })],
    ['a reply without RestoreJobs', (e: AwsEmulator) => e.faults.reply('ListRestoreJobs', { status: 200, body: '{}' })],
    ['a COMPLETED job without CompletionDate', (e: AwsEmulator) => e.faults.reply('ListRestoreJobs', { status: 200, body: '{"RestoreJobs":[{"RestoreJobId":"r1","Status":"COMPLETED"}]}' })],
    // the first page points at a second the service no longer honours: the list is cut short
    ['a second page that cannot be read', (e: AwsEmulator) => e.faults.reply('ListRestoreJobs', { status: 200, body: `{"RestoreJobs":[],"NextToken":"expired"}` }, 1)],
  ])('%s is error, never a pass', async (_name, inject) => {
    emu = await withServices(true);
    inject(emu);
    const { s, results } = await run(emu);
    expect(s.errors.some((e) => e.operation === 'backup:ListRestoreJobs')).toBe(true);
    expect(new Set(results.filter((r) => r.ruleId === RULE).map((r) => r.status))).toEqual(new Set(['error']));
  });
});
