// Manual evidence due/overdue alerts through the real engine on a real ledger: once per transition, never every tick, and not again after a restart.
import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.js';
import { prepareEvidence, recordEvidence } from '../../src/evidence/evidence.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { RULES, config, leavesOf, ledgerPerTest, settableClock } from './helpers.js';
import { startAlerting } from '../../src/alerts/start.js';
import { parseConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/collector.js';

const framework: Framework = {
  id: 'soc2',
  title: 'SOC 2',
  version: 'test',
  criteria: [
    {
      id: 'CC6.3',
      title: 'Access reviews',
      description: 'd',
      rules: [],
      manual: [
        { id: 'access-review', title: 'Quarterly access review', cadence: '3mo', owner: 'security' },
        { id: 'training', title: 'Training on hire', cadence: 'on-hire:30d' },
      ],
    },
  ],
};

describe('evidence alerts', () => {
  const clock = settableClock('2027-01-10T00:00:00Z');
  const t = ledgerPerTest(clock, '2027-01-10T00:00:00Z');
  const engine = () => new AlertEngine({ ledger: t.ledger, rules: RULES, config: config(), clock, logger: { info() {}, warn() {}, error() {}, debug() {} } as never, evidence: { criteria: framework.criteria, warnDays: 14 } });
  const evidenceAlerts = async () => (await leavesOf(t.ledger, 'alert')).map((a) => [a.kind, (a.evidence as Array<{ requirement: string; reason: string }>).map((i) => `${i.requirement}: ${i.reason}`)]);

  it('alerts due once when nothing is recorded, nothing while current, due again near expiry, overdue at expiry; a restart repeats none', async () => {
    let e = engine();
    await e.tick();
    await e.tick();
    expect(await evidenceAlerts()).toEqual([['evidence.due', ['access-review: no evidence recorded']]]);

    const ev = prepareEvidence(framework, { criterion: 'CC6.3', requirement: 'access-review', title: 'Q4 review', fileName: 'q4.xlsx', data: Buffer.from('review'), effective: '2027-01-05' }, clock.now(), { kind: 'local', name: 'a@h' }, {}, 'test');
    const { evidence } = await recordEvidence(t.ledger, Buffer.from('review'), ev);
    expect(evidence.expiresAt).toBe('2027-04-05T00:00:00.000Z');
    clock.set('2027-03-01T00:00:00Z');
    await e.tick();
    expect(await evidenceAlerts()).toHaveLength(1);

    clock.set('2027-03-25T00:00:00Z'); // 11 days before expiry, warnDays 14
    await e.tick();
    e = engine(); // a restart folds the alerts already raised
    await e.tick();
    clock.set('2027-04-05T00:00:00Z');
    await e.tick();
    await e.tick();
    e = engine();
    await e.tick();
    expect(await evidenceAlerts()).toEqual([
      ['evidence.due', ['access-review: no evidence recorded']],
      ['evidence.due', [`access-review: evidence ${evidence.id} expires 2027-04-05T00:00:00.000Z`]],
      ['evidence.overdue', [`access-review: evidence ${evidence.id} expired 2027-04-05T00:00:00.000Z`]],
    ]);
    const overdue = (await leavesOf(t.ledger, 'alert')).at(-1)!;
    expect(overdue).toMatchObject({ severity: 'medium', count: 1, title: 'Manual evidence overdue: CC6.3/access-review', evidence: [{ criterion: 'CC6.3', owner: 'security', state: 'overdue', latest: evidence.id }] });
  });

  it('the agent raises them once the config has an evidence: block (it names the owners), and not without one', async () => {
    for (const [text, want] of [['sources: {}\n', 0], ['evidence:\n  owners: { security: ciso@example.com }\n', 1]] as const) {
      const loaded = parseConfigText(text, '/x/vigil.config.yaml');
      const alerting = await startAlerting({ loaded, ledger: t.ledger, rules: RULES, clock, logger: silentLogger, criteria: framework.criteria });
      await alerting.stop();
      expect((await leavesOf(t.ledger, 'alert')).filter((a) => a.kind === 'evidence.due'), text).toHaveLength(want);
    }
  });
});
