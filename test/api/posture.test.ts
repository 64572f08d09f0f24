// /v1/posture and `vigil status` state each criterion in the words export uses (src/rules/coverage.ts), show the manual evidence it needs, and put unconfigured sources out of scope.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { silentLogger } from '../../src/core/collector.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildApi } from '../../src/api/server.js';
import { apiConfigSchema } from '../../src/alerts/config.js';
import { computePosture, type Posture } from '../../src/report/posture.js';
import { printPosture } from '../../src/cli/status.js';
import type { Framework } from '../../src/rules/frameworks.js';
import { prepareEvidence, recordEvidence } from '../../src/evidence/evidence.js';
import { localPrincipal } from '../../src/core/principal.js';
import { CRIT, HIGH, RULES, openLedger, recordStatuses, settableClock, tempDir } from '../alerts/helpers.js';

const r = (id: string, evidence: 'direct' | 'supporting') => ({ id, rationale: 'r', evidence });
const req = (id: string, title: string, cadence = '12mo') => ({ id, title, cadence, owner: 'security' });
const framework: Framework = {
  id: 'soc2',
  title: 'SOC 2',
  version: 'test',
  criteria: [
    { id: 'CC6.1', title: 'Logical access', description: 'd', rules: [r(CRIT.id, 'direct'), r(HIGH.id, 'supporting')], manual: [] },
    { id: 'CC6.6', title: 'External threats', description: 'd', rules: [r(CRIT.id, 'supporting')], manual: [req('penetration-test', 'Network boundary design and penetration tests.')] },
    { id: 'CC7.2', title: 'Monitoring', description: 'd', rules: [r(HIGH.id, 'direct')], manual: [req('runbook', 'Monitoring runbook.')] },
    { id: 'CC6.2', title: 'Removal', description: 'd', rules: [r('okta.users.inactive', 'direct')], manual: [] },
    { id: 'CC1.1', title: 'Ethics', description: 'd', rules: [], manual: [req('code-of-conduct', 'Code of conduct.'), req('training', 'Training within 30 days of hire', 'on-hire:30d')] },
  ],
};
const TOKEN = 'posture-viewer-token-0123456789';

describe('posture states', () => {
  let dir: string;
  let ledger: Ledger;
  const clock = settableClock('2026-03-01T10:00:00Z');
  beforeEach(async () => {
    dir = tempDir('vigil-posture-');
    ledger = await openLedger(dir, clock);
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const byId = (p: Posture) => Object.fromEntries(p.criteria.map((c) => [c.id, c]));

  it('decides from direct rules only, needs manual evidence, and calls a source that is not configured out of scope', async () => {
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass', b: 'pass' }, [HIGH.id]: { a: 'fail' } });
    const p = byId(await computePosture(ledger, framework, clock.now(), { sources: ['aws'] }));
    // CRIT passed and is the only direct rule; HIGH's fail is supporting here.
    expect(p['CC6.1']).toMatchObject({ state: 'satisfied', pass: 2, fail: 1, coverage: 'automated' });
    expect(p['CC6.1']!.rules.map((x) => [x.id, x.evidence, x.outcome])).toEqual([[CRIT.id, 'direct', 'passed'], [HIGH.id, 'supporting', 'failed']]);
    // Supporting evidence alone never satisfies: not assessed, with the manual evidence named.
    expect(p['CC6.6']).toMatchObject({ state: 'not-assessed', manual: [{ id: 'penetration-test', title: 'Network boundary design and penetration tests.', state: 'missing', due: 'due', evidence: [] }] });
    expect(p['CC6.6']!.reasons).toContain('manual evidence needed');
    expect(p['CC7.2']).toMatchObject({ state: 'not-satisfied' });
    // Okta is not configured: out of scope, not "no data".
    expect(p['CC6.2']).toMatchObject({ state: 'not-assessed', coverage: 'no_data' });
    expect(p['CC6.2']!.rules[0]!.outcome).toBe('out-of-scope');
    expect(p['CC6.2']!.reasons[0]).toBe('no direct rule applies to the sources in scope');
    expect(p['CC1.1']).toMatchObject({ state: 'not-assessed', coverage: 'manual' });
    // With Okta configured and no run yet, the same criterion has no data.
    const withOkta = byId(await computePosture(ledger, framework, clock.now(), { sources: ['aws', 'okta'] }));
    expect(withOkta['CC6.2']!.rules[0]!.outcome).toBe('no-data');
    expect(withOkta['CC6.2']!.reasons[0]).toBe('no results recorded for the direct rules');
  });

  it('a passing criterion that needs manual evidence is partial, never satisfied', async () => {
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'pass' } });
    const p = byId(await computePosture(ledger, framework, clock.now(), { sources: ['aws'] }));
    expect(p['CC7.2']).toMatchObject({ state: 'partial', reasons: ['direct rules passed', 'manual evidence needed'] });
  });

  it('/v1/posture carries the state beside the existing fields, from the configured sources', async () => {
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'fail' } });
    const config = apiConfigSchema.parse({ tokens: [{ name: 'v', sha256: createHash('sha256').update(TOKEN).digest('hex'), role: 'viewer' }] });
    const api = await buildApi({ ledger, rules: RULES, framework, config, logger: silentLogger, clock, sources: [{ source: 'aws', schedule: '0 * * * *' }] });
    try {
      const res = await api.app.inject({ method: 'GET', url: '/v1/posture', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(200);
      const body = res.json() as Posture;
      const cc61 = body.criteria.find((c) => c.id === 'CC6.1')!;
      expect(cc61).toMatchObject({ id: 'CC6.1', title: 'Logical access', state: 'satisfied', coverage: 'automated', pass: 1, fail: 1, error: 0 });
      expect(body.criteria.find((c) => c.id === 'CC6.2')!.rules[0]!.outcome).toBe('out-of-scope');
    } finally {
      await api.close();
    }
  });

  it('/v1/posture and /v1/posture/trend serve every configured framework by ?framework=, the first by default; an unknown one is a 400 naming them', async () => {
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'fail' } });
    // A second framework mapping the same rules the other way round: its states follow from its own mapping.
    const iso: Framework = {
      id: 'iso27001-2022',
      title: 'ISO/IEC 27001:2022',
      version: 'test',
      criteria: [
        { id: '8.2', title: 'Privileged access rights', description: 'd', rules: [r(HIGH.id, 'direct')], manual: [] },
        { id: '5.15', title: 'Access control', description: 'd', rules: [r(CRIT.id, 'direct')], manual: [] },
      ],
    };
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const AUDITOR = 'posture-auditor-token-0123456789';
    const config = apiConfigSchema.parse({ tokens: [{ name: 'v', sha256: sha(TOKEN), role: 'viewer' }, { name: 'au', sha256: sha(AUDITOR), role: 'auditor' }] });
    const api = await buildApi({ ledger, rules: RULES, framework, frameworks: [framework, iso], config, logger: silentLogger, clock, sources: [{ source: 'aws', schedule: '0 * * * *' }], dataDir: dir });
    const get = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
    const states = (b: Posture) => b.criteria.map((c) => [c.id, c.state]);
    try {
      const dflt = (await get('/v1/posture')).json() as Posture & { frameworks: Array<{ id: string; title: string }> };
      expect(dflt.framework).toBe('soc2');
      expect(dflt.frameworks).toEqual([{ id: 'soc2', title: 'SOC 2' }, { id: 'iso27001-2022', title: 'ISO/IEC 27001:2022' }]);
      const res = await get('/v1/posture?framework=iso27001-2022');
      expect(res.statusCode).toBe(200);
      const isoBody = res.json() as Posture;
      expect(isoBody.framework).toBe('iso27001-2022');
      expect(states(isoBody)).toEqual([['8.2', 'not-satisfied'], ['5.15', 'satisfied']]);
      // The first framework's answer is not the cached second's (and the other way round).
      expect(states((await get('/v1/posture?framework=soc2')).json() as Posture)).toEqual(states(dflt));
      expect(states(dflt).map(([id]) => id)).toEqual(['CC6.1', 'CC6.6', 'CC7.2', 'CC6.2', 'CC1.1']);
      const trend = (await get('/v1/posture/trend?days=2&framework=iso27001-2022')).json() as { criteria: Array<{ id: string; states: string[] }> };
      expect(trend.criteria.map((c) => [c.id, c.states[1]])).toEqual([['8.2', 'not-satisfied'], ['5.15', 'satisfied']]);
      for (const url of ['/v1/posture?framework=soc1-itgc', '/v1/posture/trend?framework=SOC2']) {
        const bad = await get(url);
        expect(bad.statusCode, url).toBe(400);
        expect(bad.json().message, url).toMatch(/^query parameter framework: "(soc1-itgc|SOC2)" is not a configured framework \(configured: soc2, iso27001-2022\)$/);
      }
      const exp = await api.app.inject({ method: 'POST', url: '/v1/exports', headers: { authorization: `Bearer ${AUDITOR}` }, payload: { type: '1', asOf: '2026-03-01', framework: 'hipaa' } });
      expect(exp.statusCode).toBe(400);
      expect(exp.json().message).toBe('body.framework: "hipaa" is not a configured framework (configured: soc2, iso27001-2022)');
    } finally {
      await api.close();
    }
  });

  it('`vigil status` prints the state, why, and the manual evidence each criterion needs', async () => {
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'fail' } });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    printPosture(await computePosture(ledger, framework, clock.now(), { sources: ['aws'] }), out);
    const lines = text.split('\n');
    expect(lines).toContain(`${'criterion'.padEnd(10)}  pass  fail error  ${'state'.padEnd(13)} why`);
    expect(lines.find((l) => l.startsWith('CC6.1 '))).toMatch(/^CC6\.1\s+1\s+1\s+0  satisfied     direct rules passed \(1 direct, 1 supporting rules in scope\)$/);
    expect(lines.find((l) => l.startsWith('CC7.2 '))).toMatch(/not-satisfied .*1 direct rule failed/);
    const i = lines.findIndex((l) => l.startsWith('CC6.6 '));
    expect(lines[i]).toMatch(/not-assessed .*no direct automated evidence is mapped \(0 direct, 1 supporting rule in scope\)/);
    expect(lines[i + 1]).toBe(`${''.padEnd(10)} manual penetration-test (12mo, owner security): needed: Network boundary design and penetration tests. — due: no evidence recorded`);
    const j = lines.findIndex((l) => l.startsWith('CC1.1 '));
    expect(lines[j]).toMatch(/not-assessed .*\(manual only\)/);
    expect(lines[j + 2]).toBe(`${''.padEnd(10)} manual training (on-hire:30d, owner security): not assessed: per new hire: no HR roster source is configured (sources.hris, docs/hris.md) — Training within 30 days of hire`);
  });

  it('evidence in force satisfies a requirement (partial becomes satisfied), names what evidences it, and lapses at expiry: due within warnDays, then overdue', async () => {
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'pass' } });
    const ev = prepareEvidence(framework, { criterion: 'CC7.2', title: 'Runbook v3', fileName: 'runbook.md', data: Buffer.from('# runbook'), effective: '2026-02-01' }, clock.now(), localPrincipal(), { security: 'sec@example.com' }, 'test');
    const { evidence } = await recordEvidence(ledger, Buffer.from('# runbook'), ev);
    expect(evidence).toMatchObject({ requirement: 'runbook', effectiveAt: '2026-02-01T00:00:00.000Z', expiresAt: '2027-02-01T00:00:00.000Z', owner: 'security', ownerName: 'sec@example.com', mediaType: 'text/markdown', size: 9 });
    expect(await ledger.getBlob(evidence.sha256)).toEqual(Buffer.from('# runbook'));
    let p = byId(await computePosture(ledger, framework, clock.now(), { sources: ['aws'] }));
    expect(p['CC7.2']).toMatchObject({ state: 'satisfied', reasons: ['direct rules passed'], manual: [{ id: 'runbook', state: 'evidenced', evidence: [evidence.id], due: 'current' }] });
    expect(p['CC7.2']!.manual![0]!.records).toMatchObject([{ id: evidence.id, title: 'Runbook v3', uploader: expect.stringMatching(/^local:/) }]);
    // 20 days before expiry (warnDays 30): still evidenced, and due.
    clock.set('2027-01-12T00:00:00Z');
    await recordStatuses(ledger, clock, { [CRIT.id]: { a: 'pass' }, [HIGH.id]: { a: 'pass' } });
    p = byId(await computePosture(ledger, framework, clock.now(), { sources: ['aws'] }));
    expect(p['CC7.2']).toMatchObject({ state: 'satisfied', manual: [{ state: 'evidenced', due: 'due' }] });
    clock.set('2027-02-01T00:00:00Z');
    p = byId(await computePosture(ledger, framework, clock.now(), { sources: ['aws'] }));
    expect(p['CC7.2']).toMatchObject({ state: 'partial', reasons: ['direct rules passed', 'manual evidence needed'], manual: [{ state: 'missing', due: 'overdue', dueReason: `evidence ${evidence.id} expired 2027-02-01T00:00:00.000Z` }] });
  });
});
