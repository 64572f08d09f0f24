// Criterion states: the decision table row by row, and random per-rule outcomes against a reference decision written apart from src/rules/coverage.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countsFor, dueStates, requirementCoverage, type EvidenceRecord } from '../../src/rules/manual-evidence.js';
import { addCadence, cadenceOf, parseCadence, type ManualRequirement } from '../../src/rules/requirements.js';
import { assessCriterion, decideCriterion, ruleInScope, ruleOutcome, type CriterionState, type RuleOutcome } from '../../src/rules/coverage.js';

const OUTCOMES: RuleOutcome[] = ['passed', 'failed', 'incomplete', 'no-data', 'not-applicable', 'out-of-scope'];

/** The reference: what an auditor would say, written as plain questions about the list of direct outcomes. */
function reference(direct: RuleOutcome[], manualRequired: boolean, manualPresent: boolean): CriterionState {
  let anyFailed = false;
  let counted = 0;
  let passed = 0;
  let noData = 0;
  for (const o of direct) {
    if (o === 'failed') anyFailed = true;
    if (o === 'out-of-scope' || o === 'not-applicable') continue;
    counted++;
    if (o === 'passed') passed++;
    if (o === 'no-data') noData++;
  }
  if (anyFailed) return 'not-satisfied';
  if (counted === 0 || noData === counted) return 'not-assessed';
  if (passed === counted && (!manualRequired || manualPresent)) return 'satisfied';
  return 'partial';
}

describe('decideCriterion: the decision table', () => {
  const rows: Array<[string, RuleOutcome[], boolean, CriterionState]> = [
    ['a failed direct rule, whatever else', ['passed', 'failed', 'no-data'], false, 'not-satisfied'],
    ['a failed direct rule beats manual evidence', ['failed'], true, 'not-satisfied'],
    ['no direct rule mapped', [], false, 'not-assessed'],
    ['no direct rule, manual evidence needed', [], true, 'not-assessed'],
    ['direct rules only of sources not configured', ['out-of-scope', 'out-of-scope'], false, 'not-assessed'],
    ['direct rules with nothing to judge', ['not-applicable', 'out-of-scope'], false, 'not-assessed'],
    ['direct rules in scope with no results yet', ['no-data', 'no-data', 'out-of-scope'], false, 'not-assessed'],
    ['every direct rule passed, no manual evidence needed', ['passed', 'passed', 'out-of-scope', 'not-applicable'], false, 'satisfied'],
    ['every direct rule passed, manual evidence needed and absent', ['passed'], true, 'partial'],
    ['a direct rule with errors or gaps', ['passed', 'incomplete'], false, 'partial'],
    ['a direct rule without results beside one that passed', ['passed', 'no-data'], false, 'partial'],
  ];
  it.each(rows)('%s', (_name, direct, manualRequired, state) => {
    const d = decideCriterion({ direct, manualRequired, manualPresent: false });
    expect(d.state).toBe(state);
    expect(d.reasons.length).toBeGreaterThan(0);
    if (manualRequired) expect(d.reasons).toContain('manual evidence needed');
  });

  it('manual evidence on record lets passed direct rules satisfy the criterion (issue 15 supplies it)', () => {
    expect(decideCriterion({ direct: ['passed'], manualRequired: true, manualPresent: true }).state).toBe('satisfied');
  });

  it('equals the reference decision for random outcomes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...OUTCOMES), { maxLength: 8 }), fc.boolean(), fc.boolean(), (direct, required, present) => {
        expect(decideCriterion({ direct, manualRequired: required, manualPresent: present }).state).toBe(reference(direct, required, present));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ruleOutcome', () => {
  const t = (pass: number, fail: number, error: number, notApplicable: number, more: { complete?: boolean; inScope?: boolean } = {}) => ruleOutcome({ pass, fail, error, notApplicable, ...more });
  it('names what a rule’s results amount to', () => {
    expect(t(5, 0, 0, 1)).toBe('passed');
    expect(t(5, 1, 3, 0)).toBe('failed');
    expect(t(5, 0, 1, 0)).toBe('incomplete');
    expect(t(5, 0, 0, 0, { complete: false })).toBe('incomplete');
    expect(t(0, 0, 0, 0)).toBe('no-data');
    expect(t(0, 0, 0, 4)).toBe('not-applicable');
    expect(t(0, 0, 0, 0, { inScope: false })).toBe('out-of-scope');
    // Recorded evidence is judged even when its source is not configured (any more): never set aside.
    expect(t(0, 2, 0, 0, { inScope: false })).toBe('failed');
    expect(t(3, 0, 0, 0, { inScope: false })).toBe('passed');
  });
  it('never calls a rule passed without a pass and without every day and slot accounted for', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3), fc.boolean(), fc.boolean(), (pass, fail, error, na, complete, inScope) => {
        const o = ruleOutcome({ pass, fail, error, notApplicable: na, complete, inScope });
        if (o === 'passed') expect(pass > 0 && fail === 0 && error === 0 && complete).toBe(true);
        if (fail > 0) expect(o).toBe('failed');
        expect(o === 'out-of-scope').toBe(!inScope && pass + fail + error + na === 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scope and assessment', () => {
  it('puts rules of sources that are not configured out of scope; cross-source rules need an identity provider', () => {
    expect(ruleInScope('aws.iam.root_mfa_enabled', ['aws'])).toBe(true);
    expect(ruleInScope('okta.users.inactive', ['aws'])).toBe(false);
    expect(ruleInScope('google-workspace.users.inactive', ['google-workspace'])).toBe(true);
    expect(ruleInScope('xsys.offboarding_timeliness', ['aws', 'github'])).toBe(false);
    expect(ruleInScope('xsys.offboarding_timeliness', ['github', 'entra'])).toBe(true);
    // the HR rule judges nothing without a roster: out of scope, not "without results"
    expect(ruleInScope('xsys.hr_reconciliation', ['okta', 'github'])).toBe(false);
    expect(ruleInScope('xsys.hr_reconciliation', ['okta', 'hris'])).toBe(true);
    expect(ruleInScope('xsys.hr_reconciliation', ['hris'])).toBe(false);
    expect(ruleInScope('okta.users.inactive', undefined)).toBe(true);
  });
  it('splits evidence by role; supporting rules never decide, and a mapping without a role counts as supporting', () => {
    const a = assessCriterion(
      { id: 'CC6.6', title: 'External', rules: [{ id: 'a.x.y', evidence: 'supporting' }, { id: 'b.x.y' }, { id: 'c.x.y', evidence: 'direct' }], manual: [{ id: 'pen-test', title: 'pen test', cadence: '12mo' }] },
      (id) => (id === 'c.x.y' ? 'passed' : 'failed'),
    );
    expect(a.state).toBe('partial');
    expect(a.direct).toEqual([{ id: 'c.x.y', outcome: 'passed' }]);
    expect(a.supporting.map((r) => r.id)).toEqual(['a.x.y', 'b.x.y']);
    expect(a.manual).toEqual([{ id: 'pen-test', title: 'pen test', cadence: '12mo', state: 'missing', evidence: [] }]);
  });
});

describe('manual evidence coverage (src/rules/manual-evidence.ts)', () => {
  const reqs = [
    { id: 'policy', title: 'Policy', cadence: '12mo', owner: 'security' },
    { id: 'training', title: 'Training on hire', cadence: 'on-hire:30d' },
  ];
  const rec = (id: string, requirement: string, effectiveAt: string, expiresAt: string | null, recordedAt: string): EvidenceRecord => ({
    id,
    framework: 'soc2',
    criterion: 'CC1.1',
    requirement,
    title: id,
    sha256: 'a'.repeat(64),
    size: 1,
    mediaType: 'text/plain',
    fileName: 'f.txt',
    effectiveAt,
    expiresAt,
    owner: null,
    ownerName: null,
    uploader: { kind: 'local', name: 'u@h' },
    confidential: false,
    seq: 1,
    recordedAt,
  });
  const before = rec('ev_before', 'policy', '2026-12-20T00:00:00.000Z', '2027-12-20T00:00:00.000Z', '2026-12-21T00:00:00.000Z');
  const inside = rec('ev_inside', 'policy', '2027-02-01T00:00:00.000Z', '2028-02-01T00:00:00.000Z', '2027-02-03T00:00:00.000Z');
  const period = { start: '2027-01-01T00:00:00.000Z', end: '2027-04-01T00:00:00.000Z' };

  it('over a period counts evidence whose effective date falls in it; at an instant, evidence recorded, effective and unexpired then', () => {
    expect(countsFor(inside, period)).toBe(true);
    expect(countsFor(before, period)).toBe(false);
    expect(countsFor(rec('x', 'policy', '2027-04-01T00:00:00.000Z', null, '2027-04-01T00:00:00.000Z'), period)).toBe(false);
    expect(countsFor(before, { at: '2027-01-15T00:00:00.000Z' })).toBe(true);
    expect(countsFor(before, { at: '2027-12-20T00:00:00.000Z' })).toBe(false); // expired at that instant
    expect(countsFor(inside, { at: '2027-02-02T00:00:00.000Z' })).toBe(false); // effective, but not recorded yet
    expect(requirementCoverage('CC1.1', reqs, [before, inside], period)).toEqual([
      { id: 'policy', title: 'Policy', cadence: '12mo', owner: 'security', state: 'evidenced', evidence: ['ev_inside'] },
      { id: 'training', title: 'Training on hire', cadence: 'on-hire:30d', state: 'not-assessed', evidence: [] },
    ]);
    expect(requirementCoverage('CC1.2', reqs, [before, inside], period)[0]!.state).toBe('missing');
  });

  it('a criterion is satisfied by manual evidence only when every requirement is evidenced: a per-hire one keeps it partial', () => {
    const c = { id: 'CC1.1', title: 'Ethics', rules: [{ id: 'a.x.y', evidence: 'direct' as const }], manual: reqs };
    const manualOf = (id: string, rs: readonly ManualRequirement[]) => requirementCoverage(id, rs, [inside], period);
    expect(assessCriterion(c, () => 'passed', manualOf)).toMatchObject({ state: 'partial', reasons: ['direct rules passed', 'manual evidence needed'] });
    expect(assessCriterion({ ...c, manual: [reqs[0]!] }, () => 'passed', manualOf)).toMatchObject({ state: 'satisfied', manual: [{ id: 'policy', state: 'evidenced', evidence: ['ev_inside'] }] });
    expect(assessCriterion({ ...c, manual: [reqs[0]!] }, () => 'passed')).toMatchObject({ state: 'partial' });
  });

  it('due states: missing is due, within warnDays of expiry is due, expired is overdue, on-hire is not assessed', () => {
    const crit = [{ id: 'CC1.1', manual: reqs }];
    const at = (iso: string, records: EvidenceRecord[]) => dueStates(crit, records, new Date(iso), 30).map((d) => [d.requirement, d.state, d.reason]);
    expect(at('2027-03-01T00:00:00Z', [])).toEqual([['policy', 'due', 'no evidence recorded'], ['training', 'not-assessed', 'per new hire: no HR roster at hand']]);
    expect(at('2027-03-01T00:00:00Z', [before, inside])[0]).toEqual(['policy', 'current', 'evidence ev_inside until 2028-02-01T00:00:00.000Z']);
    expect(at('2028-01-10T00:00:00Z', [before, inside])[0]).toEqual(['policy', 'due', 'evidence ev_inside expires 2028-02-01T00:00:00.000Z']);
    expect(at('2028-02-01T00:00:00Z', [before, inside])[0]).toEqual(['policy', 'overdue', 'evidence ev_inside expired 2028-02-01T00:00:00.000Z']);
  });

  it('cadence arithmetic: calendar months clamp to the month end, days are days, once never expires', () => {
    expect(addCadence('2027-01-31T00:00:00.000Z', cadenceOf('1mo'))).toBe('2027-02-28T00:00:00.000Z');
    expect(addCadence('2027-03-01T12:00:00.000Z', cadenceOf('12mo'))).toBe('2028-03-01T12:00:00.000Z');
    expect(addCadence('2027-03-01T00:00:00.000Z', cadenceOf('90d'))).toBe('2027-05-30T00:00:00.000Z');
    expect(addCadence('2027-03-01T00:00:00.000Z', cadenceOf('once'))).toBeNull();
    expect(parseCadence('12 months')).toEqual({ error: expect.stringMatching(/expected Nmo/) });
  });
});

describe('manual evidence coverage against a reference written apart', () => {
  const DAY = 86_400_000;
  const T0 = Date.parse('2027-01-01T00:00:00.000Z');
  const iso = (d: number) => new Date(T0 + d * DAY).toISOString();
  it('a requirement is evidenced exactly when some record of it counts: in the period by effective date, at an instant recorded, effective and unexpired', () => {
    const record = fc.record({ req: fc.constantFrom('a', 'b'), eff: fc.integer({ min: 0, max: 200 }), lag: fc.integer({ min: 0, max: 60 }), life: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }) });
    const windowArb = fc.oneof(fc.record({ at: fc.integer({ min: 0, max: 300 }) }), fc.record({ start: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 1, max: 120 }) }));
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), windowArb, (rs, w) => {
        const records = rs.map((r, i): EvidenceRecord => ({
          id: `ev_${String(i).padStart(12, '0')}`, framework: 'soc2', criterion: 'CC1.1', requirement: r.req, title: 't', sha256: 'a'.repeat(64), size: 1, mediaType: 'text/plain', fileName: 'f',
          effectiveAt: iso(r.eff), expiresAt: r.life === null ? null : iso(r.eff + r.life), owner: null, ownerName: null, uploader: { kind: 'local', name: 'u@h' }, confidential: false, seq: i, recordedAt: iso(r.eff + r.lag),
        }));
        const window = 'at' in w ? { at: iso(w.at) } : { start: iso(w.start), end: iso(w.start + w.len) };
        const got = requirementCoverage('CC1.1', [{ id: 'a', title: 'A', cadence: '12mo' }, { id: 'b', title: 'B', cadence: '3mo' }], records, window).map((q) => q.state);
        // The reference: days as integers, plain comparisons.
        const counts = (r: (typeof rs)[number]) =>
          'at' in w ? r.eff + r.lag <= w.at && r.eff <= w.at && (r.life === null || r.eff + r.life > w.at) : r.eff >= w.start && r.eff < w.start + w.len;
        const want = ['a', 'b'].map((q) => (rs.some((r) => r.req === q && counts(r)) ? 'evidenced' : 'missing'));
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
