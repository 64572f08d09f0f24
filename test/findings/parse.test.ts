// The findings parser: Prowler's OCSF array and ASFF, each file read whole; anything it cannot read in full is a
// FindingsParseError naming the line and column, never a partial list.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FindingsParseError, parseFindings } from '../../collectors/findings/parse.js';
import { soc2RequirementCriterion } from '../../src/rules/import-mapping.js';

const SAMPLE = readFileSync(new URL('../../collectors/findings/samples/prowler-aws.ocsf.json', import.meta.url), 'utf8');
const sample = (): Array<Record<string, any>> => JSON.parse(SAMPLE);
/** As Prowler writes it: a JSON array, indent 4. */
const write = (items: unknown[]): string => JSON.stringify(items, null, 4);

function parseError(text: string, format: 'ocsf' | 'asff' = 'ocsf'): FindingsParseError {
  try {
    parseFindings(text, format, 'scan.json');
  } catch (e) {
    expect(e).toBeInstanceOf(FindingsParseError);
    expect((e as FindingsParseError).exitCode).toBe(2);
    return e as FindingsParseError;
  }
  throw new Error('expected a FindingsParseError');
}

/** The line of the n-th (0-based) finding's opening brace in `text` (indent 4: a line that is exactly "    {"). */
function lineOfFinding(text: string, n: number): number {
  const lines = text.split('\n');
  let seen = -1;
  for (let i = 0; i < lines.length; i++) if (lines[i] === '    {' && ++seen === n) return i + 1;
  throw new Error('no such finding');
}

describe('OCSF (Prowler json-ocsf)', () => {
  it('reads the shipped sample: statuses, muted, scopes, scanner time, SOC 2 ids, lines', () => {
    const f = parseFindings(SAMPLE, 'ocsf', 'sample');
    expect(f).toHaveLength(12);
    expect(new Set(f.map((x) => `${x.scanner}:${x.provider}:${x.account}`))).toEqual(new Set(['prowler:aws:111122223333', 'prowler:aws:444455556666']));
    expect(f.filter((x) => x.status === 'pass')).toHaveLength(6);
    expect(f.filter((x) => x.status === 'fail')).toHaveLength(5);
    const manual = f.find((x) => x.scannerStatus === 'MANUAL')!;
    expect(manual).toMatchObject({ status: 'error', checkId: 'account_maintain_current_contact_details' });
    const muted = f.filter((x) => x.muted);
    expect(muted.map((x) => [x.checkId, x.status])).toEqual([['s3_bucket_public_access', 'fail']]);
    expect(f[0]).toMatchObject({ checkId: 'iam_root_mfa_enabled', resourceId: 'arn:aws:iam::111122223333:root', severity: 'critical', scannerTime: '2026-12-07T06:00:11.000Z', soc2: ['cc_6_1'], line: 2 });
    expect(f[3]!.line).toBe(lineOfFinding(SAMPLE, 3));
  });

  it('a truncated file (Prowler interrupted: no closing ]) names the last line', () => {
    const whole = SAMPLE;
    // Prowler writes "[", then each finding followed by ",", and replaces the last "," with "]" when it finishes.
    const cut = whole.slice(0, whole.lastIndexOf('}') + 1) + ',';
    const e = parseError(cut);
    expect(e.message).toMatch(/^scan\.json: line \d+, column \d+: the file ends before the JSON is complete/);
    expect(e.line).toBe(cut.split('\n').length);
    // Cut mid-finding too.
    const mid = whole.slice(0, Math.floor(whole.length / 2));
    expect(parseError(mid).line).toBe(mid.split('\n').length);
  });

  it('not JSON: names the line and column where it stops', () => {
    const text = SAMPLE.replace('"severity_id": 5,', '"severity_id": 5,,');
    const e = parseError(text);
    const line = text.split('\n').findIndex((l) => l.includes('"severity_id": 5,,')) + 1;
    expect(e.line).toBe(line);
    expect(e.message).toContain('not valid JSON');
  });

  it('a finding without metadata.event_code names its line', () => {
    const items = sample();
    delete items[4]!.metadata.event_code;
    const text = write(items);
    const e = parseError(text);
    expect(e.message).toBe(`scan.json: line ${lineOfFinding(text, 4)}, column 5: finding 5: no metadata.event_code (expected a non-empty string)`);
  });

  it('a status_code other than PASS, FAIL or MANUAL is refused', () => {
    const items = sample();
    items[2]!.status_code = 'WARN';
    const text = write(items);
    expect(parseError(text).message).toContain(`line ${lineOfFinding(text, 2)}, column 5: finding 3: status_code "WARN": expected PASS, FAIL or MANUAL`);
  });

  it('a duplicate finding uid names both lines', () => {
    const items = sample();
    items[7]!.finding_info.uid = items[1]!.finding_info.uid;
    const text = write(items);
    expect(parseError(text).message).toContain(`line ${lineOfFinding(text, 7)}, column 5: finding 8: duplicate finding uid "${items[1]!.finding_info.uid}" (first at line ${lineOfFinding(text, 1)})`);
  });

  it('empty file, empty array, not an array, wrong class, no cloud account: each named', () => {
    expect(parseError('').message).toBe('scan.json: line 1, column 1: the file is empty; expected a JSON array of OCSF findings');
    expect(parseError('  \n').line).toBe(1);
    expect(parseError('[]').message).toMatch(/no findings in the file/);
    expect(parseError('{"a": 1}').message).toMatch(/expected a JSON array of findings/);
    const items = sample();
    items[0]!.class_uid = 2003;
    expect(parseError(write(items)).message).toMatch(/finding 1: class_uid 2003: expected 2004/);
    const k8s = sample();
    delete k8s[1]!.cloud;
    expect(parseError(write(k8s)).message).toMatch(/finding 2: no cloud.provider and cloud.account.uid/);
  });

  it('time_dt, else epoch seconds in time', () => {
    const items = sample().slice(0, 1);
    delete items[0]!.time_dt;
    expect(parseFindings(write(items), 'ocsf', 'x')[0]!.scannerTime).toBe('2026-12-07T06:00:11.000Z');
    delete items[0]!.time;
    expect(parseError(write(items)).message).toMatch(/no time_dt or time/);
  });
});

function asff(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SchemaVersion: '2018-10-08',
    Id: 'prowler-iam_root_mfa_enabled-111122223333-us-east-1-3a2b1c',
    ProductArn: 'arn:aws:securityhub:us-east-1::product/prowler/prowler',
    ProductFields: { ProviderName: 'Prowler', ProviderVersion: '5.14.0', ProwlerResourceName: '<root_account>' },
    GeneratorId: 'prowler-iam_root_mfa_enabled',
    AwsAccountId: '111122223333',
    Types: ['Software and Configuration Checks'],
    FirstObservedAt: '2026-12-07T06:00:11Z',
    UpdatedAt: '2026-12-07T06:00:11Z',
    CreatedAt: '2026-12-07T06:00:11Z',
    Severity: { Label: 'CRITICAL' },
    Title: 'Ensure MFA is enabled for the root account',
    Description: 'MFA is not enabled for root account.',
    Resources: [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::111122223333:root', Partition: 'aws', Region: 'us-east-1' }],
    Compliance: { Status: 'FAILED', RelatedRequirements: ['SOC2 cc_6_1', 'CIS-2.0 1.5'], AssociatedStandards: [{ StandardsId: 'SOC2' }] },
    ...over,
  };
}

describe('ASFF (Prowler json-asff, Security Hub)', () => {
  it('reads an array and {"Findings": [...]}: check id from GeneratorId, scanner from ProductArn, status from Compliance.Status', () => {
    for (const text of [write([asff()]), JSON.stringify({ Findings: [asff()] }, null, 2)]) {
      const [f] = parseFindings(text, 'asff', 'x');
      expect(f).toMatchObject({ scanner: 'prowler', provider: 'aws', account: '111122223333', checkId: 'iam_root_mfa_enabled', status: 'fail', scannerStatus: 'FAILED', severity: 'critical', soc2: ['cc_6_1'], muted: false });
    }
    expect(parseFindings(write([asff({ Compliance: { Status: 'WARNING' }, Workflow: { Status: 'SUPPRESSED' } })]), 'asff', 'x')[0]).toMatchObject({ status: 'error', muted: true });
    expect(parseFindings(write([asff({ Compliance: { Status: 'PASSED' } })]), 'asff', 'x')[0]!.status).toBe('pass');
  });

  it('a bad Compliance.Status, a missing GeneratorId, a duplicate Id, a truncated file: named', () => {
    expect(parseError(write([asff({ Compliance: { Status: 'OK' } })]), 'asff').message).toMatch(/line 2, column 5: finding 1: Compliance.Status "OK": expected PASSED, FAILED, WARNING or NOT_AVAILABLE/);
    const noGen = asff();
    delete noGen.GeneratorId;
    expect(parseError(write([noGen]), 'asff').message).toMatch(/finding 1: no GeneratorId/);
    const dup = JSON.stringify({ Findings: [asff(), asff()] }, null, 2);
    expect(parseError(dup, 'asff').message).toMatch(/finding 2: duplicate finding uid/);
    expect(parseError(write([asff()]).slice(0, -2), 'asff').message).toMatch(/the file ends before the JSON is complete/);
    expect(parseError('{"Findings": 3}', 'asff').message).toMatch(/expected a JSON array of findings or \{"Findings": \[...\]\}/);
  });
});

describe('SOC 2 requirement ids (Prowler) as criteria', () => {
  it('cc_6_1 → CC6.1, cc_a_1_1 → A1.1, cc_c_1_2 → C1.2, pi_1_3 → PI1.3; others undefined', () => {
    expect(['cc_6_1', 'cc_1_3', 'cc_a_1_1', 'cc_c_1_2', 'pi_1_3', 'soc2', '6.1'].map(soc2RequirementCriterion)).toEqual(['CC6.1', 'CC1.3', 'A1.1', 'C1.2', 'PI1.3', undefined, undefined]);
  });
});
