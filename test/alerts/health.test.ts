// Monitoring health as a control: a scope that cannot be read alerts on that run (first run included), once per episode,
// names the cause, and recovers once; a failing scope never makes broken controls "recover".
import { describe, expect, it } from 'vitest';
import { silentLogger, UNRESOLVED_SCOPE } from '../../src/core/collector.js';
import { AlertEngine, type AlertData } from '../../src/alerts/engine.js';
import { sinkWants } from '../../src/alerts/deliver.js';
import { CRIT, HIGH, RULES, SCOPE, config, leavesOf, recordFailing, recordStatuses, ledgerPerTest, settableClock, type RunError } from './helpers.js';

const NO_CREDS: RunError = { operation: 'sts:GetCallerIdentity', code: 'CredentialsProviderError', message: 'Could not load credentials from any providers', inputs: ['aws.test.thing'], cause: 'unauthenticated' };
const REFUSED: RunError = { operation: 'iam:GenerateCredentialReport', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1', inputs: ['aws.test.thing'], permission: 'iam:GenerateCredentialReport', cause: 'unreachable' };
const IDS = RULES.map((r) => r.id);

describe('monitoring-health alerts', () => {
  const clock = settableClock('2026-03-01T10:00:00Z');
  const hour = 3600_000;
  const lt = ledgerPerTest(clock, '2026-03-01T10:00:00Z');

  const engine = () => new AlertEngine({ ledger: lt.ledger, rules: RULES, config: config(), clock, logger: silentLogger });
  const failing = async (e: AlertEngine | undefined, errors: RunError[] = [NO_CREDS], scope = SCOPE) => {
    clock.advance(hour);
    await recordFailing(lt.ledger, clock, IDS, errors, 'aws', scope);
    return e ? e.tick() : [];
  };
  const healthy = async (e: AlertEngine | undefined, statuses: Parameters<typeof recordStatuses>[2] = { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'pass' } }, scope = SCOPE) => {
    clock.advance(hour);
    await recordStatuses(lt.ledger, clock, statuses, 'aws', scope);
    return e ? e.tick() : [];
  };
  const alerts = async () => (await leavesOf(lt.ledger, 'alert')) as unknown as Array<AlertData & { seq: number; source: string; scope: string }>;

  it('a source failing from its first run alerts on that run, naming the cause; once per episode; one recovery', async () => {
    const e = engine();
    expect(await failing(e)).toHaveLength(1);
    const [first] = await alerts();
    expect(first).toMatchObject({ kind: 'error', severity: 'high', source: 'aws', scope: SCOPE, health: { state: 'failing', failedRuns: 1, causes: ['unauthenticated'] } });
    expect(first!.title).toBe(`Monitoring failed: aws ${SCOPE} could not be read — sts:GetCallerIdentity failed: no valid credentials (CredentialsProviderError)`);
    expect(first!.title).not.toContain('needs permission');
    // 12 more failing runs: no repeat, and no per-rule "could not evaluate" alerts once grace passes
    for (let i = 0; i < 12; i++) expect(await failing(e)).toEqual([]);
    expect(await healthy(e)).toHaveLength(1);
    const all = await alerts();
    expect(all.map((a) => `${a.kind}:${a.health?.state}`)).toEqual(['error:failing', 'recovered:healthy']);
    expect(all[1]).toMatchObject({ health: { failedRuns: 13, causes: ['unauthenticated'] } });
    expect(all[1]!.title).toContain('read again after 13 failed runs');
    for (let i = 0; i < 3; i++) expect(await healthy(e)).toEqual([]);
    expect(await engine().tick()).toEqual([]); // restart: nothing repeated
    expect((await lt.ledger.verify()).ok).toBe(true);
  });

  it('a steady healthy source raises nothing, partial errors included', async () => {
    const e = engine();
    for (let i = 0; i < 6; i++) expect(await healthy(e, { [CRIT.id]: { a: 'pass', b: 'fail' }, [HIGH.id]: { 'aws:111122223333': 'error' } })).toEqual([]);
    expect(await alerts()).toEqual([]);
  });

  it('a failing scope does not make a broken control "recover"; on recovery the still-broken control stays quiet', async () => {
    const e = engine();
    await healthy(e, { [CRIT.id]: { a: 'pass', b: 'pass' } });
    expect(await healthy(e, { [CRIT.id]: { a: 'fail', b: 'pass' } })).toHaveLength(1); // broke
    expect(await failing(e)).toHaveLength(1); // a and b are now absent from the results: unobserved, not recovered
    expect(await failing(e)).toEqual([]);
    expect(await healthy(e, { [CRIT.id]: { a: 'fail', b: 'pass' } })).toHaveLength(1); // health recovered only
    expect(await healthy(e, { [CRIT.id]: { a: 'pass', b: 'pass' } })).toHaveLength(1); // now a really recovered
    expect((await alerts()).map((a) => `${a.kind}:${a.ruleId ?? 'health'}`)).toEqual([`broke:${CRIT.id}`, 'error:health', 'recovered:health', `recovered:${CRIT.id}`]);
  });

  it('a broken resource deleted while the scope reads fine is resolved (recovered, to absent)', async () => {
    const e = engine();
    await healthy(e, { [CRIT.id]: { a: 'pass', b: 'pass' } });
    await healthy(e, { [CRIT.id]: { a: 'fail', b: 'pass' } });
    expect(await healthy(e, { [CRIT.id]: { b: 'pass' } })).toHaveLength(1);
    const last = (await alerts()).at(-1)!;
    expect(last).toMatchObject({ kind: 'recovered', ruleId: CRIT.id, items: [expect.objectContaining({ resourceId: 'a', from: 'fail', to: 'absent' })] });
  });

  it('a change of cause within an episode alerts again; several runs recorded before one tick each get their alert', async () => {
    const e = engine();
    await failing(undefined, [NO_CREDS]);
    await failing(undefined, [REFUSED]);
    await healthy(undefined);
    expect(await e.tick()).toHaveLength(3);
    const all = await alerts();
    expect(all.map((a) => a.health?.causes.join())).toEqual(['unauthenticated', 'unreachable', 'unreachable']);
    expect(all[1]!.title).toContain('now iam:GenerateCredentialReport failed: source unreachable (ECONNREFUSED)');
    expect(all[1]!.title).not.toContain('needs permission');
    expect(all[2]).toMatchObject({ kind: 'recovered', health: { failedRuns: 2 } });
  });

  it('a source whose scopes could not be resolved recovers when a real scope is read', async () => {
    const e = engine();
    expect(await failing(e, [NO_CREDS], UNRESOLVED_SCOPE)).toHaveLength(1);
    expect(await failing(e, [NO_CREDS], UNRESOLVED_SCOPE)).toEqual([]);
    expect(await healthy(e)).toHaveLength(1);
    const all = await alerts();
    expect(all.map((a) => `${a.kind}:${a.scope}`)).toEqual([`error:${UNRESOLVED_SCOPE}`, `recovered:${UNRESOLVED_SCOPE}`]);
    expect(all[1]!.title).toContain(`scopes resolved again (${SCOPE} read)`);
  });

  it('health alerts reach every sink whatever its severity floor', () => {
    const sink = { name: 's', type: 'webhook' as const, url: 'https://example.com/h', allowInsecure: false, allowPrivateNetwork: false, allowLoopback: false, minSeverity: 'critical' as const };
    const health = { state: 'failing' as const, since: 'x', failedRuns: 1, causes: [], errors: [] };
    expect(sinkWants(sink, { kind: 'error', severity: 'high', health })).toBe(true);
    expect(sinkWants(sink, { kind: 'error', severity: 'high' })).toBe(false);
  });
});
