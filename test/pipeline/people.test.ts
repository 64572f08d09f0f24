// The derived identity run on real SQLite: okta, github and aws runs recorded through LedgerWriter.record join into
// the person view; orphaned access, then offboarding time, land in the ledger with their change leaves; idempotent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Collector } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Resource, Snapshot, SourceId } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate, snapshotFromResources, type EvidenceJob } from '../../src/pipeline/collect-stage.js';
import { loadResults, resultsBlob } from '../../src/pipeline/record.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import { loadPeopleMapping, peopleOptionsFromConfig } from '../../src/pipeline/people.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { allRules } from '../../rules/index.js';

let dir: string;
let ledger: Ledger;
let t = new Date('2026-03-02T09:00:00.000Z');
const clock: Clock = { now: () => new Date(t) };
const hours = (h: number) => (t = new Date(t.getTime() + h * 3_600_000));

beforeEach(async () => {
  t = new Date('2026-03-02T09:00:00.000Z');
  dir = mkdtempSync(join(tmpdir(), 'vigil-people-'));
  ledger = await Ledger.open({ dataDir: dir, clock, logger: silentLogger });
});
afterEach(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Estate {
  erinActive: boolean;
  erinDeactivatedAt: string | null;
  erinInGithub: boolean;
  erinKeyActive: boolean;
}

const idpUser = (email: string, active: boolean, statusChanged: string | null) => ({
  type: 'okta.user', id: `00u${email.split('@')[0]}`,
  attributes: { email, login: email, displayName: email, status: active ? 'ACTIVE' : 'DEPROVISIONED', active, statusChanged, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: ['totp'], phishingResistant: false, lastLogin: null, lastLoginKnown: true, created: null },
});

function resourcesOf(source: SourceId, e: Estate): Array<Omit<Resource, 'source' | 'scope' | 'observedAt'>> {
  if (source === 'okta') return [idpUser('ann@example.com', true, null), idpUser('erin@example.com', e.erinActive, e.erinDeactivatedAt)].map((r) => ({ ...r, name: r.attributes.login }));
  if (source === 'github') {
    return ['ann', ...(e.erinInGithub ? ['erin'] : [])].map((login) => ({ type: 'github.member', id: login, name: login, attributes: { login, role: 'member' } }));
  }
  return ['ann', 'erin'].map((n) => ({
    type: 'aws.iam.user', id: `arn:aws:iam::111122223333:user/${n}`, name: n,
    attributes: { passwordEnabled: false, accessKeys: [{ slot: 1, active: n === 'ann' || e.erinKeyActive }] },
  }));
}

const SCOPES: Record<string, string> = { okta: 'example.okta.com', github: 'acme', aws: '111122223333' };
const TYPES: Record<string, string> = { okta: 'okta.user', github: 'github.member', aws: 'aws.iam.user' };

function collector(source: SourceId, estate: () => Estate): Collector {
  return {
    source,
    scopes: async () => [SCOPES[source]!],
    async collect(ctx): Promise<Snapshot> {
      const at = ctx.clock.now().toISOString();
      return {
        source, scope: ctx.scope, slot: ctx.slot, startedAt: at, endedAt: at, artifacts: [], errors: [], apiCalls: 1,
        inputs: { [TYPES[source]!]: { observedAt: at } },
        resources: resourcesOf(source, estate()).map((r) => ({ ...r, source, scope: ctx.scope, observedAt: at })),
      };
    },
  };
}

async function leavesOf(type: string, source?: string) {
  const out: Array<Record<string, unknown> & { seq: number }> = [];
  for await (const l of ledger.leaves({ types: [type], ...(source ? { source } : {}) })) out.push({ seq: l.seq, ...(JSON.parse(l.body.toString('utf8')) as Record<string, unknown>) });
  return out;
}

/**
 * A writer (people on) over the test's ledger, and `run`: collect one source with every rule, record it a tenth of an
 * hour later, return the derived identity run. `failing` is a GitHub collector whose every read is refused.
 */
function recorder(estate: Estate) {
  const writer = new LedgerWriter({ ledger, rules: [], sources: [], clock, logger: silentLogger });
  const failing: Collector = { ...collector('github', () => estate), collect: async () => { throw Object.assign(new Error('Bad credentials'), { code: 'Unauthorized' }); } };
  const run = async (c: Collector, source: SourceId) => {
    const { job } = await collectAndEvaluate(c, { source, scope: SCOPES[source]!, slot: clock.now().toISOString() }, { rules: allRules, params: {}, clock, logger: silentLogger, blobs: ledger });
    hours(0.1);
    return (await writer.record(job)).derived!;
  };
  return { failing, run };
}

describe('derived identity run', () => {
  it('records orphaned access naming all three accounts, then the offboarding time and the fail→pass change; redelivery adds nothing', async () => {
    const estate: Estate = { erinActive: true, erinDeactivatedAt: null, erinInGithub: true, erinKeyActive: true };
    const rules = allRules.filter((r) => ['okta', 'github', 'aws'].includes(r.source));
    const writer = new LedgerWriter({ ledger, rules, sources: [], clock, logger: silentLogger });
    const jobs: EvidenceJob[] = [];
    const collectAll = async () => {
      const derived = [];
      for (const source of ['okta', 'github', 'aws'] as const) {
        const slot = clock.now().toISOString();
        const { job } = await collectAndEvaluate(collector(source, () => estate), { source, scope: SCOPES[source]!, slot }, { rules, params: {}, clock, logger: silentLogger, blobs: ledger });
        jobs.push(job);
        const outcome = await writer.record(job);
        expect(outcome.duplicate).toBe(false);
        derived.push(outcome.derived);
        hours(0.01);
      }
      return derived;
    };

    // Before: erin is active everywhere. The first okta run alone already yields an identity run (one IdP suffices).
    const first = await collectAll();
    expect(first.every((d) => d && !d.outcome.duplicate)).toBe(true);
    expect(first[2]!.job.results.find((r) => r.resourceId === 'person:erin@example.com')!.status).toBe('pass');

    // Deactivated in Okta, still a GitHub member with an active key.
    hours(1);
    estate.erinActive = false;
    estate.erinDeactivatedAt = clock.now().toISOString();
    const deactivatedAt = estate.erinDeactivatedAt;
    hours(0.5);
    const during = await collectAll();
    const orphan = during[2]!.job.results.find((r) => r.ruleId === 'xsys.identity_reconciliation' && r.resourceId === 'person:erin@example.com')!;
    expect(orphan.status).toBe('fail');
    expect(orphan.reason).toContain('okta erin@example.com (DEPROVISIONED)');
    expect(orphan.reason).toContain('GitHub acme/erin');
    expect(orphan.reason).toContain('AWS user arn:aws:iam::111122223333:user/erin with 1 active access key');

    // The run leaves carry resources blobs; identity runs carry the state blob and name the joined resources blobs.
    const identityRuns = await leavesOf('run', 'identity');
    expect(identityRuns).toHaveLength(6);
    expect(new Set(identityRuns.map((r) => r.slot)).size).toBe(6);
    const lastIdentity = identityRuns[5]!;
    expect(lastIdentity.scope).toBe('people');
    expect(typeof lastIdentity.peopleStateSha256).toBe('string');
    expect((lastIdentity.artifacts as Array<{ label: string }>).map((a) => a.label.split('@')[0])).toEqual(['resources:aws:111122223333', 'resources:github:acme', 'resources:okta:example.okta.com']);

    // Removed downstream over 10 hours (GitHub first, the key later).
    hours(4);
    estate.erinInGithub = false;
    await collectAll();
    hours(6);
    estate.erinKeyActive = false;
    const after = await collectAll();
    const final = after[2]!.job.results;
    expect(final.find((r) => r.ruleId === 'xsys.identity_reconciliation' && r.resourceId === 'person:erin@example.com')!.status).toBe('pass');
    const off = final.find((r) => r.ruleId === 'xsys.offboarding_timeliness' && r.resourceId === 'person:erin@example.com')!;
    expect(off.status).toBe('pass');
    const details = off.details as { offboardingHours: number; removedObservedAt: string; lastSeenWithAccess: string; deactivatedAt: string };
    expect(details.deactivatedAt).toBe(deactivatedAt);
    // Removal seen at the aws run of the last round: ~10.5 h after deactivation, with the last holding view just before it.
    expect(details.offboardingHours).toBeGreaterThan(10);
    expect(details.offboardingHours).toBeLessThan(11);
    expect(Date.parse(details.lastSeenWithAccess)).toBeLessThan(Date.parse(details.removedObservedAt));

    // null→pass: erin first appears in the view once GitHub joins it (the okta-only view judged nobody).
    const changes = (await leavesOf('change', 'identity')).filter((c) => c.resourceId === 'person:erin@example.com' && c.ruleId === 'xsys.identity_reconciliation');
    expect(changes.map((c) => `${String(c.from)}→${String(c.to)}`)).toEqual(['null→pass', 'pass→fail', 'fail→pass']);

    // The evidence is in the ledger, not only in the returned job: the stored results blob says the same.
    const stored = (await leavesOf('run', 'identity')).pop()!;
    const blob = await loadResults(ledger, String(stored.resultsSha256));
    expect(blob!.find((r) => r.ruleId === 'xsys.offboarding_timeliness')!.details).toMatchObject({ offboardingHours: details.offboardingHours });

    // Redelivery of every job: duplicates, no identity run, no new leaf at all.
    const size = (await leavesOf('run')).length + (await leavesOf('change')).length;
    for (const j of jobs) expect((await writer.record(j)).derived).toBeUndefined();
    expect((await leavesOf('run')).length + (await leavesOf('change')).length).toBe(size);

    // A writer started later (new process) rebuilds history from the ledger and reaches the same verdict.
    const writer2 = new LedgerWriter({ ledger, rules, sources: [], clock, logger: silentLogger });
    hours(1);
    const { job } = await collectAndEvaluate(collector('okta', () => estate), { source: 'okta', scope: SCOPES.okta!, slot: clock.now().toISOString() }, { rules, params: {}, clock, logger: silentLogger, blobs: ledger });
    const again = await writer2.record(job);
    const off2 = again.derived!.job.results.find((r) => r.ruleId === 'xsys.offboarding_timeliness' && r.resourceId === 'person:erin@example.com')!;
    expect(off2.details).toMatchObject({ offboardingHours: details.offboardingHours, lastSeenWithAccess: details.lastSeenWithAccess, removedObservedAt: details.removedObservedAt });
    expect(again.derived!.outcome.changes).toBe(0);
  });

  it('re-evaluates a run from its stored resources blob to the same results blob', async () => {
    const rules = allRules.filter((r) => r.source === 'okta');
    const writer = new LedgerWriter({ ledger, rules, sources: [], clock, logger: silentLogger, people: false });
    const estate: Estate = { erinActive: false, erinDeactivatedAt: '2026-01-01T00:00:00.000Z', erinInGithub: false, erinKeyActive: false };
    const { job } = await collectAndEvaluate(collector('okta', () => estate), { source: 'okta', scope: SCOPES.okta!, slot: clock.now().toISOString() }, { rules, params: {}, clock, logger: silentLogger, blobs: ledger });
    const out = await writer.record(job);
    expect(out.derived).toBeUndefined();
    const run = (await leavesOf('run'))[0]!;
    const blob = (await ledger.getBlob(String(run.resourcesSha256)))!;
    const snap = snapshotFromResources(blob, { source: 'okta', scope: String(run.scope), slot: String(run.slot), startedAt: String(run.startedAt), endedAt: String(run.endedAt) });
    const again = evaluateSnapshot(snap, rules, { now: new Date(String(run.endedAt)), params: {} }).map(({ observedAt: _o, ...r }) => r);
    expect(again.length).toBeGreaterThan(0);
    expect(String(run.resultsSha256)).toBe((await ledger.putBlob(resultsBlob(again), 'application/json')).sha256);
    // Unchanged estate, later run: same resources blob.
    hours(1);
    const { job: j2 } = await collectAndEvaluate(collector('okta', () => estate), { source: 'okta', scope: SCOPES.okta!, slot: clock.now().toISOString() }, { rules, params: {}, clock, logger: silentLogger, blobs: ledger });
    expect(j2.summary.resourcesSha256).toBe(run.resourcesSha256);
  });

  it('an unreadable source is error, never a pass, and a later complete run replaces it', async () => {
    const estate: Estate = { erinActive: false, erinDeactivatedAt: t.toISOString(), erinInGithub: true, erinKeyActive: false };
    const { failing, run } = recorder(estate);
    await run(collector('okta', () => estate), 'okta');
    const d = await run(failing, 'github');
    expect(d.job.summary.errors[0]).toMatchObject({ operation: 'identity:join', code: 'InputUnavailable', inputs: ['github.member'] });
    expect(d.job.results.map((r) => `${r.ruleId} ${r.resourceId} ${r.status}`)).toEqual([
      'xsys.access_review_revocations revocations error',
      'xsys.identity_reconciliation input:github:acme error',
      'xsys.offboarding_timeliness input:github:acme error',
      'xsys.github_inactive_members input:github:acme error',
    ]);
    const ok = await run(collector('github', () => estate), 'github');
    expect(ok.job.summary.errors).toEqual([]);
    expect(ok.job.results.find((r) => r.resourceId === 'person:erin@example.com')!.status).toBe('fail');
    // Failing again after a good run: the good run is joined, flagged as stale.
    const stale = await run(failing, 'github');
    expect(stale.job.summary.errors[0]!.code).toBe('StaleInput');
    expect(stale.job.results.find((r) => r.resourceId === 'person:erin@example.com')!.status).toBe('fail');
  });

  it('a last good read older than the input-age limit backs no verdict: error naming the source and its age', async () => {
    // erin left GitHub long ago by the last good read; she has since been re-added, but GitHub reads now fail.
    const estate: Estate = { erinActive: false, erinDeactivatedAt: t.toISOString(), erinInGithub: false, erinKeyActive: false };
    const { failing, run } = recorder(estate);
    // AWS (read every round) still has erin's user, with no active key: she is judged, and passes on complete reads.
    await run(collector('okta', () => estate), 'okta');
    await run(collector('aws', () => estate), 'aws');
    const good = await run(collector('github', () => estate), 'github');
    expect(good.job.results.find((r) => r.resourceId === 'person:erin@example.com')!.status).toBe('pass');
    const erin = (d: typeof good) => d.job.results.find((r) => r.ruleId === 'xsys.identity_reconciliation' && r.resourceId === 'person:erin@example.com')!;

    // Within the limit the fallback is joined as before (StaleInput, verdicts kept).
    hours(20);
    estate.erinInGithub = true;
    await run(collector('aws', () => estate), 'aws');
    const recent = await run(failing, 'github');
    expect(recent.job.summary.errors.map((e) => e.code)).toEqual(['StaleInput']);
    expect(erin(recent).status).toBe('pass');

    // 30 h after the last good GitHub read: the old code still passed erin on it.
    hours(10);
    await run(collector('okta', () => estate), 'okta');
    await run(collector('aws', () => estate), 'aws');
    const old = await run(failing, 'github');
    expect(old.job.summary.errors).toHaveLength(1);
    expect(old.job.summary.errors[0]).toMatchObject({ operation: 'identity:join', code: 'InputTooOld', inputs: ['github.member'] });
    expect(old.job.summary.errors[0]!.message).toMatch(/^github acme: the run of .* could not read github\.member .*latest complete read of github\.member is the run of .*, 30\.\d h old, 4\.\d h beyond the 26 h limit$/);
    expect(erin(old).status).toBe('error');
    expect(erin(old).reason).toMatch(/could not tell: github acme: .*4\.\d h beyond the 26 h limit/);
    expect(old.job.results.filter((r) => r.resourceId === 'input:github:acme').map((r) => `${r.ruleId} ${r.status}`)).toEqual([
      'xsys.identity_reconciliation error',
      'xsys.offboarding_timeliness error',
      'xsys.github_inactive_members error',
    ]);
    expect(old.job.results.some((r) => r.status === 'pass')).toBe(false);

    // An okta run deriving the view meets the same too-old GitHub read.
    const okta = await run(collector('okta', () => estate), 'okta');
    expect(okta.job.summary.errors.map((e) => e.code)).toEqual(['InputTooOld']);
    expect(erin(okta).status).toBe('error');

    // A later complete read replaces it: the re-added account is now seen.
    const back = await run(collector('github', () => estate), 'github');
    expect(back.job.summary.errors).toEqual([]);
    expect(erin(back).status).toBe('fail');
  });

  it('a source that stops producing runs ages out too, with no failed run to point at; the limit is a people option', async () => {
    const estate: Estate = { erinActive: false, erinDeactivatedAt: t.toISOString(), erinInGithub: false, erinKeyActive: false };
    const writer = new LedgerWriter({ ledger, rules: [], sources: [], clock, logger: silentLogger, people: { maxInputAgeHours: 48 } });
    const run = async (source: SourceId) => {
      const { job } = await collectAndEvaluate(collector(source, () => estate), { source, scope: SCOPES[source]!, slot: clock.now().toISOString() }, { rules: allRules, params: {}, clock, logger: silentLogger, blobs: ledger });
      hours(0.1);
      return (await writer.record(job)).derived!;
    };
    await run('github');
    await run('aws');
    await run('okta');
    hours(40);
    await run('aws');
    const within = await run('okta');
    expect(within.job.summary.errors).toEqual([]);
    expect(within.job.results.find((r) => r.resourceId === 'person:erin@example.com')!.status).toBe('pass');
    hours(10);
    await run('aws');
    const aged = await run('okta');
    expect(aged.job.summary.errors).toHaveLength(1);
    expect(aged.job.summary.errors[0]!.message).toMatch(/^github acme: its latest complete read of github\.member is the run of .*, 50\.\d h old, 2\.\d h beyond the 48 h limit$/);
    expect(aged.job.results.filter((r) => r.status !== 'error')).toEqual([]);
    expect(aged.job.results.find((r) => r.resourceId === 'input:github:acme')!.reason).toMatch(/github acme's latest complete read of github\.member is 50\.\d h old \(limit 48 h\)/);
  });

  it('loads the mapping file and names file, line and field when it is wrong', () => {
    const good = join(dir, 'people.yaml');
    writeFileSync(good, 'people:\n  - email: erin@example.com\n    github: [erin-gh]\n');
    expect(loadPeopleMapping(good).mapping.people[0]!.github).toEqual(['erin-gh']);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'people:\n  - email: not-an-email\n');
    expect(() => loadPeopleMapping(bad)).toThrow(UsageError);
    expect(() => loadPeopleMapping(bad)).toThrow(/bad\.yaml:2:\d+: people\.0\.email/);
    expect(() => loadPeopleMapping(join(dir, 'missing.yaml'))).toThrow(/no such people mapping file/);
    const cfg = (params: Record<string, Record<string, unknown>>) => ({ dir, config: { people: { mappingFile: 'people.yaml' }, rules: { params, disabled: [] } }, sources: { okta: {} } });
    expect(peopleOptionsFromConfig(cfg({ 'xsys.offboarding_timeliness': { slaHours: 8 } }))).toMatchObject({ params: { slaHours: 8 }, sources: ['okta'] });
    expect(() => peopleOptionsFromConfig(cfg({ 'xsys.offboarding_timeliness': { slaDays: 8 } }))).toThrow(/has no parameter "slaDays"/);
  });
});
