// GuardDuty findings over real HTTP against the emulator: active HIGH+ findings listed with ListFindings' criteria and
// read in batches of 50 with GetFindings; a listed finding that does not come back, a denied or degraded read is
// error for the region's findings, never a pass.
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../../collectors/aws/emulator/index.js';
import type { Result } from '../../src/core/types.js';
import { run, withServices } from './services-setup.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const RULE = 'aws.guardduty.high_findings_triaged';

const byRegion = (results: Result[]): Record<string, string> => Object.fromEntries(results.filter((r) => r.ruleId === RULE).map((r) => [r.region ?? '-', r.status]));

describe('GuardDuty findings over HTTP', () => {
  it('reads the seeded estate: a HIGH finding open 12 days fails eu-west-1; LOW and archived findings are not even listed', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(byRegion(results)).toEqual({ 'us-east-1': 'pass', 'eu-west-1': 'fail' });
    expect(results.find((r) => r.ruleId === RULE && r.status === 'fail')?.reason).toMatch(/^eu-west-1: 1 HIGH\+ finding\(s\) active past 7 days: CryptoCurrency:EC2\/BitcoinTool\.B!DNS since \d{4}-\d{2}-\d{2}$/);
    // the criteria went to GuardDuty: only the one active HIGH finding of eu-west-1 was fetched
    const gets = emu.calls.filter((c) => c.action === 'GetFindings');
    expect(gets.map((c) => c.region)).toEqual(['eu-west-1']);
    const f = s.resources.filter((r) => r.type === 'aws.guardduty.findings');
    expect(f.map((r) => (r.attributes.findings as unknown[]).length).sort()).toEqual([0, 1]);
  });

  it('pages ListFindings (50 ids a page) and batches GetFindings by 50', async () => {
    emu = await withServices(true);
    const now = Date.now();
    emu.services.guardDutyFindings = Array.from({ length: 51 }, (_, i) => ({ id: `x${String(i).padStart(3, '0')}`.padEnd(32, '0'), region: 'us-east-1', type: 'Backdoor:EC2/C&CActivity.B', severity: 7 + (i % 3), created: new Date(now - 86_400_000).toISOString(), updated: new Date(now).toISOString(), archived: false }));
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    const us = emu.calls.filter((c) => c.region === 'us-east-1');
    expect([us.filter((c) => c.action === 'ListFindings').length, us.filter((c) => c.action === 'GetFindings').length]).toEqual([2, 2]);
    expect(results.find((r) => r.ruleId === RULE && r.region === 'us-east-1')?.reason).toBe('us-east-1: 51 active HIGH+ finding(s), none older than 7 days');
  });

  it('a listed finding that GetFindings does not return is incomplete, and the region errors', async () => {
    emu = await withServices();
    emu.faults.reply('GetFindings', { status: 200, contentType: 'application/json', body: '{"findings":[]}' });
    const { s, results } = await run(emu);
    expect(s.errors.map((e) => [e.operation, e.cause])).toEqual([['guardduty:GetFindings', 'incomplete']]);
    expect(results.filter((r) => r.ruleId === RULE).map((r) => r.status)).toEqual(['error']);
  });

  it.each([
    ['denied', (e: AwsEmulator) => e.faults.deny('ListFindings'), 'denied'],
    ['an empty object', (e: AwsEmulator) => e.faults.reply('ListFindings', { status: 200, body: '{}' }), 'malformed'],
    ['an HTML page', (e: AwsEmulator) => e.faults.reply('GetFindings', { status: 200, contentType: 'text/html', body: '<html>502</html>' }), 'malformed'],
    ['a finding without its id', (e: AwsEmulator) => e.faults.reply('GetFindings', { status: 200, body: '{"findings":[{"severity":8}]}' }), 'malformed'],
  ])('a read %s is error for the findings, never a pass', async (_n, degrade, cause) => {
    emu = await withServices();
    degrade(emu);
    const { s, results } = await run(emu);
    expect(s.errors.some((e) => e.operation.startsWith('guardduty:') && e.cause === cause)).toBe(true);
    expect(results.filter((r) => r.ruleId === RULE).map((r) => r.status)).toEqual(['error']);
    // the detectors themselves were read: aws.guardduty.enabled still judges them
    expect(results.filter((r) => r.ruleId === 'aws.guardduty.enabled').map((r) => r.status).sort()).toEqual(['fail', 'pass']);
  });
});
