// Access reviews end to end on a real SQLite ledger: runs recorded by the ledger writer (HR roster, Okta, GitHub), a
// review started and closed with the CLI, decisions by two reviewers' API tokens (each only on the accounts assigned to
// them), the export carrying it; then a `revoke` still present past the grace period → a finding and an alert.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, utimesSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Collector } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Snapshot, SourceId } from '../../src/core/types.js';
import { localPrincipal, type Principal } from '../../src/core/principal.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import { allRules, CROSS_SOURCE_RULES } from '../../rules/index.js';
import { hrisSource } from '../../collectors/hris/index.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import { AlertEngine } from '../../src/alerts/engine.js';
import { alertsConfigSchema } from '../../src/alerts/config.js';
import { buildPopulation, parseSources } from '../../src/reviews/population.js';
import { peopleOptionsFromConfig } from '../../src/pipeline/people.js';
import { closeReview, decide, startReview } from '../../src/reviews/reviews.js';
import { loadEvidence } from '../../src/evidence/evidence.js';
import { loadReviews } from '../../src/reviews/book.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { runVigil } from '../support/vigil-cli.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { FRAMEWORK } from '../export/helpers.js';

let dir: string;
let ledger: Ledger;
let t = new Date('2026-11-02T09:00:00.000Z');
const clock: Clock = { now: () => new Date(t) };
const hours = (h: number) => (t = new Date(t.getTime() + h * 3_600_000));
const estate = { erinInOkta: true, erinInGithub: true };
const ME = localPrincipal().name;

const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';
const ROSTER = [
  'E1,carol@example.com,Carol,Active,2020-01-01,,,Eng',
  'E2,dave@example.com,Dave,Active,2020-01-01,,,Ops',
  'E3,ann@example.com,Ann,Active,2024-01-15,,carol@example.com,Eng',
  'E4,bob@example.com,Bob,Active,2024-02-01,,E2,Ops', // manager by employee id: resolved to dave@example.com
  'E5,erin@example.com,Erin,Active,2023-06-01,,Carol,Eng', // manager by name
];

beforeEach(async () => {
  t = new Date('2026-11-02T09:00:00.000Z');
  Object.assign(estate, { erinInOkta: true, erinInGithub: true });
  dir = mkdtempSync(join(tmpdir(), 'vigil-review-'));
  writeFileSync(join(dir, 'roster.csv'), `${HEADER}\r\n${ROSTER.join('\r\n')}\r\n`);
  utimesSync(join(dir, 'roster.csv'), t, t); // exported by HR when the test's day starts
  writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\n');
  ledger = await Ledger.open({ dataDir: join(dir, 'data'), clock, logger: silentLogger });
});
afterEach(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Okta and GitHub as plain collectors of ann, bob, erin (and a GitHub bot no person owns). */
function stub(source: SourceId, scope: string): Collector {
  return {
    source,
    scopes: async () => [scope],
    async collect(ctx): Promise<Snapshot> {
      const at = ctx.clock.now().toISOString();
      const people = ['ann', 'bob', ...((source === 'okta' ? estate.erinInOkta : estate.erinInGithub) ? ['erin'] : [])];
      const resources = source === 'okta'
        ? people.map((n) => `${n}@example.com`).map((email) => ({
          type: 'okta.user', id: email, name: email,
          attributes: { email, login: email, displayName: email, status: 'ACTIVE', active: true, statusChanged: null, isAdmin: email.startsWith('bob'), adminRoles: email.startsWith('bob') ? ['SUPER_ADMIN'] : [], mfaEnrolled: true, mfaMethods: ['totp'], phishingResistant: false, lastLogin: '2026-10-30T08:00:00.000Z', lastLoginKnown: true, created: null },
        }))
        : [...people, 'ci-bot'].map((login) => ({ type: 'github.member', id: login, name: login, attributes: { login, role: login === 'ann' ? 'admin' : 'member' } }));
      return {
        source, scope: ctx.scope, slot: ctx.slot, startedAt: at, endedAt: at, artifacts: [], errors: [], apiCalls: 1,
        inputs: { [source === 'okta' ? 'okta.user' : 'github.member']: { observedAt: at } },
        resources: resources.map((r) => ({ ...r, source, scope: ctx.scope, observedAt: at })),
      };
    },
  };
}

async function recordAll(writer: LedgerWriter, which: Array<'hris' | 'okta' | 'github'> = ['hris', 'okta', 'github']) {
  const collectors: Record<string, Collector> = {
    hris: hrisSource.createCollector(hrisSource.configSchema.parse({ file: 'roster.csv' }), { logger: silentLogger, clock, configDir: dir }),
    okta: stub('okta', 'example.okta.com'),
    github: stub('github', 'acme'),
  };
  let last;
  utimesSync(join(dir, 'roster.csv'), t, t); // HR exports the roster daily
  for (const s of which) {
    const c = collectors[s]!;
    const scope = (await c.scopes())[0]!;
    const { job } = await collectAndEvaluate(c, { source: c.source, scope, slot: clock.now().toISOString() }, { rules: allRules, params: {}, clock, logger: silentLogger, blobs: ledger });
    hours(0.1);
    last = await writer.record(job);
  }
  return last!;
}

const newWriter = () => new LedgerWriter({ ledger, rules: allRules, sources: [], clock, logger: silentLogger, people: { sources: ['okta', 'github', 'hris'] } });
const token = (name: string, role: string): Principal => ({ kind: 'token', name, role });
const TOKENS = { carol: 'tok-carol-' + 'a'.repeat(20), dave: 'tok-dave-' + 'b'.repeat(20), viewer: 'tok-view-' + 'c'.repeat(20), auditor: 'tok-aud-' + 'd'.repeat(20) };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('vigil review: start → two reviewers decide over the API → close → export', () => {
  let api: BuiltApi | undefined;
  afterEach(async () => api?.close());

  it('records the population, decisions bound to token identities, the sign-off, and exports them verifiably', async () => {
    await recordAll(newWriter());
    const vigil = (args: string[]) => runVigil(args, dir);
    const noReviewLeaves = async () => (await ledger.readLeaves({ types: ['review.started', 'review.decided', 'review.closed'] })[Symbol.asyncIterator]().next()).done;

    // Bad input: exit 2, nothing written.
    expect(() => parseSources('okta,nope')).toThrow(/unknown source "nope"/);
    expect(() => parseSources('hris')).toThrow(/unknown source "hris"/);
    // ci-bot has no person and so no manager: without --reviewer nobody would review it.
    await expect(buildPopulation(ledger, { reviewId: 'r', name: 'x', sources: ['okta', 'github'], assign: 'manager', reviewers: [], now: clock.now() })).rejects.toThrow(/github:acme\/ci-bot/);
    expect(await noReviewLeaves()).toBe(true);

    const started = await vigil(['review', 'start', '--name', '2027-Q1 production access', '--sources', 'okta,github', '--reviewer', ME, '--id', 'rev_q1', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const s = JSON.parse(started.stdout) as { reviewId: string; populationSha256: string; accounts: number; notes: string[] };
    expect(s).toMatchObject({ reviewId: 'rev_q1', accounts: 7 });
    // The CLI runs at the real time, weeks after the test's runs: the population says how old each frozen read is.
    expect(s.notes).toContainEqual(expect.stringMatching(/^okta example\.okta\.com: the frozen run of 2026-11-02T09:06:00\.000Z is \d+\.\d h old/));

    api = await buildApi({
      ledger, rules: [...allRules, ...CROSS_SOURCE_RULES], logger: silentLogger, clock, sources: [], dataDir: join(dir, 'data'),
      framework: { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [] } as unknown as Framework,
      config: apiConfigSchema.parse({ tokens: [
        { name: 'carol@example.com', sha256: sha(TOKENS.carol), role: 'admin' },
        { name: 'dave@example.com', sha256: sha(TOKENS.dave), role: 'admin' },
        { name: 'viewer', sha256: sha(TOKENS.viewer), role: 'viewer' },
        { name: 'auditor', sha256: sha(TOKENS.auditor), role: 'auditor' },
      ] }),
    });
    const post = (tok: string, payload: object) => api!.app.inject({ method: 'POST', url: '/v1/reviews/rev_q1/decisions', headers: { authorization: `Bearer ${tok}` }, payload });
    const pop = await api.app.inject({ method: 'GET', url: '/v1/reviews/rev_q1/population', headers: { authorization: `Bearer ${TOKENS.auditor}` } });
    expect(pop.statusCode).toBe(200);
    const accounts = (pop.json() as { accounts: Array<{ id: string; reviewers: string[]; person: string | null; hr: { status: string } | null; privileges: string[]; lastActivity: string | null }> }).accounts;
    const acc = (id: string) => accounts.find((a) => a.id === id)!;
    expect(acc('okta:example.okta.com/ann@example.com')).toMatchObject({ person: 'ann@example.com', reviewers: ['carol@example.com'], hr: { status: 'active' }, lastActivity: '2026-10-30T08:00:00.000Z' });
    expect(acc('okta:example.okta.com/bob@example.com')).toMatchObject({ reviewers: ['dave@example.com'], privileges: ['admin role SUPER_ADMIN'] });
    expect(acc('github:acme/erin')).toMatchObject({ reviewers: ['carol@example.com'], privileges: ['org member'] });
    expect(acc('github:acme/ci-bot')).toMatchObject({ person: null, reviewers: [ME] });

    // Refusals: a viewer token (403 by role), dave on carol's account (403), bad decision / unknown account (400).
    expect((await post(TOKENS.viewer, { account: 'github:acme/ann', decision: 'keep', reason: 'r' })).statusCode).toBe(403);
    const notHis = await post(TOKENS.dave, { account: 'github:acme/ann', decision: 'keep', reason: 'r' });
    expect(notHis.statusCode).toBe(403);
    expect(notHis.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('dave@example.com is not a reviewer of github:acme/ann') });
    expect((await post(TOKENS.carol, { account: 'github:acme/ann', decision: 'delete', reason: 'r' })).statusCode).toBe(400);
    expect((await post(TOKENS.carol, { account: 'github:acme/nobody', decision: 'keep', reason: 'r' })).statusCode).toBe(400);
    expect((await post(TOKENS.carol, { account: 'github:acme/ann', decision: 'keep' })).statusCode).toBe(400);

    for (const [tok, account, decision] of [
      [TOKENS.carol, 'okta:example.okta.com/ann@example.com', 'keep'], [TOKENS.carol, 'github:acme/ann', 'modify'],
      [TOKENS.carol, 'okta:example.okta.com/erin@example.com', 'revoke'], [TOKENS.carol, 'github:acme/erin', 'revoke'],
      [TOKENS.dave, 'okta:example.okta.com/bob@example.com', 'keep'],
    ] as const) {
      const r = await post(tok, { account, decision, reason: `${decision}: reviewed ${account}` });
      expect(r.statusCode, r.body).toBe(201);
    }
    // The CLI decides as the local OS account: ci-bot is its account; ann's is not.
    expect((await vigil(['review', 'decide', '--review', 'rev_q1', '--account', 'github:acme/ci-bot', '--decision', 'keep', '--reason', 'deploy bot, owned by platform'])).code).toBe(0);
    const cliNot = await vigil(['review', 'decide', '--review', 'rev_q1', '--account', 'github:acme/ann', '--decision', 'keep', '--reason', 'x']);
    expect(cliNot.code).toBe(2);
    expect(cliNot.stderr).toContain('is not a reviewer of github:acme/ann');
    await expect(decide(ledger, { reviewId: 'rev_nope', account: 'github:acme/ci-bot', decision: 'keep', reason: 'x' }, localPrincipal())).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND' });

    // One account left (github:acme/bob): close is refused, then succeeds once dave decides it.
    await expect(closeReview(ledger, 'rev_q1', localPrincipal(), { now: clock.now() })).rejects.toThrow('1 undecided account(s): github:acme/bob');
    expect((await post(TOKENS.dave, { account: 'github:acme/bob', decision: 'keep', reason: 'on-call rotation' })).statusCode).toBe(201);
    const closed = await vigil(['review', 'close', '--review', 'rev_q1', '--json']);
    expect(closed.code, closed.stderr).toBe(0);
    // The closed review is recorded as evidence of the framework's access-review requirement: its decisions file, by the closer.
    const closedOut = JSON.parse(closed.stdout) as { decisionsSha256: string; evidence: Array<{ criterion: string; requirement: string; seq: number }> };
    expect(closedOut.evidence.map((e) => `${e.criterion}/${e.requirement}`)).toEqual(['CC6.3/access-review']);
    const ev = (await loadEvidence(ledger)).find((e) => e.seq === closedOut.evidence[0]!.seq)!;
    expect(ev).toMatchObject({ sha256: closedOut.decisionsSha256, mediaType: 'application/json', uploader: { kind: 'local', name: ME }, confidential: false });
    expect((await post(TOKENS.carol, { account: 'github:acme/ann', decision: 'keep', reason: 'r' })).statusCode).toBe(400);
    await expect(decide(ledger, { reviewId: 'rev_q1', account: 'github:acme/ci-bot', decision: 'revoke', reason: 'x' }, localPrincipal())).rejects.toMatchObject({ code: 'REVIEW_CLOSED' });

    const status = await api.app.inject({ method: 'GET', url: '/v1/reviews/rev_q1', headers: { authorization: `Bearer ${TOKENS.auditor}` } });
    const closedLeaf = (status.json() as { review: { status: string; closed: Record<string, unknown> } }).review;
    expect(closedLeaf.status).toBe('closed');
    expect(closedLeaf.closed).toMatchObject({
      populationSha256: s.populationSha256, counts: { accounts: 7, keep: 4, revoke: 2, modify: 1, undecided: 0 }, forced: false,
      signedOff: [{ kind: 'token', name: 'carol@example.com', role: 'admin' }, { kind: 'token', name: 'dave@example.com', role: 'admin' }, { kind: 'local', name: ME }],
      closedBy: { kind: 'local', name: ME },
    });

    // The period's export carries the review leaves and their population and decisions blobs; verify checks them.
    await ledger.checkpoint('manual');
    const out = join(dir, 'bundle');
    // The CLI's leaves carry the real time, the in-process ones the test's: the period spans both.
    const real: Clock = { now: () => new Date() };
    await exportBundle({ dataDir: join(dir, 'data'), type: 2, from: '2026-11-02', to: real.now().toISOString().slice(0, 10), framework: FRAMEWORK, out, clock: real, logger: silentLogger });
    const leaves = readdirSync(join(out, 'ledger', 'leaves')).map((f) => readFileSync(join(out, 'ledger', 'leaves', f), 'utf8')).join('');
    expect(leaves).toContain('"type":"review.closed"');
    const popFile = join(out, 'attachments', 'sha256', s.populationSha256.slice(0, 2), `${s.populationSha256}.gz`);
    expect(existsSync(popFile)).toBe(true);
    expect(JSON.parse(gunzipSync(readFileSync(popFile)).toString('utf8'))).toMatchObject({ reviewId: 'rev_q1', name: '2027-Q1 production access' });
    expect((await verifyBundle(out)).ok).toBe(true);
    // A population that no longer matches its hash is named by verify.
    writeFileSync(popFile, gzipSync('{"tampered":true}'));
    const bad = await verifyBundle(out);
    expect(bad.ok).toBe(false);
    expect(bad.faults.map((f) => f.code)).toContain('ATTACHMENT_MISMATCH');
  }, 60_000);
});

describe('a revoke decision tracked against later runs', () => {
  it('is a finding and an alert when the account is still present past the grace period, and passes once removed', async () => {
    const writer = newWriter();
    await recordAll(writer);
    const pop = await buildPopulation(ledger, { reviewId: 'rev_t', name: 'tracker', sources: ['okta', 'github'], assign: 'manager', reviewers: ['dave@example.com'], now: clock.now() });
    await startReview(ledger, pop, { assign: 'manager', reviewers: ['dave@example.com'], by: localPrincipal() });
    // SoD at assignment: with --assign given, nobody is given their own accounts.
    const given = await buildPopulation(ledger, { reviewId: 'g', name: 'g', sources: ['okta'], assign: 'given', reviewers: ['ann@example.com', 'dave@example.com'], now: clock.now() });
    expect(given.accounts.find((a) => a.id === 'okta:example.okta.com/ann@example.com')!.reviewers).toEqual(['dave@example.com']);
    expect(given.accounts.find((a) => a.id === 'okta:example.okta.com/bob@example.com')!.reviewers).toEqual(['ann@example.com', 'dave@example.com']);
    // The grace period is a rule parameter in config, checked like the others.
    const cfg = (graceDays: unknown) => peopleOptionsFromConfig({ dir, config: { rules: { params: { 'xsys.access_review_revocations': { graceDays } }, disabled: [] } }, sources: {} });
    expect(cfg(3).params).toEqual({ graceDays: 3 });
    expect(() => cfg(0)).toThrow(/graceDays: expected a positive number/);
    const carol = token('carol@example.com', 'admin');
    await decide(ledger, { reviewId: 'rev_t', account: 'github:acme/erin', decision: 'revoke', reason: 'left the project' }, carol);
    // SoD: a reviewer cannot decide on their own account, nor on another reviewer's, and a viewer token cannot decide.
    await expect(decide(ledger, { reviewId: 'rev_t', account: 'github:acme/bob', decision: 'keep', reason: 'x' }, carol)).rejects.toMatchObject({ code: 'REVIEW_NOT_REVIEWER' });
    await expect(decide(ledger, { reviewId: 'rev_t', account: 'github:acme/ann', decision: 'keep', reason: 'x' }, token('carol@example.com', 'viewer'))).rejects.toMatchObject({ code: 'REVIEW_FORBIDDEN' });
    await expect(closeReview(ledger, 'rev_t', localPrincipal(), { force: true, now: clock.now() })).rejects.toMatchObject({ code: 'REVIEW_INVALID' });
    const closed = await closeReview(ledger, 'rev_t', localPrincipal(), { force: true, reason: 'quarter ended; rest carried to Q2', now: clock.now() });
    expect(closed.undecided).toHaveLength(6);
    expect((await loadReviews(ledger)).all.get('rev_t')!.closed).toMatchObject({ forced: true, forceReason: 'quarter ended; rest carried to Q2', counts: { revoke: 1, undecided: 6 } });

    const engine = new AlertEngine({ ledger, rules: [...allRules, ...CROSS_SOURCE_RULES], config: alertsConfigSchema.parse({}), clock, logger: silentLogger });
    const finding = async () => {
      const d = (await recordAll(writer)).derived!;
      await engine.tick();
      return d.job.results.find((r) => r.ruleId === 'xsys.access_review_revocations' && r.resourceId === 'account:github:acme/erin');
    };
    hours(24 * 3);
    expect(await finding()).toMatchObject({ status: 'pass', details: { pending: true, graceDays: 7 } });
    hours(24 * 5); // 8 days after the decision, erin is still in GitHub
    const late = await finding();
    expect(late).toMatchObject({ status: 'fail', reason: expect.stringContaining('still holds access (org member) 8.') });
    expect(late!.reason).toContain('carol@example.com decided to revoke it in review rev_t');
    hours(1);
    await finding(); // the default alert grace is two failing runs
    const alerts = [];
    for await (const l of ledger.readLeaves({ types: ['alert'] })) alerts.push(l.body);
    expect(alerts.find((a) => a.ruleId === 'xsys.access_review_revocations')).toMatchObject({ kind: 'broke', items: [expect.objectContaining({ resourceId: 'account:github:acme/erin', to: 'fail' })] });

    estate.erinInGithub = false;
    hours(1);
    expect(await finding()).toMatchObject({ status: 'pass', reason: expect.stringContaining('is gone') });
  });
});

describe('start and close over the API (the dashboard\'s forms)', () => {
  let api: BuiltApi | undefined;
  afterEach(async () => api?.close());

  it('an admin token starts a review (bound to it), is refused closing with undecided accounts unless forced with a reason; other roles 403', async () => {
    await recordAll(newWriter());
    api = await buildApi({
      ledger, rules: [...allRules, ...CROSS_SOURCE_RULES], logger: silentLogger, clock, sources: [], dataDir: join(dir, 'data'),
      framework: { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [] } as unknown as Framework,
      config: apiConfigSchema.parse({ tokens: [
        { name: 'carol@example.com', sha256: sha(TOKENS.carol), role: 'admin' },
        { name: 'dave@example.com', sha256: sha(TOKENS.dave), role: 'approver' },
      ] }),
    });
    const post = (tok: string, url: string, payload: object) => api!.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tok}` }, payload });
    const leaves = async (type: string) => {
      const out: Array<Record<string, unknown>> = [];
      for await (const l of ledger.readLeaves({ types: [type as 'review.started'] })) out.push(l.body as Record<string, unknown>);
      return out;
    };
    // Refused, nothing written: the approver role, a bad field, a source without a complete run, an unassignable bot.
    expect((await post(TOKENS.dave, '/v1/reviews', { name: 'q', sources: 'okta' })).statusCode).toBe(403);
    expect((await post(TOKENS.carol, '/v1/reviews', { name: 'q', sources: 'okta', assign: 'given' })).json()).toMatchObject({ message: 'assign given needs at least one reviewers' });
    expect((await post(TOKENS.carol, '/v1/reviews', { name: 'q', sources: 'entra' })).json()).toMatchObject({ message: expect.stringContaining('entra has no complete run') });
    expect((await post(TOKENS.carol, '/v1/reviews', { name: 'q', sources: 'okta,github' })).json()).toMatchObject({ message: expect.stringContaining('github:acme/ci-bot') });
    expect(await leaves('review.started')).toEqual([]);

    const started = await post(TOKENS.carol, '/v1/reviews', { name: 'Q4 admins', sources: 'okta,github', reviewers: ['ops@example.com'], id: 'rev_api' });
    expect(started.statusCode, started.body).toBe(201);
    // okta: ann, bob, erin; github: ann, bob, erin, ci-bot (the stubs above).
    expect(started.json()).toMatchObject({ reviewId: 'rev_api', accounts: 7, by: { kind: 'token', name: 'carol@example.com', role: 'admin' } });
    expect((await leaves('review.started'))[0]).toMatchObject({ review: { id: 'rev_api', startedBy: { kind: 'token', name: 'carol@example.com', role: 'admin' } } });

    expect((await post(TOKENS.dave, '/v1/reviews/rev_api/close', {})).statusCode).toBe(403);
    expect((await post(TOKENS.carol, '/v1/reviews/rev_api/close', {})).json()).toMatchObject({ error: 'REVIEW_UNDECIDED', message: expect.stringContaining('7 undecided account(s)') });
    expect((await post(TOKENS.carol, '/v1/reviews/rev_api/close', { force: true })).json()).toMatchObject({ message: expect.stringContaining('needs --reason') });
    expect((await post(TOKENS.carol, '/v1/reviews/rev_api/close', { reason: 'x' })).json()).toMatchObject({ message: 'reason is for force (why undecided accounts are accepted)' });
    expect(await leaves('review.closed')).toEqual([]);
    const closed = await post(TOKENS.carol, '/v1/reviews/rev_api/close', { force: true, reason: 'quarter ended; carried over', evidence: ['none'] });
    expect(closed.statusCode, closed.body).toBe(201);
    expect(closed.json()).toMatchObject({ reviewId: 'rev_api', evidence: [] });
    expect((closed.json() as { undecided: string[] }).undecided).toHaveLength(7);
    expect((await leaves('review.closed'))[0]).toMatchObject({ reviewId: 'rev_api', forced: true, forceReason: 'quarter ended; carried over', closedBy: { kind: 'token', name: 'carol@example.com', role: 'admin' } });
    expect((await post(TOKENS.carol, '/v1/reviews/rev_api/close', { force: true, reason: 'again' })).json()).toMatchObject({ message: expect.stringContaining('already closed') });
  });
});
