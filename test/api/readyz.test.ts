// /readyz and `vigil status` on monitoring health: a scope that cannot be read is `degraded` with its cause, listed first.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { silentLogger, UNRESOLVED_SCOPE } from '../../src/core/collector.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi } from '../../src/api/server.js';
import { AlertEngine } from '../../src/alerts/engine.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import { computePosture } from '../../src/report/posture.js';
import { printPosture } from '../../src/cli/status.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { CRIT, HIGH, RULES, SCOPE, config, leavesOf, openLedger, recordFailing, recordStatuses, settableClock, tempDir, type RunError } from '../alerts/helpers.js';

const framework = { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [{ id: 'CC6.1', title: 'Logical access', rules: [{ id: CRIT.id }, { id: HIGH.id }] }] } as unknown as Framework;
const NO_CREDS: RunError = { operation: 'sts:GetCallerIdentity', code: 'CredentialsProviderError', message: 'Could not load credentials from any providers', inputs: ['aws.test.thing'], cause: 'unauthenticated' };
const OTHER = '444455556666';
const TOKEN = 'readyz-viewer-token-0123456789';

describe('/readyz and status on monitoring health', () => {
  let dir: string;
  let ledger: Ledger;
  const clock = settableClock('2026-03-01T10:00:00Z');

  beforeEach(async () => {
    dir = tempDir('vigil-readyz-');
    clock.set('2026-03-01T10:00:00Z');
    ledger = await openLedger(dir, clock);
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const viewer = { tokens: [{ name: 'v', sha256: createHash('sha256').update(TOKEN).digest('hex'), role: 'viewer' }] };
  /** /readyz as a token holder sees it (the details); `token: null` asks as a probe with no token. */
  const ready = async (token: string | null = TOKEN) => {
    const api = await buildApi({ ledger, rules: RULES, framework, config: apiConfigSchema.parse(viewer), logger: silentLogger, clock, sources: [{ source: 'aws', schedule: '0 * * * *' }] });
    try {
      const r = await api.app.inject({ method: 'GET', url: '/readyz', ...(token !== null ? { headers: { authorization: `Bearer ${token}` } } : {}) });
      return { code: r.statusCode, body: r.json() as Record<string, unknown> & { checks: Record<string, Record<string, unknown>> } };
    } finally {
      await api.close();
    }
  };
  const statusText = async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    printPosture(await computePosture(ledger, framework, clock.now()), out);
    return text;
  };

  it('a scope failing from day one: one alert on the first run, /readyz degraded with the cause (200), status lists it first', async () => {
    const engine = new AlertEngine({ ledger, rules: RULES, config: config(), clock, logger: silentLogger });
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' } }, 'aws', OTHER);
    await recordFailing(ledger, clock, [CRIT.id, HIGH.id], [NO_CREDS]);
    expect(await engine.tick()).toHaveLength(1);
    clock.advance(3600_000);
    await recordFailing(ledger, clock, [CRIT.id, HIGH.id], [NO_CREDS]);
    expect(await engine.tick()).toEqual([]);

    const r = await ready();
    expect(r.code).toBe(200);
    expect(r.body).toMatchObject({ ready: true, status: 'degraded', degraded: ['source:aws'] });
    const aws = r.body.checks['source:aws']!;
    expect(aws).toMatchObject({ ok: false, status: 'degraded', scopes: [{ scope: SCOPE, state: 'failing', failedRuns: 2, causes: ['unauthenticated'] }, { scope: OTHER, state: 'healthy' }] });
    expect(String(aws.detail)).toContain(`${SCOPE} cannot be read since 2026-03-01T10:00:00.000Z (2 runs): sts:GetCallerIdentity failed: no valid credentials (CredentialsProviderError)`);
    expect(String(aws.detail)).not.toContain('needs permission');
    const api = await buildApi({ ledger, rules: RULES, framework, config: apiConfigSchema.parse({ tokens: [{ name: 'v', sha256: createHash('sha256').update(TOKEN).digest('hex'), role: 'viewer' }] }), logger: silentLogger, clock, sources: [] });
    try {
      const m = (await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
      expect(m).toContain(`vigil_scope_failing{source="aws",scope="${SCOPE}"} 1`);
      expect(m).toContain(`vigil_scope_failing{source="aws",scope="${OTHER}"} 0`);
      const runs = (await api.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: `Bearer ${TOKEN}` } })).json() as { runs: Array<{ scope: string; health: string; errors: Array<{ cause: string }> }> };
      expect(runs.runs.map((r) => `${r.scope}:${r.health}`)).toEqual([`${OTHER}:healthy`, `${SCOPE}:failing`, `${SCOPE}:failing`]);
      expect(runs.runs[1]!.errors[0]!.cause).toBe('unauthenticated');
    } finally {
      await api.close();
    }

    const text = await statusText();
    const lines = text.split('\n');
    expect(lines[0]).toBe(`NOT MONITORED: aws ${SCOPE}: 2 failed runs since 2026-03-01T10:00:00.000Z (last at 2026-03-01T11:00:00.000Z, leaf #${(await leavesOf(ledger, 'run')).at(-1)!.seq})`);
    expect(lines[1]).toBe('  sts:GetCallerIdentity failed: no valid credentials (CredentialsProviderError)');
    expect(lines[2]).toMatch(new RegExp(`^last run: aws ${OTHER} `));

    // recovery: ready again, one recovered alert
    clock.advance(3600_000);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' } });
    expect(await engine.tick()).toHaveLength(1);
    const after = await ready();
    expect(after).toMatchObject({ code: 200, body: { ready: true, status: 'ready', checks: { 'source:aws': { ok: true, status: 'ok' } } } });
    expect(after.body.degraded).toBeUndefined();
  });

  it('an unresolved-scope failure is degraded until a real scope of the source is read', async () => {
    await recordFailing(ledger, clock, [CRIT.id], [NO_CREDS], 'aws', UNRESOLVED_SCOPE);
    expect((await ready()).body).toMatchObject({ status: 'degraded', checks: { 'source:aws': { scopes: [{ scope: UNRESOLVED_SCOPE, state: 'failing' }] } } });
    clock.advance(3600_000);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' } });
    const r = await ready();
    expect(r.body).toMatchObject({ status: 'ready', checks: { 'source:aws': { status: 'ok', scopes: [{ scope: SCOPE, state: 'healthy' }] } } });
    expect((r.body.checks['source:aws']!.scopes as unknown[]).length).toBe(1);
    expect(await statusText()).not.toContain(UNRESOLVED_SCOPE);
  });

  it('a healthy source with partial errors is ready, not degraded; status names the partial errors\' causes', async () => {
    const timeout: RunError = { operation: 'iam:GetCredentialReport', code: 'TIMEOUT', message: 'timed out', inputs: ['aws.test.thing'], cause: 'timeout' };
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { [`aws:${SCOPE}`]: 'error' } }, 'aws', SCOPE, [timeout]);
    expect(await ready()).toMatchObject({ code: 200, body: { ready: true, status: 'ready' } });
    expect((await statusText()).split('\n')[0]).toMatch(new RegExp(`^last run: aws ${SCOPE} at \\S+ \\(partial, leaf #\\d+\\) — 1 collection error: timeout$`));
  });
  describe('without a token', () => {
    it('says degraded in one word, with the status code a token holder gets, and names no source, scope or cause', async () => {
      await recordFailing(ledger, clock, [CRIT.id, HIGH.id], [NO_CREDS]);
      const full = await ready();
      expect(full.body).toMatchObject({ status: 'degraded', checks: { 'source:aws': { scopes: [{ scope: SCOPE }] } } });
      const probe = await ready(null);
      expect(probe.code).toBe(full.code);
      expect(probe.body).toEqual({ ready: true, status: 'degraded' });
      // a token that is sent but unknown gets the probe's answer, not the details (and no 401: the route is public)
      const wrong = await ready('not-a-token');
      expect(wrong).toEqual(probe);
    });

    it('says ready, or not_ready with one word why (stale; store), with 200 and 503 as before', async () => {
      await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' } });
      expect(await ready(null)).toEqual({ code: 200, body: { ready: true, status: 'ready' } });
      clock.advance(4 * 3600_000); // hourly source, last run 4 h ago: stale after 2 h 30
      const stale = await ready(null);
      expect(stale).toEqual({ code: 503, body: { ready: false, status: 'not_ready', reason: 'stale' } });
      expect(JSON.stringify(stale.body)).not.toContain('aws');
      expect((await ready()).body).toMatchObject({ ready: false, checks: { 'source:aws': { ok: false, status: 'not_ready' } } });
      await ledger.close();
      const closed = await ready(null);
      expect(closed).toEqual({ code: 503, body: { ready: false, status: 'not_ready', reason: 'store' } });
      ledger = await openLedger(dir, clock);
    });
  });
});
