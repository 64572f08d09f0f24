// `vigil import` end to end as a user runs it: Prowler's OCSF sample into a fresh data dir, shown by `vigil status`
// under its mapped criteria, exported and verified with the imported results marked; a truncated file is exit 2 naming
// the line with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runVigil } from '../support/run-cli.js';

const SAMPLE = resolve(__dirname, '../../collectors/findings/samples/prowler-aws.ocsf.json');

describe('vigil import --format ocsf', () => {
  let dir: string;
  let args: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-import-cli-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), 'frameworks: [soc2]\n');
    args = ['--config', join(dir, 'vigil.config.yaml'), '--data-dir', join(dir, 'data')];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a truncated file is exit 2 naming the line, and nothing is written (not even a ledger)', async () => {
    const text = readFileSync(SAMPLE, 'utf8');
    const cut = `${text.slice(0, text.lastIndexOf('}') + 1)},\n`;
    writeFileSync(join(dir, 'cut.json'), cut);
    const r = await runVigil(['import', ...args, '--format', 'ocsf', join(dir, 'cut.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cut.json: line ${cut.trimEnd().split('\n').length}, column 7: the file ends before the JSON is complete`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'data', 'ledger.sqlite'))).toBe(false);
  });

  it('imports, maps, shows as imported in status, exports and verifies', async () => {
    const imp = await runVigil(['import', ...args, '--format', 'ocsf', SAMPLE, '--json']);
    expect(imp.code).toBe(0);
    const out = JSON.parse(imp.stdout) as { sha256: string; runs: Array<{ scope: string; counts: Record<string, number>; muted: number; unmapped: string[]; duplicate: boolean }> };
    expect(out.sha256).toBe(createHash('sha256').update(readFileSync(SAMPLE)).digest('hex'));
    expect(out.runs.map((r) => [r.scope, r.counts.pass, r.counts.fail, r.counts.error, r.muted])).toEqual([
      ['prowler:aws:111122223333', 4, 2, 1, 1],
      ['prowler:aws:444455556666', 2, 3, 0, 0],
    ]);
    // No SOC 2 id at all (MANUAL contact details), or only criteria outside the ones in scope (PI1.3: processing integrity is not in the default scope).
    expect(out.runs[0]!.unmapped).toEqual(['findings.prowler.account_maintain_current_contact_details']);
    expect(out.runs[1]!.unmapped).toEqual(['findings.prowler.cloudwatch_log_metric_filter_root_usage']);

    // The same file again: same scopes and scanner times, so nothing new.
    const again = await runVigil(['import', ...args, '--format', 'ocsf', SAMPLE, '--json']);
    expect((JSON.parse(again.stdout) as typeof out).runs.every((r) => r.duplicate)).toBe(true);

    // An older scan of a scope already imported would replace newer results: refused, nothing written.
    const older = (JSON.parse(readFileSync(SAMPLE, 'utf8')) as Array<Record<string, unknown>>).map((f) => ({ ...f, time_dt: '2026-12-06T06:00:00+00:00' }));
    writeFileSync(join(dir, 'older.json'), JSON.stringify(older, null, 4));
    const refused = await runVigil(['import', ...args, '--format', 'ocsf', join(dir, 'older.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("prowler:aws:111122223333: this file's scanner time 2026-12-06T06:00:00.000Z is older than the scope's latest import (2026-12-07T06:00:24.000Z");

    const st = await runVigil(['status', ...args, '--json']);
    expect(st.code).toBe(0);
    const posture = JSON.parse(st.stdout) as { criteria: Array<{ id: string; rules: Array<{ id: string; imported?: boolean; evidence: string; pass: number; fail: number; outcome: string }> }> };
    const cc61 = posture.criteria.find((c) => c.id === 'CC6.1')!;
    // s3_bucket_public_access by the mapping file; iam_root_mfa_enabled by the finding's own SOC2 ids (fallback).
    expect(cc61.rules.filter((r) => r.imported).map((r) => [r.id, r.evidence, r.pass, r.fail, r.outcome])).toEqual([
      ['findings.prowler.iam_root_mfa_enabled', 'supporting', 1, 1, 'failed'],
      ['findings.prowler.s3_bucket_public_access', 'supporting', 1, 1, 'failed'],
    ]);
    expect(posture.criteria.find((c) => c.id === 'CC6.6')!.rules.filter((r) => r.imported).map((r) => r.id)).toEqual(['findings.prowler.ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22']);
    const text = await runVigil(['status', ...args]);
    // The second import's writer start did not retire the imported scopes (the config names no `findings` source).
    expect(text.stdout).not.toMatch(/retired: findings/);
    expect(text.stdout).toContain('imported: prowler:aws:111122223333: scanner results of 2026-12-07T06:00:24.000Z');
    expect(text.stdout).toMatch(/imported findings\.prowler\.s3_bucket_public_access \(supporting\): 1 pass, 1 fail, 0 error — failed/);

    const day = new Date().toISOString().slice(0, 10);
    const ex = await runVigil(['export', ...args, '--type', '1', '--as-of', day, '--out', join(dir, 'bundle')]);
    expect(ex.code).toBe(0);
    const v = await runVigil(['verify', join(dir, 'bundle')]);
    expect(v.stdout).toMatch(/^bundle OK/);
    const coverage = readFileSync(join(dir, 'bundle', 'report', 'coverage.csv'), 'utf8');
    expect(coverage).toMatch(/^CC6\.1,.*,findings\.prowler\.s3_bucket_public_access,imported scanner results,/m);
    expect(readFileSync(join(dir, 'bundle', 'report', 'report.html'), 'utf8')).toContain('<code>findings.prowler.s3_bucket_public_access</code> <span class="note">(imported scanner result)</span>');
    // The raw file is in the bundle, by its hash.
    expect(existsSync(join(dir, 'bundle', 'attachments', 'sha256', out.sha256.slice(0, 2)))).toBe(true);
  }, 60_000);
});
