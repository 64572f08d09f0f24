// AWS Health over real HTTP against the emulator: open issues and upcoming scheduled changes read once per account
// from us-east-1; an account without a Business (or higher) support plan answers SubscriptionRequiredException, which
// is an error naming the cause — never a pass, never "no event".
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { run, withServices } from './services-setup.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const RULE = 'aws.health.events_reviewed';

describe('AWS Health over HTTP', () => {
  it('lists the open issue and the upcoming change once per account, from us-east-1, leaving the closed issue out', async () => {
    emu = await withServices();
    const { s, results } = await run(emu);
    expect(s.errors).toEqual([]);
    expect(emu.calls.filter((c) => c.service === 'health').map((c) => `${c.region} ${c.action} ${c.status}`)).toEqual(['us-east-1 DescribeEvents 200']);
    const rs = results.filter((r) => r.ruleId === RULE).map((r) => `${r.status} ${r.reason}`).sort();
    expect(rs).toEqual([
      'pass 2 open issue(s) and upcoming scheduled change(s) read from AWS Health',
      expect.stringMatching(/^pass captured for review: issue AWS_EC2_OPERATIONAL_ISSUE \(EC2\) in eu-west-1, open from \d{4}-\d{2}-\d{2}$/),
      expect.stringMatching(/^pass captured for review: scheduledChange AWS_RDS_MAINTENANCE_SCHEDULED \(RDS\) in us-east-1, upcoming from \d{4}-\d{2}-\d{2}$/),
    ]);
  });

  it('without a Business support plan (SubscriptionRequiredException) the rule is error naming it, never pass', async () => {
    emu = await withServices();
    emu.services.health = { subscribed: false, events: [] };
    const { s, results } = await run(emu);
    expect(s.errors.map((e) => [e.operation, e.code, e.cause])).toEqual([['health:DescribeEvents', 'SubscriptionRequiredException', 'unimplemented']]);
    const rs = results.filter((r) => r.ruleId === RULE);
    expect(rs.map((r) => r.status)).toEqual(['error']);
    expect(rs[0]!.reason).toMatch(/SubscriptionRequiredException/);
    // the API is not open to the account's plan: "not supported", not a denial and not Vigil's own failure
    expect(rs[0]!.reason).toMatch(/operation not supported by the source/);
    expect(rs[0]!.reason).not.toMatch(/needs permission|internal error/);
    expect(s.errors[0]!.message).toMatch(/Premium Support Subscription is required/);
  });

  it.each([
    ['an empty object', { status: 200, body: '{}' }],
    ['an HTML page', { status: 200, contentType: 'text/html', body: '<html>502</html>' }],
    ['an event without its arn', { status: 200, body: '{"events":[{"service":"EC2"}]}' }],
  ])('%s is malformed, and the rule errors', async (_n, reply) => {
    emu = await withServices();
    emu.faults.reply('DescribeEvents', reply);
    const { s, results } = await run(emu);
    expect(s.errors.find((e) => e.operation === 'health:DescribeEvents')?.cause).toBe('malformed');
    expect(results.filter((r) => r.ruleId === RULE).map((r) => r.status)).toEqual(['error']);
  });
});
