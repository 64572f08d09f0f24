// The dashboard's data routes in-process on a real ledger: the posture trend by day, findings' severity, first-seen and
// age filter, one result's evidence with its inclusion proof (and what it refuses), sources, and the ledger key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi, type BuiltApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { CRIT, HIGH, RULES, openLedger, recordFailing, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';
import { latestScopeHealth } from '../../src/report/health.js';
import { LedgerView } from '../../src/report/ledger-view.js';
import { silentLogger } from '../../src/core/collector.js';

const TOKEN = 'tok-viewer-' + 'q'.repeat(20);
const framework = { id: 'soc2', title: 'SOC 2', version: 'test', criteria: [{ id: 'CC6.1', title: 'Logical access', rules: [{ id: CRIT.id, evidence: 'direct' }] }, { id: 'CC7.2', title: 'Monitoring', rules: [{ id: HIGH.id, evidence: 'direct' }] }] } as unknown as Framework;

describe('dashboard data routes', () => {
  let dir: string;
  let ledger: Ledger;
  let api: BuiltApi;
  let failRunSeq: number;
  const clock = settableClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    dir = tempDir('vigil-dash-data-');
    ledger = await openLedger(dir, clock);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'pass' } });
    clock.set('2026-03-02T10:00:00Z');
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'fail' } });
    failRunSeq = (await ledger.lastLeaf({ type: 'run' }))!.seq;
    await ledger.checkpoint('manual');
    api = await buildApi({ ledger, rules: RULES, framework, config: apiConfigSchema.parse({ tokens: [{ name: 'v', sha256: createHash('sha256').update(TOKEN).digest('hex'), role: 'viewer' }] }), logger: silentLogger, clock, sources: [{ source: 'aws', schedule: '0 * * * *' }], dataDir: dir });
  });
  afterAll(async () => {
    await api.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });

  it('trend: each criterion\'s state at the end of each UTC day, judged on the last run of each scope before it ended', async () => {
    clock.set('2026-03-02T12:00:00Z');
    const t = (await get('/v1/posture/trend?days=3')).json() as { dates: string[]; criteria: Array<{ id: string; states: string[] }> };
    expect(t.dates).toEqual(['2026-02-28', '2026-03-01', '2026-03-02']);
    expect(t.criteria).toEqual([
      { id: 'CC6.1', title: 'Logical access', states: ['not-assessed', 'satisfied', 'not-satisfied'] },
      { id: 'CC7.2', title: 'Monitoring', states: ['not-assessed', 'not-assessed', 'not-assessed'] },
    ]);
    expect((await get('/v1/posture/trend?days=0')).statusCode).toBe(400);
  });

  it('findings carry the rule\'s severity and when the status began; minAgeDays keeps only older ones', async () => {
    clock.set('2026-03-05T10:00:00Z');
    const f = (await get(`/v1/findings?rule=${CRIT.id}&status=fail`)).json() as { findings: Array<{ resourceId: string; severity: string; firstSeen: string; durationMs: number }> };
    expect(f.findings).toEqual([expect.objectContaining({ resourceId: 'b', severity: 'critical', firstSeen: '2026-03-02T10:00:00.000Z', durationMs: 3 * 86_400_000 })]);
    expect(((await get('/v1/findings?status=fail&minAgeDays=3')).json() as { total: number }).total).toBe(1);
    expect(((await get('/v1/findings?status=fail&minAgeDays=4')).json() as { total: number }).total).toBe(0);
    expect(((await get('/v1/findings?severity=high')).json() as { total: number }).total).toBe(0);
  });

  it('evidence: the run leaf, blob hash and an inclusion proof that checks; refuses other leaves and unknown results; says when no checkpoint covers a run yet', async () => {
    const r = await get(`/v1/evidence/${failRunSeq}?rule=${CRIT.id}&resource=b&download=1`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="vigil-evidence-${failRunSeq}-${CRIT.id}.json"`);
    const ev = r.json() as { result: { status: string }; run: { leafHash: string; bodyBase64: string; body: { resultsSha256: string } }; resultsBlob: { sha256: string; matches: boolean }; inclusion: { ok: boolean; to: number; checkpoint: { note: string } }; keyFingerprint: string };
    expect(ev.result.status).toBe('fail');
    // The leaf hash is recomputable from the bytes shipped alongside (RFC 6962: SHA-256(0x00 ‖ body)).
    expect(leafHash(Buffer.from(ev.run.bodyBase64, 'base64')).toString('hex')).toBe(ev.run.leafHash);
    expect(ev.resultsBlob).toMatchObject({ sha256: ev.run.body.resultsSha256, matches: true });
    expect(ev.inclusion.ok).toBe(true);
    expect(ev.inclusion.to).toBeGreaterThan(failRunSeq);
    expect(ev.inclusion.checkpoint.note.split('\n')[1]).toBe(String(ev.inclusion.to));
    expect(ev.keyFingerprint).toBe(keyFingerprint(ledger.publicKeyPem));
    expect((await get(`/v1/evidence/${failRunSeq}?rule=${CRIT.id}&resource=nope`)).json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('no result of rule') });
    expect((await get(`/v1/evidence/0?rule=${CRIT.id}&resource=b`)).json()).toMatchObject({ message: expect.stringMatching(/leaf 0 is a .* leaf, not a run/) });
    expect((await get(`/v1/evidence/${failRunSeq}`)).statusCode).toBe(400);
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'fail' } });
    const late = (await ledger.lastLeaf({ type: 'run' }))!.seq;
    const unproved = (await get(`/v1/evidence/${late}?rule=${CRIT.id}&resource=b`)).json() as { inclusion: { ok: boolean; problem: string } };
    expect(unproved.inclusion).toMatchObject({ ok: false, problem: `no signed checkpoint covers leaf ${late} yet` });
    await ledger.checkpoint('manual');
    expect(((await get(`/v1/evidence/${late}?rule=${CRIT.id}&resource=b`)).json() as { inclusion: { ok: boolean } }).inclusion.ok).toBe(true);
  });

  it('sources: last run per scope with calls and health, gaps, the next slot; the ledger key and witnesses', async () => {
    clock.set('2026-03-05T10:20:00Z');
    const s = (await get('/v1/sources')).json() as { sources: Array<{ source: string; nextRun: string; scopes: Array<{ apiCalls: number; health: string }>; gaps: unknown[] }> };
    expect(s.sources).toEqual([expect.objectContaining({ source: 'aws', nextRun: '2026-03-05T11:00:00.000Z', scopes: [expect.objectContaining({ apiCalls: 1, health: 'healthy' })], gaps: [] })]);
    const k = (await get('/v1/ledger/key')).json() as { fingerprint: string; origin: string; witnesses: unknown[]; lastCheckpoint: { size: number } };
    expect(k).toMatchObject({ fingerprint: keyFingerprint(ledger.publicKeyPem), origin: ledger.origin, witnesses: [] });
    expect(k.lastCheckpoint.size).toBe(ledger.size());
  });

  it('the incremental scope index answers what a full pass answers, across new runs, scopes and failing streaks', async () => {
    const index = new LedgerView(ledger, { logger: silentLogger, clock });
    const current = async () => (await index.refresh(), index.scopes());
    expect(await current()).toEqual(await latestScopeHealth(ledger));
    await recordStatuses(ledger, clock, { [CRIT.id]: { c: 'pass' } }, 'aws', '999988887777');
    const err = { operation: 'iam:ListUsers', code: 'AccessDenied', message: 'denied', cause: 'permission' } as never;
    await recordFailing(ledger, clock, [CRIT.id], [err]);
    clock.advance(3600_000);
    await recordFailing(ledger, clock, [CRIT.id], [err]);
    const full = await latestScopeHealth(ledger);
    expect(await current()).toEqual(full);
    expect([...full.values()].find((s) => s.scope !== '999988887777')).toMatchObject({ failedRuns: 2, health: { state: 'failing' } });
  });
});
