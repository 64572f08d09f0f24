// Rule replay over a real ledger recorded through the real collect and record stages: the differences it reports are
// checked against ages computed here from the fixture's dates, not by running the engine a second time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { recordRun } from '../../src/pipeline/record.js';
import { replayRule, diffResults } from '../../src/report/replay.js';
import { allRules } from '../../rules/index.js';
import { silentLogger, type Collector } from '../../src/core/collector.js';
import type { Snapshot } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { SimClock } from '../export/helpers.js';

const RULE = allRules.find((r) => r.id === 'aws.iam.access_keys_rotated')!;
const START = Date.parse('2025-03-01T06:00:00Z');
const ALICE_KEY = '2025-01-01T00:00:00Z';
const BOB_KEY = '2025-02-25T00:00:00Z';
const DAY = 86_400_000;

function user(name: string, created: string) {
  return {
    source: 'aws' as const,
    scope: '111122223333',
    type: 'aws.iam.user',
    id: `arn:aws:iam::111122223333:user/${name}`,
    name,
    attributes: {
      userId: name.toUpperCase(),
      path: '/',
      createdAt: '2024-01-01T00:00:00Z',
      passwordEnabled: false,
      passwordLastUsed: null,
      passwordLastChanged: null,
      mfaActive: true,
      accessKeys: [{ slot: 1, active: true, lastRotated: created, lastUsed: '2025-02-28T00:00:00Z' }],
      groups: [],
      attachedPolicies: [],
      inlinePolicies: [],
    },
    observedAt: '',
  };
}

/** A collector of one account with two users; on `failDay` the credential report cannot be read. */
function collector(clock: SimClock, failDay: number): Collector {
  return {
    source: 'aws',
    scopes: async () => ['111122223333'],
    collect: async (ctx): Promise<Snapshot> => {
      const now = clock.now().toISOString();
      const dayIndex = Math.floor((Date.parse(ctx.slot) - START) / DAY);
      const failed = dayIndex === failDay;
      return {
        source: 'aws',
        scope: ctx.scope,
        slot: ctx.slot,
        startedAt: now,
        endedAt: now,
        resources: failed ? [] : [user('alice', ALICE_KEY), user('bob', BOB_KEY)].map((r) => ({ ...r, observedAt: now })),
        inputs: failed ? {} : { 'aws.iam.user': { observedAt: now } },
        artifacts: [],
        errors: failed ? [{ operation: 'iam:GetCredentialReport', code: 'Throttling', message: 'Rate exceeded', inputs: ['aws.iam.user'], retryable: true }] : [],
        apiCalls: 3,
      };
    },
  };
}

/** 40 daily runs recorded with maxKeyAgeDays 120 (alice's key is 59 to 98 days old: always a pass then). */
async function recordedLedger(): Promise<{ ledger: Ledger; slots: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-replay-'));
  const clock = new SimClock(START);
  const ledger = await Ledger.open({ dataDir, clock, logger: silentLogger, origin: 'vigil.test/replay' });
  const c = collector(clock, 5);
  const slots: string[] = [];
  for (let i = 0; i < 40; i++) {
    const slot = new Date(START + i * DAY).toISOString();
    clock.t = Date.parse(slot) + 60_000;
    const { job } = await collectAndEvaluate(c, { source: 'aws', scope: '111122223333', slot }, {
      rules: [RULE],
      params: { [RULE.id]: { maxKeyAgeDays: 120 } },
      clock,
      logger: silentLogger,
      blobs: ledger,
    });
    await recordRun(ledger, job);
    slots.push(slot);
  }
  await ledger.checkpoint('start');
  return { ledger, slots };
}

describe('vigil rules replay', () => {
  it('names exactly the runs where a stricter parameter would have failed, and writes nothing', async () => {
    const { ledger, slots } = await recordedLedger();
    const sizeBefore = ledger.size();
    const rootBefore = ledger.rootHex();
    const report = await replayRule(ledger, { rule: RULE, params: { maxKeyAgeDays: 90 } });

    // Reference: alice's key is older than 90 days at a run's end (slot + 1 min) exactly when that instant is past
    // created + 90 d; bob's never is within the 40 days; the run of day 5 could not read the report either way.
    const expected = slots
      .map((s, i) => ({ s, i, end: Date.parse(s) + 60_000 }))
      .filter(({ i, end }) => i !== 5 && end - Date.parse(ALICE_KEY) > 90 * DAY)
      .map(({ s }) => s.slice(0, 10));
    expect(expected.length).toBeGreaterThan(5);
    expect(report.days.map((d) => d.day)).toEqual(expected);
    for (const d of report.days) {
      expect(d.differing).toBe(1);
      expect(d.transitions).toEqual({ 'pass→fail': 1 });
      expect(d.examples[0]!.resourceId).toContain('user/alice');
    }
    expect(report.runsReplayed).toBe(40);
    expect(report.differing).toBe(expected.length);
    expect(report.params).toMatchObject({ maxKeyAgeDays: 90 });
    expect(report.notReplayable).toEqual([]);
    expect(ledger.size()).toBe(sizeBefore);
    expect(ledger.rootHex()).toBe(rootBefore);
    await ledger.close();
  });

  it('with the recorded parameters finds no difference, including the failed run, and honours --from/--to', async () => {
    const { ledger, slots } = await recordedLedger();
    const same = await replayRule(ledger, { rule: RULE, params: { maxKeyAgeDays: 120 } });
    expect(same.differing).toBe(0);
    expect(same.days).toEqual([]);
    expect(same.resultsCompared).toBe(39 * 2 + 1);
    const window = await replayRule(ledger, { rule: RULE, params: { maxKeyAgeDays: 90 }, from: slots[35], to: slots[38] });
    expect(window.runsReplayed).toBe(3);
    expect(window.days.map((d) => d.day)).toEqual(slots.slice(35, 38).map((s) => s.slice(0, 10)));
    await ledger.close();
  });

  it('refuses a period rule, a bad parameter and an empty range before reading anything', async () => {
    const { ledger } = await recordedLedger();
    const period = allRules.find((r) => r.mode === 'period')!;
    await expect(replayRule(ledger, { rule: period })).rejects.toThrow(/mode: period/);
    await expect(replayRule(ledger, { rule: RULE, params: { maxKeyAge: 3 } })).rejects.toThrow(UsageError);
    await expect(replayRule(ledger, { rule: RULE, params: { maxKeyAgeDays: '90' } })).rejects.toThrow(/expected a number/);
    await expect(replayRule(ledger, { rule: RULE, from: '2025-04-02', to: '2025-04-01' })).rejects.toThrow(/not before/);
    await ledger.close();
  });

  it('diffResults pairs by resource and region and reports one-sided results', () => {
    const d = diffResults(
      [
        { ruleId: 'r', resourceId: 'a', status: 'pass', reason: 'ok' },
        { ruleId: 'r', resourceId: 'b', region: 'eu-west-1', status: 'fail', reason: 'x' },
        { ruleId: 'r', resourceId: 'gone', status: 'pass', reason: 'ok' },
      ],
      [
        { ruleId: 'r', resourceId: 'a', status: 'pass', reason: 'ok, other words' },
        { ruleId: 'r', resourceId: 'b', region: 'us-east-1', status: 'fail', reason: 'x' },
        { ruleId: 'r', resourceId: 'new', status: 'error', reason: 'could not tell' },
      ],
    );
    expect(d.compared).toBe(5);
    expect(d.diffs.map((x) => [x.resourceId, x.region ?? null, x.recorded, x.replayed])).toEqual([
      ['b', 'eu-west-1', 'fail', null],
      ['b', 'us-east-1', null, 'fail'],
      ['gone', null, 'pass', null],
      ['new', null, null, 'error'],
    ]);
  });
});
