// The import mapping: the shipped Prowler file loads against soc2; a bad file is a usage error naming it; imported rules
// join the criteria their runs recorded, after the framework's own, and a framework without imports is unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFramework } from '../../src/rules/frameworks.js';
import { importedRuleMap, loadImportMapping, withImportedRules } from '../../src/rules/import-mapping.js';
import { planImport } from '../../src/cli/import.js';
import { parseFindings } from '../../collectors/findings/parse.js';

const fw = loadFramework('soc2');

describe('rules/imports/prowler-soc2.yaml', () => {
  it('loads against soc2: every criterion exists, supporting by default', () => {
    const m = loadImportMapping('prowler', fw)!;
    expect(m.file).toBe('rules/imports/prowler-soc2.yaml');
    expect(m.checks.get('s3_bucket_public_access')).toEqual([{ criterion: 'CC6.1', evidence: 'supporting' }]);
    expect(m.checks.get('guardduty_is_enabled')!.map((x) => x.criterion)).toEqual(['CC3.1', 'CC3.2', 'CC4.2', 'CC6.8', 'CC7.1', 'CC7.2', 'CC7.3', 'CC7.4']);
    expect(m.checks.size).toBeGreaterThan(60);
    expect(loadImportMapping('nosuchscanner', fw)).toBeUndefined();
  });
});

describe('a bad mapping file', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-import-map-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (text: string) => {
    writeFileSync(join(dir, 'x-soc2.yaml'), text);
    return () => loadImportMapping('x', fw, dir);
  };
  it('names the criterion the framework lacks, the bad field, the YAML line', () => {
    expect(load('scanner: x\nframework: soc2\nchecks:\n  a_b: { criteria: [PI9.9] }\n')).toThrow(/x-soc2.yaml: checks.a_b.criteria: PI9.9 not in framework soc2/);
    expect(load('scanner: x\nframework: soc2\nchecks:\n  a_b: { criteria: [CC6.1], evidence: strong }\n')).toThrow(/x-soc2.yaml: checks.a_b.evidence/);
    expect(load('scanner: x\nframework: soc2\nchecks:\n  a_b: { criteria: [CC6.1\n')).toThrow(/x-soc2.yaml at line \d+, column \d+: not valid YAML/);
    const bad = load('scanner: x\nframework: soc2\nchecks:\n  Bad-Id: { criteria: [CC6.1] }\n');
    expect(bad).toThrow(expect.objectContaining({ exitCode: 2, code: 'BAD_IMPORT_MAPPING', message: expect.stringMatching(/checks.Bad-Id: expected a check id of lower-case letters/) }));
  });
});

describe('imported rules in the framework', () => {
  it('the runs planned from the sample record their mapping; the framework gains them after its own rules', () => {
    const text = readFileSync(new URL('../../collectors/findings/samples/prowler-aws.ocsf.json', import.meta.url), 'utf8');
    const findings = parseFindings(text, 'ocsf', 'sample');
    const plans = planImport(findings, { format: 'ocsf', file: 'sample', rawSha256: 'ab'.repeat(32), size: text.length, readAt: '2026-12-08T00:00:00.000Z', fw, mappings: new Map([['prowler', loadImportMapping('prowler', fw)]]) });
    expect(plans.map((p) => [p.scope, p.job.summary.slot, p.job.summary.startedAt])).toEqual([
      ['prowler:aws:111122223333', '2026-12-07T06:00:24.000Z', '2026-12-08T00:00:00.000Z'],
      ['prowler:aws:444455556666', '2026-12-07T06:00:36.000Z', '2026-12-08T00:00:00.000Z'],
    ]);
    const muted = plans[0]!.job.results.find((r) => r.details?.muted === true)!;
    expect(muted).toMatchObject({ ruleId: 'findings.prowler.s3_bucket_public_access', status: 'fail', reason: expect.stringContaining('(muted in the scanner)') });
    expect(plans[0]!.job.results.find((r) => r.ruleId.endsWith('iam_root_mfa_enabled'))!.details).toMatchObject({ imported: true, mappedBy: 'finding', scannerTime: '2026-12-07T06:00:11.000Z', severity: 'critical' });
    const map = importedRuleMap(plans.map((p) => p.job.summary), 'soc2');
    expect(importedRuleMap(plans.map((p) => p.job.summary), 'iso27001')).toEqual({});
    expect(map['findings.prowler.iam_root_mfa_enabled']).toEqual([{ criterion: 'CC6.1', evidence: 'supporting' }]);
    expect(map['findings.prowler.account_maintain_current_contact_details']).toBeUndefined();
    const aug = withImportedRules(fw, map, (id, m) => ({ id, rationale: 'imported', evidence: m.evidence, imported: true as const }));
    const cc61 = aug.criteria.find((c) => c.id === 'CC6.1')!;
    const own = fw.criteria.find((c) => c.id === 'CC6.1')!.rules;
    expect(cc61.rules.slice(0, own.length)).toEqual(own);
    expect(cc61.rules.slice(own.length).map((r) => r.id)).toEqual(['findings.prowler.iam_root_mfa_enabled', 'findings.prowler.s3_bucket_public_access']);
    expect(withImportedRules(fw, {}, () => own[0]!)).toBe(fw);
  });
});
