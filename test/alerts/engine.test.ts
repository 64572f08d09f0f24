// Alert derivation on a real SQLite ledger: one alert per transition, grace windows, grouping, restart, gaps, exceptions.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/collector.js';
import { AlertEngine } from '../../src/alerts/engine.js';
import { grantException, validateGrant } from '../../src/exceptions/exceptions.js';
import { CRIT, HIGH, RULES, SCOPE, config, leavesOf, recordStatuses, ledgerPerTest, settableClock } from './helpers.js';

describe('alert engine', () => {
  const clock = settableClock('2026-03-01T10:00:00Z');
  const hour = 3600_000;
  const lt = ledgerPerTest(clock, '2026-03-01T10:00:00Z');

  const engine = (over = {}) => new AlertEngine({ ledger: lt.ledger, rules: RULES, config: config(over), clock, logger: silentLogger });
  const step = async (e: AlertEngine, statuses: Parameters<typeof recordStatuses>[2]) => {
    clock.advance(hour);
    await recordStatuses(lt.ledger, clock, statuses);
    return e.tick();
  };

  it('a critical control breaking alerts once, on the run it broke; fixing it gives one recovery alert', async () => {
    const e = engine();
    expect(await step(e, { [CRIT.id]: { a: 'pass', b: 'pass' } })).toEqual([]); // first run: baseline, quiet
    const broke = await step(e, { [CRIT.id]: { a: 'fail', b: 'pass' } });
    expect(broke).toHaveLength(1);
    expect(await step(e, { [CRIT.id]: { a: 'fail', b: 'pass' } })).toEqual([]); // still failing: nothing new
    expect(await e.tick()).toEqual([]);
    const rec = await step(e, { [CRIT.id]: { a: 'pass', b: 'pass' } });
    expect(rec).toHaveLength(1);
    const alerts = await leavesOf(lt.ledger, 'alert');
    expect(alerts.map((a) => [a.kind, a.ruleId, (a.items as Array<{ resourceId: string; from: string; to: string }>).map((i) => `${i.resourceId}:${i.from}>${i.to}`)])).toEqual([
      ['broke', CRIT.id, ['a:pass>fail']],
      ['recovered', CRIT.id, ['a:fail>pass']],
    ]);
    expect(alerts[0]).toMatchObject({ severity: 'critical', source: 'aws', scope: SCOPE, count: 1 });
    expect((await lt.ledger.verify()).ok).toBe(true);
  });

  it('a high control waits for its grace window (2 runs by default); flapping inside it stays quiet', async () => {
    const e = engine();
    await step(e, { [HIGH.id]: { a: 'pass' } });
    expect(await step(e, { [HIGH.id]: { a: 'fail' } })).toEqual([]); // 1 run failing: within grace
    expect(await step(e, { [HIGH.id]: { a: 'pass' } })).toEqual([]); // flapped back: no recovery either
    expect(await step(e, { [HIGH.id]: { a: 'fail' } })).toEqual([]);
    expect(await step(e, { [HIGH.id]: { a: 'fail' } })).toHaveLength(1); // second consecutive failing run
    expect((await leavesOf(lt.ledger, 'alert')).map((a) => a.kind)).toEqual(['broke']);
  });

  it('a minutes grace window alerts from the timer tick once it has passed, without a new run', async () => {
    const e = engine({ grace: { default: { runs: 1, minutes: 90 }, severity: {}, rules: {} } });
    await step(e, { [HIGH.id]: { a: 'pass' } });
    expect(await step(e, { [HIGH.id]: { a: 'fail' } })).toEqual([]);
    clock.advance(60 * 60_000);
    expect(await e.tick()).toEqual([]);
    clock.advance(31 * 60_000);
    expect(await e.tick()).toHaveLength(1);
  });

  it('500 resources breaking at once are one alert with 500 items', async () => {
    const e = engine();
    const all = (s: 'pass' | 'fail') => Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`r${String(i).padStart(3, '0')}`, s]));
    await step(e, { [CRIT.id]: all('pass') });
    expect(await step(e, { [CRIT.id]: all('fail') })).toHaveLength(1);
    const [a] = await leavesOf(lt.ledger, 'alert');
    expect(a).toMatchObject({ kind: 'broke', count: 500 });
    expect((a!.items as unknown[]).length).toBe(500);
  });

  it('pending grace windows survive a restart; a restarted engine never repeats an alert', async () => {
    const e1 = engine();
    await step(e1, { [HIGH.id]: { a: 'pass' }, [CRIT.id]: { x: 'pass' } });
    await step(e1, { [HIGH.id]: { a: 'fail' }, [CRIT.id]: { x: 'fail' } }); // CRIT alerts now, HIGH pending
    expect(await leavesOf(lt.ledger, 'alert')).toHaveLength(1);
    const e2 = engine(); // "restart": fresh memory, same ledger
    expect(await e2.tick()).toEqual([]);
    expect(await step(e2, { [HIGH.id]: { a: 'fail' }, [CRIT.id]: { x: 'fail' } })).toHaveLength(1); // HIGH's 2nd run
    const kinds = (await leavesOf(lt.ledger, 'alert')).map((a) => `${a.kind}:${a.ruleId}`);
    expect(kinds).toEqual([`broke:${CRIT.id}`, `broke:${HIGH.id}`]);
    expect(await engine().tick()).toEqual([]);
  });

  it('a resource that errors alerts as could-not-evaluate, with the reason', async () => {
    const e = engine();
    // b keeps passing: a scope whose every result is error is a monitoring-health alert instead (test/alerts/health.test.ts)
    await step(e, { [CRIT.id]: { a: 'pass', b: 'pass' } });
    await step(e, { [CRIT.id]: { a: 'error', b: 'pass' } });
    const [a] = await leavesOf(lt.ledger, 'alert');
    expect(a).toMatchObject({ kind: 'error', items: [expect.objectContaining({ resourceId: 'a', to: 'error', reason: 'a is error' })] });
  });

  it('a monitoring gap leaf becomes one gap alert', async () => {
    const e = engine();
    await lt.ledger.append([{ type: 'gap', source: 'aws', scope: SCOPE, idempotencyKey: 'gap:x', data: { from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T14:00:00.000Z', slots: 4, schedule: '0 * * * *', reason: 'no run' } }]);
    // a coverage note (history an API could not reach), not a missed slot: no alert
    await lt.ledger.append([{ type: 'gap', source: 'aws', scope: SCOPE, idempotencyKey: 'gap:history', data: { from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z', reason: 'only 90 days of history' } }]);
    expect(await e.tick()).toHaveLength(1);
    expect(await e.tick()).toEqual([]);
    expect(await engine().tick()).toEqual([]);
    const [a] = await leavesOf(lt.ledger, 'alert');
    expect(a).toMatchObject({ kind: 'gap', source: 'aws', scope: SCOPE, count: 4 });
  });

  it('an accepted failure does not alert; its expiry is recorded, warned before, and re-opens the alert', async () => {
    const e = engine({ expiringDays: 1 });
    await step(e, { [CRIT.id]: { a: 'pass', b: 'fail' } }); // b fails from the first run (baseline)
    const g = validateGrant({ ruleId: CRIT.id, resourceId: 'a', reason: 'vendor fix due', requester: 'dev@x', approver: 'ciso@x', expires: '2026-03-03T12:00:00Z' }, clock.now());
    await grantException(lt.ledger, g);
    expect(await step(e, { [CRIT.id]: { a: 'fail', b: 'fail' } })).toEqual([]); // accepted
    clock.set('2026-03-02T13:00:00Z');
    expect(await e.tick()).toHaveLength(1); // expiring within a day
    // granted, then expired with no tick in between: recorded expired without a prior warning
    const b2 = validateGrant({ ruleId: CRIT.id, resourceId: 'b', reason: 'legacy', requester: 'dev@x', approver: 'ciso@x', expires: '2026-03-02T14:00:00Z' }, clock.now());
    await grantException(lt.ledger, b2);
    clock.set('2026-03-03T13:00:00Z');
    const after = await e.tick();
    const alerts = await leavesOf(lt.ledger, 'alert');
    expect(alerts.map((a) => `${a.kind}:${(a.exception as { id?: string } | undefined)?.id ?? (a.items as Array<{ resourceId: string }>).map((i) => i.resourceId).join(',')}`)).toEqual([
      `exception.expiring:${g.id}`,
      `exception.expired:${g.id}`,
      `exception.expired:${b2.id}`,
      'broke:a', // lapsed by time in the first pass
      'broke:b', // re-opened from the latest results: it failed since the first run, so the fold had not seen it
    ]);
    expect(after).toHaveLength(4);
    expect((await leavesOf(lt.ledger, 'exception.expired')).map((x) => x.exceptionId)).toEqual([g.id, b2.id]);
    expect(await engine().tick()).toEqual([]);
  });
});
