// Withdrawn manual evidence, judged by hand-written expectations: it counts before its withdrawal and never after, at an
// instant and over a period; the due list names it; the fold keeps the first withdrawal and ignores one for no record.
import { describe, expect, it } from 'vitest';
import { countsFor, dueStates, foldEvidenceLeaf, requirementCoverage, type EvidenceRecord } from '../../src/rules/manual-evidence.js';
import { prepareWithdrawal } from '../../src/evidence/evidence.js';

const added = (id: string, observedAt: string, effectiveAt: string, expiresAt: string | null): Record<string, unknown> => ({
  v: 1,
  seq: 0,
  type: 'evidence.added',
  observedAt,
  id,
  framework: 'soc2',
  criterion: 'CC1.1',
  requirement: 'code-of-conduct',
  title: `record ${id}`,
  sha256: 'a'.repeat(64),
  size: 3,
  mediaType: 'text/plain',
  fileName: 'f.txt',
  effectiveAt,
  expiresAt,
  owner: 'hr',
  ownerName: null,
  uploader: { kind: 'local', name: 'alice@laptop' },
  confidential: false,
});
const withdrawn = (id: string, observedAt: string, reason = 'wrong file'): Record<string, unknown> => ({
  v: 1,
  seq: 0,
  type: 'evidence.withdrawn',
  observedAt,
  id,
  framework: 'soc2',
  criterion: 'CC1.1',
  requirement: 'code-of-conduct',
  reason,
  by: { kind: 'token', name: 'admin-token', role: 'admin' },
});

function fold(...bodies: Array<Record<string, unknown>>): EvidenceRecord[] {
  const out: EvidenceRecord[] = [];
  bodies.forEach((b, i) => foldEvidenceLeaf(out, i + 1, b));
  return out;
}

const REQS = [{ id: 'code-of-conduct', title: 'Code of conduct', cadence: '12mo', owner: 'hr' }];

describe('a withdrawn record', () => {
  // Recorded 2027-02-01 10:00, effective 2027-01-15, expires 2028-01-15, withdrawn 2027-03-10 09:30.
  const [r] = fold(added('ev_1', '2027-02-01T10:00:00.000Z', '2027-01-15T00:00:00.000Z', '2028-01-15T00:00:00.000Z'), withdrawn('ev_1', '2027-03-10T09:30:00.000Z'));

  it('carries who, when, why and the leaf', () => {
    expect(r!.withdrawn).toEqual({ at: '2027-03-10T09:30:00.000Z', by: { kind: 'token', name: 'admin-token', role: 'admin' }, reason: 'wrong file', seq: 2 });
  });

  it('counts at instants before the withdrawal, and from the withdrawal instant on no longer', () => {
    expect(countsFor(r!, { at: '2027-03-10T09:29:59.999Z' })).toBe(true);
    expect(countsFor(r!, { at: '2027-03-10T09:30:00.000Z' })).toBe(false);
    expect(countsFor(r!, { at: '2027-06-01T00:00:00.000Z' })).toBe(false);
    // Type 1 as of a date before the withdrawal: what was relied upon then.
    expect(countsFor(r!, { at: '2027-02-15T00:00:00.000Z' })).toBe(true);
  });

  it('over a period: counts when withdrawn at or after the end, not when withdrawn inside it', () => {
    expect(countsFor(r!, { start: '2027-01-01T00:00:00.000Z', end: '2027-03-10T09:30:00.000Z' })).toBe(true);
    expect(countsFor(r!, { start: '2027-01-01T00:00:00.000Z', end: '2027-03-10T09:30:00.001Z' })).toBe(false);
    expect(countsFor(r!, { start: '2027-01-01T00:00:00.000Z', end: '2027-12-31T00:00:00.000Z' })).toBe(false);
  });

  it('the requirement is missing after it, evidenced by another record recorded beside it', () => {
    expect(requirementCoverage('CC1.1', REQS, [r!], { at: '2027-04-01T00:00:00.000Z' })).toEqual([{ id: 'code-of-conduct', title: 'Code of conduct', cadence: '12mo', owner: 'hr', state: 'missing', evidence: [] }]);
    const both = fold(
      added('ev_1', '2027-02-01T10:00:00.000Z', '2027-01-15T00:00:00.000Z', '2028-01-15T00:00:00.000Z'),
      added('ev_2', '2027-03-10T09:00:00.000Z', '2027-03-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'),
      withdrawn('ev_1', '2027-03-10T09:30:00.000Z'),
    );
    expect(requirementCoverage('CC1.1', REQS, both, { at: '2027-04-01T00:00:00.000Z' })[0]).toMatchObject({ state: 'evidenced', evidence: ['ev_2'] });
  });

  it('makes the requirement due, naming the withdrawn record (so the alert is a new transition)', () => {
    const crit = [{ id: 'CC1.1', manual: REQS }];
    expect(dueStates(crit, [r!], new Date('2027-03-01T00:00:00Z'), 30)[0]).toMatchObject({ state: 'current', latest: 'ev_1' });
    expect(dueStates(crit, [r!], new Date('2027-03-11T00:00:00Z'), 30)).toEqual([
      { criterion: 'CC1.1', requirement: 'code-of-conduct', title: 'Code of conduct', cadence: '12mo', owner: 'hr', state: 'due', latest: 'ev_1', reason: 'evidence ev_1 was withdrawn 2027-03-10T09:30:00.000Z (wrong file); no other evidence in force' },
    ]);
  });

  it('a second withdrawal leaf does not replace the first; one for a record not folded is ignored', () => {
    const recs = fold(added('ev_1', '2027-02-01T10:00:00.000Z', '2027-01-15T00:00:00.000Z', null), withdrawn('ev_1', '2027-03-10T09:30:00.000Z', 'first'), withdrawn('ev_1', '2027-04-10T09:30:00.000Z', 'second'), withdrawn('ev_9', '2027-04-11T00:00:00.000Z'));
    expect(recs).toHaveLength(1);
    expect(recs[0]!.withdrawn).toMatchObject({ reason: 'first', seq: 2 });
  });
});

describe('prepareWithdrawal', () => {
  const recs = fold(added('ev_1', '2027-02-01T10:00:00.000Z', '2027-01-15T00:00:00.000Z', null), added('ev_2', '2027-02-01T10:00:00.000Z', '2027-01-15T00:00:00.000Z', null), withdrawn('ev_2', '2027-03-10T09:30:00.000Z'));
  const by = { kind: 'local' as const, name: 'bob@host' };

  it('returns the leaf data: the record, its criterion and requirement, the trimmed reason, the principal', () => {
    expect(prepareWithdrawal(recs, 'ev_1', '  superseded by the 2027 code  ', by, 'here').data).toEqual({ id: 'ev_1', framework: 'soc2', criterion: 'CC1.1', requirement: 'code-of-conduct', reason: 'superseded by the 2027 code', by: { kind: 'local', name: 'bob@host' } });
  });

  it('refuses an unknown id, a withdrawn record and a blank reason, naming each', () => {
    expect(() => prepareWithdrawal(recs, 'ev_404', 'x', by, 'here')).toThrow(/^here: no evidence record "ev_404" in the ledger/);
    expect(() => prepareWithdrawal(recs, 'ev_2', 'x', by, 'here')).toThrow(/^here: evidence ev_2 was already withdrawn at 2027-03-10T09:30:00\.000Z by admin-token \(leaf #3\): wrong file/);
    expect(() => prepareWithdrawal(recs, 'ev_1', ' \n ', by, 'here')).toThrow(/^here: a reason is required/);
    expect(() => prepareWithdrawal(recs, 'ev_1', undefined, by, 'here')).toThrow(/a reason is required/);
  });
});
