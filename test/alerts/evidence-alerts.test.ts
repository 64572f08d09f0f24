// Manual evidence due/overdue alerts through the real engine on a real ledger: once per transition, never every tick, and not again after a restart.
import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.js';
import { prepareEvidence, recordEvidence, recordWithdrawal } from '../../src/evidence/evidence.js';
import { recordRun } from '../../src/pipeline/record.js';
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

  it('per hire, on the HR roster: a hire overdue raises evidence.overdue once, a second one overdue alerts again; a withdrawal alerts afresh', async () => {
    const roster = (emails: Array<[string, string]>) => Buffer.from(JSON.stringify({ inputs: ['hris.employee'], resources: emails.map(([email, start]) => ({ type: 'hris.employee', id: email, name: email, attributes: { employeeId: email, workEmail: email, name: email, status: 'active', statusRaw: 'Active', startDate: start, terminationDate: null, manager: null, department: null, line: 2 } })) }));
    const readRoster = async (emails: Array<[string, string]>) => {
      const blob = await t.ledger.putBlob(roster(emails), 'application/json');
      const iso = clock.now().toISOString();
      await recordRun(t.ledger, { summary: { source: 'hris', scope: 'roster', slot: iso, startedAt: iso, endedAt: iso, ruleSetVersion: 'v1', populationSize: emails.length, apiCalls: 0, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 }, errors: [], artifacts: [], resourcesSha256: blob.sha256 }, results: [] });
    };
    const e = new AlertEngine({ ledger: t.ledger, rules: RULES, config: config(), clock, logger: { info() {}, warn() {}, error() {}, debug() {} } as never, evidence: { criteria: framework.criteria, warnDays: 14, hrisConfigured: true } });
    const hireAlerts = async () => (await leavesOf(t.ledger, 'alert')).flatMap((a) => (a.evidence as Array<{ requirement: string; state: string; hires?: string[] }>).filter((i) => i.requirement === 'training').map((i) => [a.kind, i.hires]));
    // ann hired 2026-12-01 (deadline 2026-12-31, passed on 2027-01-10), bo hired 2027-01-05 (pending until 2027-02-04).
    await readRoster([['ann@x.io', '2026-12-01'], ['bo@x.io', '2027-01-05']]);
    await e.tick();
    await e.tick();
    expect(await hireAlerts()).toEqual([['evidence.overdue', ['ann@x.io']]]);
    // bo's deadline passes too: ann and bo overdue is a new transition.
    clock.set('2027-02-05T00:00:00Z');
    await readRoster([['ann@x.io', '2026-12-01'], ['bo@x.io', '2027-01-05']]);
    await e.tick();
    await e.tick();
    expect(await hireAlerts()).toEqual([['evidence.overdue', ['ann@x.io']], ['evidence.overdue', ['ann@x.io', 'bo@x.io']]]);
    // Evidence for both (in time) ends it; withdrawing bo's makes him overdue again, alone: alerted.
    const add = async (subject: string, effective: string) => {
      const ev = prepareEvidence(framework, { criterion: 'CC6.3', requirement: 'training', title: `training ${subject}`, fileName: 't.pdf', data: Buffer.from(subject), effective, subject }, clock.now(), { kind: 'local', name: 'a@h' }, {}, 'test', { kind: 'read', employees: [{ employeeId: subject, workEmail: subject, name: subject, status: 'active', startDate: '2027-01-05', terminationDate: null }], readAt: clock.now().toISOString() });
      return (await recordEvidence(t.ledger, Buffer.from(subject), ev)).evidence;
    };
    await add('ann@x.io', '2026-12-20');
    const bo = await add('bo@x.io', '2027-01-20');
    await e.tick();
    await recordWithdrawal(t.ledger, { id: bo.id, framework: 'soc2', criterion: 'CC6.3', requirement: 'training', reason: 'wrong person', by: { kind: 'local', name: 'a@h' } });
    await e.tick();
    expect(await hireAlerts()).toEqual([['evidence.overdue', ['ann@x.io']], ['evidence.overdue', ['ann@x.io', 'bo@x.io']], ['evidence.overdue', ['bo@x.io']]]);
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
