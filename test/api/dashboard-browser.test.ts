// The dashboard end to end in headless Chromium against a real API on a real ledger: sign in, drill from a criterion to a
// result's evidence and download it, request an exception and approve it as a second principal (refused for the
// requester), upload manual evidence and withdraw it as an admin (for the framework chosen in the posture view), decide an
// access-review account and close the review as an admin, filter findings by owner, export as an auditor and download it, watch a live alert arrive; axe-core on every view (no serious or
// critical violation).
// One browser for the file. Screenshots go to VIGIL_DASHBOARD_SCREENSHOTS when set (docs/img is refreshed that way).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { AlertEngine } from '../../src/alerts/engine.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { startReview } from '../../src/reviews/reviews.js';
import type { Population, PopulationAccount } from '../../src/reviews/book.js';
import { CRIT, HIGH, RULES, capturingLogger, config, openLedger, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const SHOTS_DIR = process.env.VIGIL_DASHBOARD_SCREENSHOTS;
const TOKENS = { alice: 'tok-alice-' + 'a'.repeat(24), dave: 'tok-dave-' + 'd'.repeat(24), carol: 'tok-carol-' + 'c'.repeat(24) };
const ROLES = { alice: 'admin', dave: 'approver', carol: 'auditor' } as const;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const framework = {
  id: 'soc2',
  title: 'SOC 2',
  version: 'test',
  criteria: [
    { id: 'CC6.1', title: 'Logical access', rules: [{ id: CRIT.id, evidence: 'direct' }, { id: HIGH.id, evidence: 'supporting' }], manual: [] },
    { id: 'CC7.2', title: 'Monitoring', rules: [{ id: HIGH.id, evidence: 'direct' }], manual: [{ id: 'runbook', title: 'Monitoring runbook', cadence: '12mo', owner: 'secops' }] },
  ],
} as unknown as Framework;
// A second configured framework mapping the same rules: CRIT (user-b fails) is direct for 5.15, HIGH (passes) for 8.2.
const iso = {
  id: 'iso27001-2022',
  title: 'ISO/IEC 27001:2022',
  version: 'test',
  criteria: [
    { id: '5.15', title: 'Access control', rules: [{ id: CRIT.id, evidence: 'direct' }], manual: [] },
    { id: '8.2', title: 'Privileged access rights', rules: [{ id: HIGH.id, evidence: 'direct' }], manual: [] },
  ],
} as unknown as Framework;

const describeBrowser = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

describeBrowser('dashboard in headless Chromium', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  let engine: AlertEngine;
  let url: string;
  let browser: Browser;
  const clock = settableClock('2026-03-01T10:00:00Z');
  const logger = capturingLogger();
  const errors: string[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`).toBe(true);
    dir = tempDir('vigil-dash-');
    ledger = await openLedger(dir, clock);
    engine = new AlertEngine({ ledger, rules: RULES, config: config(), clock, logger });
    await recordStatuses(ledger, clock, { [CRIT.id]: { 'user-a': 'pass', 'user-b': 'pass' }, [HIGH.id]: { 'repo-1': 'pass' } });
    clock.advance(3600_000);
    await recordStatuses(ledger, clock, { [CRIT.id]: { 'user-a': 'pass', 'user-b': 'fail' }, [HIGH.id]: { 'repo-1': 'pass' } });
    await engine.tick();
    await ledger.checkpoint('manual');
    // An access review frozen through the library (as `vigil review start` does): dave reviews ann's account, alice bob's.
    const account = (name: string, reviewer: string, hr: string): PopulationAccount => ({
      id: `okta:acme.okta.com/${name}`, source: 'okta', scope: 'acme.okta.com', name, holdsAccess: true, privileges: ['Super administrator'], lastActivity: '2026-02-20T09:00:00Z',
      observedAt: '2026-03-01T10:00:00Z', person: name, hr: { employeeId: `e-${name}`, status: hr, manager: reviewer, department: 'ops' }, reviewers: [reviewer],
    });
    const pop: Population = { reviewId: 'rev_q1', name: 'Q1 admins', frozenAt: '2026-03-01T11:00:00Z', sources: ['okta'], runs: [], notes: [], accounts: [account('ann@example.com', 'dave', 'terminated'), account('bob@example.com', 'alice', 'active')] };
    await startReview(ledger, pop, { assign: 'manager', reviewers: [], by: { kind: 'local', name: 'ops@host' } });
    api = await buildApi({
      ledger,
      rules: RULES,
      framework,
      frameworks: [framework, iso],
      config: apiConfigSchema.parse({ tokens: Object.entries(TOKENS).map(([n, t]) => ({ name: n, sha256: sha(t), role: ROLES[n as keyof typeof ROLES] })) }),
      logger,
      clock,
      sources: [{ source: 'aws', schedule: '0 * * * *' }],
      dataDir: dir,
      streamPollMs: 50,
      evidence: { owners: { secops: 'dave' }, warnDays: 30 },
      owners: [{ owner: 'iam-team', rule: CRIT.id }, { owner: 'code-team', source: 'aws', rule: HIGH.id }],
    });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A signed-in page of its own (cookies are per context), with console errors and off-origin requests collected. */
  async function signedIn(who: keyof typeof TOKENS, viaForm = false): Promise<{ ctx: BrowserContext; page: Page }> {
    // bypassCSP: only so the test can inject axe-core; the page's own CSP (no inline script) is checked in the first test.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, bypassCSP: true });
    const page = await ctx.newPage();
    page.setDefaultTimeout(5000);
    page.on('console', (m) => void (m.type() === 'error' && !m.text().includes('status of 4') && errors.push(`${who}: ${m.text()}`)));
    page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
    page.on('request', (r) => void (!r.url().startsWith(url) && !r.url().startsWith('blob:') && errors.push(`off-origin request ${r.url()}`)));
    if (viaForm) {
      await page.goto(url);
      await page.getByLabel('API token').fill(TOKENS[who]);
      await page.getByRole('button', { name: 'Sign in' }).click();
    } else {
      // The same exchange the form makes, through the context's own cookie jar (the first test signs in with the form).
      expect((await ctx.request.post(`${url}/v1/session`, { data: { token: TOKENS[who] } })).status()).toBe(201);
      await page.goto(url);
    }
    await page.getByText(`${who} (${ROLES[who]})`).waitFor();
    return { ctx, page };
  }

  const AXE = join(process.cwd(), 'node_modules/axe-core/axe.min.js');
  async function axe(page: Page, view: string): Promise<void> {
    // Views change by hash (no reload): axe-core stays loaded after the first view of a page.
    if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const a = (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe;
      return (await a.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] })).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), view).toEqual([]);
  }

  /** Screenshots are for docs/dashboard.md: taken only when VIGIL_DASHBOARD_SCREENSHOTS names a folder (they cost ~1 s each). */
  const shot = async (page: Page, name: string) => {
    if (!SHOTS_DIR) return;
    const path = join(SHOTS_DIR, `dashboard-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    expect(readFileSync(path).subarray(1, 4).toString('latin1')).toBe('PNG');
  };

  it('signs in, and drills from a criterion to its rules, a resource and its evidence, which downloads with its inclusion proof', async () => {
    const ctx0 = await browser.newContext({ bypassCSP: true });
    const p0 = await ctx0.newPage();
    await p0.goto(url);
    await p0.getByRole('heading', { name: 'Sign in' }).waitFor();
    await axe(p0, 'sign-in');
    await p0.getByLabel('API token').fill('wrong-token');
    await p0.getByRole('button', { name: 'Sign in' }).click();
    await p0.getByText('that token is not valid').waitFor();
    await ctx0.close();

    const { ctx, page } = await signedIn('alice', true);
    await page.getByRole('heading', { name: /Posture/ }).waitFor();
    const csp = (await page.request.get(url)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const cc61 = page.getByRole('row').filter({ hasText: 'Logical access' });
    await expect(cc61.getByText('not-satisfied')).toBeTruthy();
    expect(await cc61.textContent()).toContain('not-satisfied');
    expect(await page.locator('svg.trend').count()).toBe(2);
    await axe(page, 'posture');
    await shot(page, 'posture');
    await page.getByLabel('Trend period (days)').selectOption('7');
    await page.getByRole('table', { name: 'Criteria, their state now and over the last 7 days' }).waitFor();
    expect(await page.locator('svg.trend').first().locator('rect').count()).toBe(7);
    await page.getByRole('link', { name: 'CC6.1' }).click();
    await page.getByRole('heading', { name: /CC6\.1 Logical access/ }).waitFor();
    await axe(page, 'criterion');
    await page.getByRole('link', { name: `Resources of ${CRIT.id}` }).click();
    await page.getByRole('heading', { name: 'Findings' }).waitFor();
    await page.getByRole('link', { name: 'Evidence for user-b' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'user-b' }).textContent()).toContain('critical');
    await axe(page, 'findings');
    await shot(page, 'findings');
    await page.getByRole('link', { name: 'Evidence for user-b' }).click();
    await page.locator('#inclusion').waitFor();
    expect(await page.locator('#inclusion').textContent()).toMatch(/^Proved: leaf \d+ is in the log between signed checkpoints/);
    await axe(page, 'evidence');
    await shot(page, 'evidence');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#evidence-download').click()]);
    const ev = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { result: { resourceId: string; status: string }; run: { leafHash: string }; inclusion: { ok: boolean; checkpoint: { note: string } }; keyFingerprint: string };
    expect(ev.result).toMatchObject({ resourceId: 'user-b', status: 'fail' });
    expect(ev.inclusion.ok).toBe(true);
    expect(ev.inclusion.checkpoint.note).toContain(ledger.origin);
    expect(ev.keyFingerprint).toBe(keyFingerprint(ledger.publicKeyPem));
    // Owners come from the config's owners: list; the findings view filters by them.
    await page.goto(`${url}/#/findings`);
    expect(await page.getByRole('row').filter({ hasText: 'user-b' }).textContent()).toContain('iam-team');
    await page.getByLabel('Owner').selectOption('code-team');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('1 finding.').waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'repo-1' }).textContent()).toContain('code-team');
    expect(await page.getByRole('row').filter({ hasText: 'user-b' }).count()).toBe(0);
    await axe(page, 'findings by owner');
    await ctx.close();
  }, 45_000);

  it('the posture view switches between the configured frameworks, and the drill-down keeps the one chosen', async () => {
    const { ctx, page } = await signedIn('dave');
    await page.getByRole('heading', { name: 'Posture — soc2' }).waitFor();
    const picker = page.getByLabel('Framework');
    expect(await picker.locator('option').allTextContents()).toEqual(['SOC 2 (soc2)', 'ISO/IEC 27001:2022 (iso27001-2022)']);
    await picker.selectOption('iso27001-2022');
    await page.getByRole('heading', { name: 'Posture — iso27001-2022' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Access control' }).textContent()).toContain('not-satisfied');
    expect(await page.getByRole('row').filter({ hasText: 'Privileged access rights' }).textContent()).toContain('satisfied');
    expect(await page.getByRole('row').filter({ hasText: 'Logical access' }).count()).toBe(0);
    expect(await page.locator('svg.trend').count()).toBe(2);
    await axe(page, 'posture (iso)');
    // The period keeps the framework, and the criterion page reads the same framework's posture.
    await page.getByLabel('Trend period (days)').selectOption('7');
    await page.getByRole('table', { name: 'Criteria, their state now and over the last 7 days' }).waitFor();
    expect(await page.getByLabel('Framework').inputValue()).toBe('iso27001-2022');
    await page.getByRole('link', { name: '5.15' }).click();
    await page.getByRole('heading', { name: /5\.15 Access control/ }).waitFor();
    await page.getByRole('link', { name: '← Posture' }).click();
    await page.getByRole('heading', { name: 'Posture — iso27001-2022' }).waitFor();
    await ctx.close();
  }, 30_000);

  it('an exception requested by one principal is refused approval by the same one and approved by a second; sources view', async () => {
    const request = async (page: Page, resource: string, force: boolean) => {
      await page.getByLabel('Rule', { exact: true }).fill(CRIT.id);
      await page.getByLabel('Resource', { exact: true }).fill(resource);
      await page.getByLabel('Reason', { exact: true }).fill('break-glass account, reviewed weekly');
      await page.getByLabel('Expires').fill('2026-03-20');
      await page.getByLabel(/Request even though the resource has no failing result/).setChecked(force);
      await page.getByRole('button', { name: 'Request exception' }).click();
    };
    const a = await signedIn('alice');
    await a.page.goto(`${url}/#/exceptions`);
    // user-a passes: refused without force, recorded as forced (with the warning) with it.
    await request(a.page, 'user-a', false);
    await a.page.getByText(/^Refused \(400\): .*force/).waitFor();
    await request(a.page, 'user-a', true);
    await a.page.getByText(/^Requested exc_\w+ \(pending approval by another principal\).* Warning: /).waitFor();
    await request(a.page, 'user-b', false);
    await a.page.getByText(/^Requested exc_/).waitFor();
    const row = a.page.getByRole('row').filter({ hasText: 'user-b' });
    await row.getByText('pending').waitFor();
    expect(await row.textContent()).toContain('alice (admin) — you');
    // The requester approving their own request: the server refuses, and the page says so.
    await row.getByRole('button', { name: /^Approve exc_/ }).click();
    await a.page.getByText(/^Refused \(403\): .*requested by .*alice.* may not approve it/).waitFor();
    await axe(a.page, 'exceptions');
    const d = await signedIn('dave');
    await d.page.goto(`${url}/#/exceptions`);
    const forced = d.page.getByRole('row').filter({ hasText: 'user-a' });
    expect(await forced.textContent()).toContain('(forced)');
    await d.page.getByLabel('Reason for a rejection or revocation').fill('user-a passes; nothing to accept');
    await forced.getByRole('button', { name: /^Reject exc_/ }).click();
    await d.page.getByText(/^Rejected exc_/).waitFor();
    await forced.getByText('rejected').waitFor();
    await d.page.getByRole('row').filter({ hasText: 'user-b' }).getByRole('button', { name: /^Approve exc_/ }).click();
    await d.page.getByText(/^Approved exc_/).waitFor();
    const granted = d.page.getByRole('row').filter({ hasText: 'user-b' });
    await granted.getByText('active').waitFor();
    expect(await granted.textContent()).toMatch(/alice \(admin\).*dave \(approver\)/);
    await shot(d.page, 'exceptions');
    await d.page.goto(`${url}/#/findings?rule=${CRIT.id}`);
    await d.page.getByText('fail (accepted)').waitFor();
    await d.page.goto(`${url}/#/sources`);
    await d.page.getByRole('heading', { name: 'aws' }).waitFor();
    expect(await d.page.getByText(/Schedule 0 \* \* \* \*; next run 2026-03-01 12:00:00Z/).count()).toBe(1);
    await axe(d.page, 'sources');
    await shot(d.page, 'sources');
    await a.ctx.close();
    await d.ctx.close();
  }, 30_000);

  it('the requirement owner uploads manual evidence (no longer due) and decides the review account assigned to them', async () => {
    const { ctx, page } = await signedIn('dave');
    await page.goto(`${url}/#/manual`);
    const due = page.getByRole('table', { name: 'Requirements due or overdue now' });
    expect(await due.getByRole('row').filter({ hasText: 'runbook' }).textContent()).toContain('no evidence recorded');
    await page.getByLabel('Requirement', { exact: true }).selectOption('CC7.2/runbook');
    await page.getByLabel('Title').fill('Monitoring runbook v3');
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'runbook.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 runbook') });
    await page.getByRole('button', { name: 'Upload evidence' }).click();
    await page.getByText(`Recorded ev_`).waitFor();
    expect(await page.locator('p.status').textContent()).toContain(`SHA-256 ${createHash('sha256').update('%PDF-1.4 runbook').digest('hex')}, expires 2027-03-01`);
    await page.locator('#nothing-due').waitFor();
    expect(await page.getByRole('table', { name: 'Evidence recorded' }).getByRole('row').filter({ hasText: 'runbook.pdf' }).textContent()).toContain('dave (approver)');
    await axe(page, 'manual evidence');
    await shot(page, 'manual');
    await page.goto(`${url}/#/criterion/CC7.2`);
    const req = page.getByRole('table', { name: 'Manual evidence for CC7.2' }).getByRole('row').filter({ hasText: 'runbook' });
    expect(await req.textContent()).toMatch(/Monitoring runbook12mosecopsevidencedcurrent/);
    await axe(page, 'criterion with manual evidence');
    await page.goto(`${url}/#/posture`);
    await page.getByRole('heading', { name: /Posture/ }).waitFor();
    await page.getByRole('link', { name: 'Access reviews' }).click();
    await page.getByRole('link', { name: 'rev_q1' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'rev_q1' }).textContent()).toContain('0 (2 left)');
    await axe(page, 'reviews');
    await page.getByRole('link', { name: 'rev_q1' }).click();
    await page.getByRole('heading', { name: /rev_q1 Q1 admins/ }).waitFor();
    // Only ann's account is dave's to decide; bob's is alice's.
    expect(await page.getByRole('button', { name: /^Decide / }).count()).toBe(1);
    await page.getByLabel('Decision for okta:acme.okta.com/ann@example.com').selectOption('revoke');
    await page.getByLabel('Reason for okta:acme.okta.com/ann@example.com').fill('left the company');
    await page.getByRole('button', { name: 'Decide okta:acme.okta.com/ann@example.com' }).click();
    await page.getByText('Recorded revoke for okta:acme.okta.com/ann@example.com').waitFor();
    await page.getByRole('row').filter({ hasText: 'ann@example.com' }).getByText('by dave: left the company').waitFor();
    await page.getByText(/^2 accounts, 1 decided, 1 undecided\./).waitFor();
    await axe(page, 'review');
    await shot(page, 'review');
    // Closing is for an admin (as `vigil review close`): an approver is not offered it.
    expect(await page.getByRole('button', { name: 'Close review' }).count()).toBe(0);
    await ctx.close();
  }, 30_000);

  it('manual evidence follows the framework chosen in the posture view; an admin withdraws a record with a reason (a blank one refused)', async () => {
    const { ctx, page } = await signedIn('alice');
    await page.getByRole('heading', { name: 'Posture — soc2' }).waitFor();
    await page.getByLabel('Framework').selectOption('iso27001-2022');
    await page.getByRole('heading', { name: 'Posture — iso27001-2022' }).waitFor();
    await page.getByRole('link', { name: 'Manual evidence' }).click();
    await page.getByRole('heading', { name: 'Manual evidence — iso27001-2022' }).waitFor();
    await page.getByText('iso27001-2022 names no manual requirements.').waitFor();
    await page.locator('#nothing-due').waitFor();
    expect(await page.getByRole('table', { name: 'Evidence recorded' }).getByRole('row').count()).toBe(1);
    await page.getByRole('link', { name: 'Posture view' }).click();
    await page.getByLabel('Framework').selectOption('soc2');
    await page.getByRole('heading', { name: 'Posture — soc2' }).waitFor();
    await page.getByRole('link', { name: 'Manual evidence' }).click();
    await page.getByRole('heading', { name: 'Manual evidence — soc2' }).waitFor();
    const row = page.getByRole('table', { name: 'Evidence recorded' }).getByRole('row').filter({ hasText: 'runbook.pdf' });
    const id = (await row.getByRole('cell').first().textContent())!;
    expect(id).toMatch(/^ev_[0-9a-f]{12}$/);
    // A blank reason: the server refuses it, the page shows why, and nothing is written.
    const before = await ledger.size();
    await row.getByRole('button', { name: `Withdraw ${id}` }).click();
    await page.getByText(/^Refused \(400\): .*a reason is required/).waitFor();
    expect(await ledger.size()).toBe(before);
    await row.getByLabel(`Reason for withdrawing ${id}`).fill('superseded by runbook v4');
    await row.getByRole('button', { name: `Withdraw ${id}` }).click();
    await page.getByText(new RegExp(`^Withdrew ${id} \\(leaf ${before}\\) at `)).waitFor();
    const leaf = (await ledger.lastLeaf({ type: 'evidence.withdrawn' }))!;
    expect(leaf.seq).toBe(before);
    expect(leaf.body).toMatchObject({ id, framework: 'soc2', criterion: 'CC7.2', requirement: 'runbook', reason: 'superseded by runbook v4', by: { kind: 'token', name: 'alice', role: 'admin' } });
    const withdrawnRow = page.getByRole('table', { name: 'Evidence recorded' }).getByRole('row').filter({ hasText: 'runbook.pdf' });
    await withdrawnRow.getByText(`withdrawn ${clock.now().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} by alice (admin): superseded by runbook v4`).waitFor();
    expect(await withdrawnRow.getByRole('button').count()).toBe(0);
    // It no longer counts: the runbook is due again.
    expect(await page.getByRole('table', { name: 'Requirements due or overdue now' }).getByRole('row').filter({ hasText: 'runbook' }).count()).toBe(1);
    await axe(page, 'manual evidence with a withdrawal');
    await ctx.close();
  }, 30_000);

  it('an admin starts and closes access reviews from the dashboard: the server\'s refusals shown, a forced close recorded with its reason', async () => {
    const { ctx, page } = await signedIn('alice');
    await page.goto(`${url}/#/reviews`);
    await page.getByLabel('Review name').fill('Q2 admins');
    await page.getByLabel('Sources (comma-separated)').fill('okta');
    await page.getByRole('button', { name: 'Start review' }).click();
    // This ledger has no okta run to freeze: refused, nothing written.
    await page.getByText(/^Refused \(400\): .*okta has no complete run/).waitFor();
    await axe(page, 'reviews with the start form');
    await page.getByRole('link', { name: 'rev_q1' }).click();
    await page.getByRole('heading', { name: /rev_q1 Q1 admins/ }).waitFor();
    await page.getByRole('button', { name: 'Close review' }).click();
    await page.getByText(/^Refused \(400\): review rev_q1 has 1 undecided account/).waitFor();
    await page.getByLabel('Close with undecided accounts (recorded as such)').check();
    await page.getByLabel('Reason for closing with undecided accounts').fill('bob leaves on Friday');
    await page.getByRole('button', { name: 'Close review' }).click();
    await page.getByText(/^Closed rev_q1 \(leaf \d+\), 1 account\(s\) left undecided\.$/).waitFor();
    await page.getByText(/The review is closed; decisions are final\./).waitFor();
    expect((await ledger.lastLeaf({ type: 'review.closed' }))!.body).toMatchObject({ reviewId: 'rev_q1', forced: true, forceReason: 'bob leaves on Friday', closedBy: { kind: 'token', name: 'alice', role: 'admin' } });
    await axe(page, 'closed review');
    await ctx.close();
  }, 30_000);

  it('shows a new alert live over SSE (the session cookie authenticates the EventSource)', async () => {
    const { ctx, page } = await signedIn('alice');
    await page.goto(`${url}/#/alerts`);
    await page.getByText('Live: new alerts appear at the top.').waitFor();
    const before = await page.locator('ol.timeline li').count();
    clock.advance(3600_000);
    await recordStatuses(ledger, clock, { [CRIT.id]: { 'user-a': 'fail', 'user-b': 'fail' }, [HIGH.id]: { 'repo-1': 'pass' } });
    await engine.tick();
    await page.getByText(/^New alert: /).waitFor({ timeout: 5000 });
    expect(await page.locator('ol.timeline li').count()).toBe(before + 1);
    const newest = page.locator('ol.timeline li').first();
    expect(Number(await newest.getAttribute('data-seq'))).toBe((await ledger.lastLeaf({ type: 'alert' }))!.seq);
    expect(await newest.textContent()).toContain(`Control broke: ${CRIT.id}`);
    await axe(page, 'alerts');
    await shot(page, 'alerts');
    await ctx.close();
  }, 30_000);

  it('an auditor reads the key fingerprint, cannot request exceptions or upload evidence, and creates, verifies and downloads a Type 2 export', async () => {
    const { ctx, page } = await signedIn('carol');
    await page.goto(`${url}/#/exceptions`);
    await page.getByText('Your role can read exceptions only.').waitFor();
    // Any role is offered the upload form; the server refuses whoever is neither admin nor the requirement's owner.
    await page.goto(`${url}/#/manual`);
    await page.getByLabel('Title').fill('not mine');
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
    await page.getByRole('button', { name: 'Upload evidence' }).click();
    await page.getByText(/^Refused \(403\): .*needs the admin role or the requirement's owner/).waitFor();
    await page.goto(`${url}/#/auditor`);
    await page.locator('#fingerprint').waitFor();
    expect(await page.locator('#fingerprint').textContent()).toBe(keyFingerprint(ledger.publicKeyPem));
    await page.getByLabel('From (Type 2)').fill('2026-03-01');
    await page.getByLabel('To (Type 2)').fill('2026-03-01');
    await page.getByLabel('Sample seed').fill('audit-2026');
    await page.getByRole('button', { name: 'Create export' }).click();
    await page.getByText(/^Export ready|^Refused/).waitFor({ timeout: 20_000 });
    expect(await page.locator('p.status').textContent()).toMatch(/^Export ready/);
    await page.getByText(/Export ready \(\d+ bytes\)\. Verified against key SHA256:[0-9a-f]{64}: intact\./).waitFor({ timeout: 20_000 });
    await axe(page, 'auditor');
    await shot(page, 'auditor');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-download').click()]);
    expect(download.suggestedFilename()).toBe('vigil-type2-2026-03-01-2026-03-01.zip');
    expect(readFileSync((await download.path())!).subarray(0, 2).toString()).toBe('PK');
    await ctx.close();
    expect(errors).toEqual([]);
  }, 40_000);
});
