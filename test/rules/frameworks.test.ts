// Framework loading: the bundled SOC 2 file is valid and complete, and broken files are rejected with file, path and expectation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { criteriaForRule, listFrameworks, loadFramework, parseFramework, scopeFramework } from '../../src/rules/frameworks.js';

const SOC2_CRITERIA = [
  ...['1.1', '1.2', '1.3', '1.4', '1.5', '2.1', '2.2', '2.3', '3.1', '3.2', '3.3', '3.4', '4.1', '4.2', '5.1', '5.2', '5.3'],
  ...['6.1', '6.2', '6.3', '6.4', '6.5', '6.6', '6.7', '6.8', '7.1', '7.2', '7.3', '7.4', '7.5', '8.1', '9.1', '9.2'],
].map((n) => `CC${n}`).concat(['A1.1', 'A1.2', 'A1.3']);
const SOC2_OTHER = ['C1.1', 'C1.2', 'PI1.1', 'PI1.2', 'PI1.3', 'PI1.4', 'PI1.5'].concat(
  ['1.1', '2.1', '3.1', '3.2', '4.1', '4.2', '4.3', '5.1', '5.2', '6.1', '6.2', '6.3', '6.4', '6.5', '6.6', '6.7', '7.1', '8.1'].map((n) => `P${n}`),
);
const ANNEX_A = [
  ...Array.from({ length: 37 }, (_, i) => `5.${i + 1}`),
  ...Array.from({ length: 8 }, (_, i) => `6.${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `7.${i + 1}`),
  ...Array.from({ length: 34 }, (_, i) => `8.${i + 1}`),
];

const dir = mkdtempSync(join(tmpdir(), 'vigil-fw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectUsage(text: string, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    parseFramework(text, '/x/soc2.yaml');
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UsageError);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

const valid = `id: soc2
title: T
version: "1"
criteria:
  - id: CC6.1
    title: Access
    description: d
    rules:
      - id: aws.iam.root_mfa_enabled
        rationale: r
        evidence: direct
  - id: CC1.1
    title: Ethics
    description: d
    manual:
      - id: code-of-conduct
        title: code of conduct
        cadence: 12mo
        owner: hr
`;

describe('loadFramework', () => {
  it('loads the bundled SOC 2 file with every criterion, in order: security and availability, then C1, PI1 and P', () => {
    const fw = loadFramework();
    expect(fw.id).toBe('soc2');
    expect(fw.criteria.map((c) => c.id)).toEqual([...SOC2_CRITERIA, ...SOC2_OTHER]);
    // Privacy is manual only: no source reads how personal information is handled.
    for (const c of fw.criteria.filter((x) => /^P\d/.test(x.id))) expect(c.rules, c.id).toEqual([]);
    for (const c of fw.criteria) {
      expect(c.description.length).toBeGreaterThan(10);
      if (c.rules.length === 0) expect(c.manual.length, c.id).toBeGreaterThan(0);
    }
  });

  it('loads ISO/IEC 27001:2022 with the 93 Annex A controls in order, and the SOC 1 ITGC objectives by area', () => {
    const iso = loadFramework('iso27001-2022');
    expect(iso.criteria.map((c) => c.id)).toEqual(ANNEX_A);
    expect(iso.criteria.find((c) => c.id === '8.32')?.title).toBe('Change management');
    expect(iso.criteria.find((c) => c.id === '5.1')?.title).toBe('Policies for information security');
    const soc1 = loadFramework('soc1-itgc');
    expect(soc1.criteria.map((c) => c.id)).toEqual(['LA.1', 'LA.2', 'LA.3', 'LA.4', 'LA.5', 'CM.1', 'CM.2', 'CM.3', 'CO.1', 'CO.2', 'CO.3', 'PD.1']);
    // A criterion no direct rule decides asks for manual evidence, in every framework.
    for (const fw of [iso, soc1]) for (const c of fw.criteria) if (!c.rules.some((r) => r.evidence === 'direct')) expect(c.manual.length, `${fw.id} ${c.id}`).toBeGreaterThan(0);
  });

  it('scopes SOC 2 to security and availability by default; categories, ids and prefixes choose others; a typo is named with the nearest value', () => {
    const fw = loadFramework('soc2');
    expect(scopeFramework(fw, undefined).criteria.map((c) => c.id)).toEqual(SOC2_CRITERIA);
    expect(scopeFramework(fw, ['security', 'availability', 'confidentiality']).criteria.map((c) => c.id)).toEqual([...SOC2_CRITERIA, 'C1.1', 'C1.2']);
    // P holds P1.1…P8.1 but not PI1.x; PI1 holds the processing-integrity criteria.
    expect(scopeFramework(fw, ['privacy']).criteria.map((c) => c.id)).toEqual(SOC2_OTHER.filter((c) => /^P\d/.test(c)));
    expect(scopeFramework(fw, ['PI1', 'CC6.1']).criteria.map((c) => c.id)).toEqual(['CC6.1', 'PI1.1', 'PI1.2', 'PI1.3', 'PI1.4', 'PI1.5']);
    expect(() => scopeFramework(fw, ['confidentality'])).toThrow(/criteria\.soc2: "confidentality".*did you mean "confidentiality"/);
    expect(() => scopeFramework(fw, ['CC10'])).toThrow(UsageError);
    // A prefix ending in a digit stops at a dot: 5.1 is one Annex A control, not 5.10–5.19; 8 is the technological theme.
    const iso = loadFramework('iso27001-2022');
    expect(scopeFramework(iso, ['5.1']).criteria.map((c) => c.id)).toEqual(['5.1']);
    expect(scopeFramework(iso, ['8'])).toMatchObject({ criteria: expect.arrayContaining([expect.objectContaining({ id: '8.34' })]) });
    expect(scopeFramework(iso, ['8']).criteria).toHaveLength(34);
    // A file without categories has every criterion in scope.
    expect(scopeFramework(loadFramework('iso27001-2022'), undefined).criteria).toHaveLength(93);
  });

  it('maps the IAM rules as the catalogue says', () => {
    const fw = loadFramework('soc2');
    expect(criteriaForRule(fw, 'aws.iam.root_mfa_enabled')).toEqual(['CC6.1', 'CC6.6']);
    expect(criteriaForRule(fw, 'aws.iam.no_direct_user_policies')).toEqual(['CC1.3', 'CC6.3']);
    expect(criteriaForRule(fw, 'aws.iam.role_trust_and_staleness')).toEqual(['CC6.3', 'CC9.2']);
    expect(criteriaForRule(fw, 'aws.iam.nope')).toEqual([]);
  });

  it('does not let thin automation stand for a criterion: CC4.1 has no direct rule, CC6.6 only the AWS boundary checks, and every criterion with no direct rule names manual evidence', () => {
    const fw = loadFramework('soc2');
    const direct = (id: string) => fw.criteria.find((c) => c.id === id)!.rules.filter((r) => r.evidence === 'direct').map((r) => r.id);
    expect(direct('CC6.6').sort()).toEqual(['aws.ec2.no_admin_ports_open_to_internet', 'aws.s3.account_public_access_blocked']);
    expect(fw.criteria.find((c) => c.id === 'CC6.6')!.manual).toBeTruthy();
    expect(direct('CC4.1')).toEqual([]);
    expect(direct('CC8.1')).toContain('github.repo.merged_changes_reviewed');
    for (const c of fw.criteria) if (!c.rules.some((r) => r.evidence === 'direct')) expect(c.manual.length, c.id).toBeGreaterThan(0);
  });

  it('lists the frameworks in a directory and names the available ones when asked for a missing id', () => {
    writeFileSync(join(dir, 'soc2.yaml'), valid);
    expect(listFrameworks({ dir }).map((f) => f.id)).toEqual(['soc2']);
    expect(() => loadFramework('iso27001', { dir })).toThrow(/framework "iso27001": no file .*iso27001\.yaml \(available: soc2\)/);
    expect(() => loadFramework('../etc', { dir })).toThrow(UsageError);
  });
});

describe('parseFramework rejects bad files', () => {
  it('accepts a minimal valid file', () => {
    expect(parseFramework(valid, '/x/soc2.yaml').criteria).toHaveLength(2);
  });
  it('names the line of a YAML syntax error', () => {
    expectUsage('id: soc2\ncriteria: [\n', /\/x\/soc2\.yaml at line \d+/, /not valid YAML/);
  });
  it('names the path and the expectation for a schema error', () => {
    expectUsage(valid.replace('        rationale: r\n', ''), /\/x\/soc2\.yaml: criteria\[0\] \(CC6\.1\)\.rules\[0\] \(aws\.iam\.root_mfa_enabled\)\.rationale/);
    expectUsage(valid.replace('id: aws.iam.root_mfa_enabled', 'id: Root MFA'), /rules\[0\].*\.id: a dotted rule id/);
    expectUsage(valid.replace('title: T\n', ''), /title/);
    expectUsage(valid.replace('    description: d\n    manual', '    descripton: d\n    manual'), /criteria\[1\] \(CC1\.1\)/);
  });
  it('requires every mapping to say whether its evidence is direct or supporting, naming file, criterion and rule', () => {
    expectUsage(valid.replace('        evidence: direct\n', ''), /\/x\/soc2\.yaml: criteria\[0\] \(CC6\.1\)\.rules\[0\] \(aws\.iam\.root_mfa_enabled\)\.evidence: expected `evidence: direct`/);
    expectUsage(valid.replace('evidence: direct', 'evidence: strong'), /criteria\[0\] \(CC6\.1\)\.rules\[0\] \(aws\.iam\.root_mfa_enabled\)\.evidence: .*or `evidence: supporting`/);
    expect(parseFramework(valid, '/x/soc2.yaml').criteria[0]!.rules[0]!.evidence).toBe('direct');
  });
  it('requires manual evidence for a criterion without rules', () => {
    expectUsage(valid.replace(/    manual:\n(      .*\n|        .*\n)+/, ''), /criteria\[1\] \(CC1\.1\): no rules; expected `manual:`/);
  });
  it('reads manual evidence as a list of requirements with a cadence and an owner key, naming what is wrong', () => {
    const fw = parseFramework(valid.replace('        owner: hr\n', '        owner: hr\n      - id: training\n        title: t\n        cadence: on-hire:30d\n'), '/x/soc2.yaml');
    expect(fw.criteria[1]!.manual).toEqual([
      { id: 'code-of-conduct', title: 'code of conduct', cadence: '12mo', owner: 'hr' },
      { id: 'training', title: 't', cadence: 'on-hire:30d' },
    ]);
    expect(fw.criteria[0]!.manual).toEqual([]);
    expectUsage(valid.replace(/    manual:\n(      .*\n|        .*\n)+/, '    manual: code of conduct\n'), /criteria\[1\] \(CC1\.1\)\.manual: expected a list of requirements/);
    expectUsage(valid.replace('cadence: 12mo', 'cadence: yearly'), /criteria\[1\] \(CC1\.1\)\.manual\[0\] \(code-of-conduct\)\.cadence: "yearly": expected Nmo .* once, or on-hire:Nd/);
    expectUsage(valid.replace('cadence: 12mo', 'cadence: on-hire:2mo'), /on-hire takes days/);
    expectUsage(valid.replace('owner: hr', 'owner: People Ops'), /\.owner: an owner key/);
    expectUsage(valid.replace('        owner: hr\n', '        owner: hr\n      - id: code-of-conduct\n        title: again\n        cadence: once\n'), /manual\[1\]\.id: requirement code-of-conduct listed twice/);
    expectUsage(valid.replace('        cadence: 12mo\n', ''), /manual\[0\] \(code-of-conduct\)\.cadence/);
  });
  it('rejects duplicate criteria, duplicate rules in a criterion, and an id that differs from the file name', () => {
    expectUsage(valid.replace('id: CC1.1', 'id: CC6.1'), /duplicate criterion id/);
    expectUsage(valid.replace('        evidence: direct\n', '        evidence: direct\n      - id: aws.iam.root_mfa_enabled\n        rationale: again\n        evidence: supporting\n'), /listed twice/);
    expectUsage(valid.replace('id: soc2', 'id: soc1'), /id: "soc1" must equal the file name "soc2"/);
  });
});
