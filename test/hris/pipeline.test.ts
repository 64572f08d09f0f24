// The HR roster through the pipeline on real SQLite: the hris collector reads a roster file, its run and the IdP and
// GitHub runs are recorded by the ledger writer, and the derived identity run reports the leaver's orphaned access,
// then the offboarding time measured from the HR termination date; a bad roster makes every identity result an error.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Collector } from '../../src/core/collector.js';
import { silentLogger } from '../../src/core/collector.js';
import type { Snapshot, SourceId } from '../../src/core/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { collectAndEvaluate } from '../../src/pipeline/collect-stage.js';
import { LedgerWriter } from '../../src/pipeline/writer.js';
import { allRules } from '../../rules/index.js';
import { hrisSource } from '../../collectors/hris/index.js';

let dir: string;
let ledger: Ledger;
let t = new Date('2026-03-02T09:00:00.000Z');
const clock: Clock = { now: () => new Date(t) };
const hours = (h: number) => (t = new Date(t.getTime() + h * 3_600_000));

beforeEach(async () => {
  t = new Date('2026-03-02T09:00:00.000Z');
  Object.assign(estate, { erinActive: true, erinInGithub: true });
  dir = mkdtempSync(join(tmpdir(), 'vigil-hris-pipe-'));
  ledger = await Ledger.open({ dataDir: join(dir, 'data'), clock, logger: silentLogger });
});
afterEach(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'Employee ID,Work Email,Name,Status,Start Date,Termination Date,Manager,Department';
const estate = { erinActive: true, erinInGithub: true };

/** Okta and GitHub as plain collectors of the two people; the HR roster through the real collector. */
function stub(source: SourceId, scope: string): Collector {
  return {
    source,
    scopes: async () => [scope],
    async collect(ctx): Promise<Snapshot> {
      const at = ctx.clock.now().toISOString();
      const resources = source === 'okta'
        ? [['ann@example.com', true], ['erin@example.com', estate.erinActive]].map(([email, active]) => ({
          type: 'okta.user', id: String(email), name: String(email),
          attributes: { email, login: email, displayName: email, status: active ? 'ACTIVE' : 'DEPROVISIONED', active, statusChanged: active ? null : at, isAdmin: false, adminRoles: [], mfaEnrolled: true, mfaMethods: ['totp'], phishingResistant: false, lastLogin: null, lastLoginKnown: true, created: null },
        }))
        : ['ann', ...(estate.erinInGithub ? ['erin'] : [])].map((login) => ({ type: 'github.member', id: login, name: login, attributes: { login, role: 'member' } }));
      return {
        source, scope: ctx.scope, slot: ctx.slot, startedAt: at, endedAt: at, artifacts: [], errors: [], apiCalls: 1,
        inputs: { [source === 'okta' ? 'okta.user' : 'github.member']: { observedAt: at } },
        resources: resources.map((r) => ({ ...r, source, scope: ctx.scope, observedAt: at })),
      };
    },
  };
}

describe('the HR roster through the pipeline', () => {
  it('records orphaned access of an HR leaver, then the offboarding time from the termination date', async () => {
    writeFileSync(join(dir, 'roster.csv'), `${HEADER}\r\nE1,ann@example.com,Ann,Active,2024-01-15,,,Eng\r\nE2,erin@example.com,Erin,Terminated,2023-06-01,2026-02-27,ann@example.com,Sales\r\n`);
    const hris = hrisSource.createCollector(hrisSource.configSchema.parse({ file: 'roster.csv' }), { logger: silentLogger, clock, configDir: dir });
    const writer = new LedgerWriter({ ledger, rules: allRules, sources: [], clock, logger: silentLogger, people: { sources: ['okta', 'github', 'hris'] } });
    const run = async (c: Collector) => {
      const scope = (await c.scopes())[0]!;
      const { job } = await collectAndEvaluate(c, { source: c.source, scope, slot: clock.now().toISOString() }, { rules: allRules, params: {}, clock, logger: silentLogger, blobs: ledger });
      hours(0.1);
      return writer.record(job);
    };
    const hrRun = await run(hris);
    expect(hrRun.duplicate).toBe(false);
    // no IdP yet: no person view
    expect(hrRun.derived).toBeUndefined();
    await run(stub('okta', 'example.okta.com'));
    const first = (await run(stub('github', 'acme'))).derived!;
    const result = (rule: string, email: string) => first.job.results.find((r) => r.ruleId === rule && r.resourceId === `person:${email}`);
    expect(first.job.summary.errors).toEqual([]);
    expect(result('xsys.hr_reconciliation', 'erin@example.com')).toMatchObject({ status: 'fail', reason: expect.stringContaining('terminated in HR on 2026-02-27 but still holds okta account erin@example.com (ACTIVE), GitHub acme/erin') });
    expect(result('xsys.hr_reconciliation', 'ann@example.com')!.status).toBe('pass');
    expect(result('xsys.offboarding_timeliness', 'erin@example.com')).toMatchObject({ status: 'fail', details: { basis: 'hr', pending: true, offboardingFrom: '2026-02-28T00:00:00.000Z' } });
    expect(first.job.summary.artifacts.map((a) => a.label.split('@')[0])).toContain('resources:hris:roster');

    // IT deactivates erin in Okta and removes her from GitHub; the next runs see it.
    hours(5);
    estate.erinActive = false;
    estate.erinInGithub = false;
    await run(stub('okta', 'example.okta.com'));
    const after = (await run(stub('github', 'acme'))).derived!;
    const off = after.job.results.find((r) => r.ruleId === 'xsys.offboarding_timeliness' && r.resourceId === 'person:erin@example.com')!;
    expect(off.status).toBe('fail');
    const h = (off.details as { offboardingHours: number }).offboardingHours;
    // removed between 09:20 and 14:xx on Mar 2, measured from the end of Feb 27: about 62 h, beyond the 24 h SLA
    expect(h).toBeGreaterThan(60);
    expect(h).toBeLessThan(64);
    expect(after.job.results.find((r) => r.ruleId === 'xsys.hr_reconciliation' && r.resourceId === 'person:erin@example.com')!.status).toBe('pass');
  });

  it('a bad roster is an error run naming the line, and the person view says it could not tell', async () => {
    writeFileSync(join(dir, 'roster.csv'), `${HEADER}\nE1,ann@example.com,Ann,Active,2024-01-15,,,Eng\nE1,erin@example.com,Erin,Active,2023-06-01,,,Sales\n`);
    const hris = hrisSource.createCollector(hrisSource.configSchema.parse({ file: 'roster.csv' }), { logger: silentLogger, clock, configDir: dir });
    const writer = new LedgerWriter({ ledger, rules: allRules, sources: [], clock, logger: silentLogger, people: { sources: ['okta', 'hris'] } });
    const record = async (c: Collector) => {
      const scope = (await c.scopes())[0]!;
      const { job } = await collectAndEvaluate(c, { source: c.source, scope, slot: clock.now().toISOString() }, { rules: allRules, params: {}, clock, logger: silentLogger, blobs: ledger });
      hours(0.1);
      return { job, outcome: await writer.record(job) };
    };
    const hr = await record(hris);
    expect(hr.job.summary.errors).toEqual([expect.objectContaining({ operation: 'hris:ParseRoster', code: 'HrisDuplicateEmployeeId', message: expect.stringContaining('line 3, column 1 (Employee ID): employee id "E1" is also on line 2') })]);
    const derived = (await record(stub('okta', 'example.okta.com'))).outcome.derived!;
    expect(derived.job.summary.errors).toEqual([expect.objectContaining({ code: 'InputUnavailable', inputs: ['hris.employee'] })]);
    expect(derived.job.results.length).toBeGreaterThan(0);
    expect(derived.job.results.every((r) => r.status === 'error')).toBe(true);
    expect(derived.job.results.map((r) => `${r.ruleId} ${r.resourceId}`)).toContain('xsys.hr_reconciliation input:hris:roster');
  });
});
