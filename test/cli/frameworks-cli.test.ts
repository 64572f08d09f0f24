// Frameworks as data, end to end: one `vigil collect` against the AWS emulator (IAM only, to stay fast), then `vigil status` and a Type 1
// export + `vigil verify` for SOC 1 ITGC and ISO/IEC 27001:2022 over the same ledger; `vigil frameworks list`; and the
// config's `criteria.soc2` scoping what status and the export show (C1/PI1/P hidden by default, exit 2 for a typo).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { awsDemo } from '../../collectors/aws/demo.js';
import type { Posture } from '../../src/report/posture.js';
import { runVigil } from '../support/vigil-cli.js';

describe('frameworks from the command line', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  const ACCOUNT = '100000000000';
  const writeConfig = (extra: Record<string, unknown> = {}) =>
    writeFileSync(join(dir, 'vigil.config.yaml'), stringify({ dataDir: './data', origin: 'vigil.test/frameworks', sources: { aws: { accounts: [ACCOUNT], externalId: EMU_EXTERNAL_ID, maxAttempts: 3, regions: ['us-east-1'], iamOnly: true } }, ...extra }));
  const status = async (args: string[] = []): Promise<Posture> => {
    const r = await runVigil(['status', '--json', ...args], dir, env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Posture;
  };

  beforeAll(async () => {
    emu = await startAwsEmulator({ ...orgEstate({ accounts: 1, regions: ['us-east-1'], users: 2 }), reportDelayMs: 0 });
    env = (awsDemo.demoConfig(emu).env ?? {}) as Record<string, string>;
    dir = mkdtempSync(join(tmpdir(), 'vigil-frameworks-cli-'));
    writeConfig();
    const r = await runVigil(['collect', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the bundled frameworks with criteria, scope and rules mapped', async () => {
    const r = await runVigil(['frameworks', 'list', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { frameworks: Array<{ id: string; criteria: number; inScope: number; rulesMapped: number; version: string }> }).frameworks;
    expect(rows.map((f) => [f.id, f.criteria, f.inScope])).toEqual([
      ['iso27001-2022', 93, 93],
      ['soc1-itgc', 12, 12],
      ['soc2', 61, 36],
    ]);
    for (const f of rows) expect(f.rulesMapped, f.id).toBeGreaterThan(20);
    const text = await runVigil(['frameworks', 'list'], dir, env);
    expect(text.stdout).toContain('categories: security*, availability*, confidentiality, processing-integrity, privacy');
  }, 30_000);

  it('status and a verified Type 1 export for SOC 1 ITGC and ISO 27001:2022 over the same ledger', async () => {
    for (const [id, count, example] of [['soc1-itgc', 12, 'LA.4'], ['iso27001-2022', 93, '8.5']] as const) {
      const p = await status(['--framework', id]);
      expect(p.criteria, id).toHaveLength(count);
      // The AWS rules ran, so a control mapped to them counts results, not only manual evidence.
      const c = p.criteria.find((x) => x.id === example)!;
      expect(c.pass + c.fail + c.error, `${id} ${example}`).toBeGreaterThan(0);
      const text = await runVigil(['status', '--framework', id], dir, env);
      expect(text.stdout).toContain(`${example.padEnd(10)} `);

      const bundle = join(dir, `bundle-${id}`);
      const ex = await runVigil(['export', '--type', '1', '--as-of', new Date().toISOString().slice(0, 10), '--framework', id, '--out', bundle], dir, env);
      expect(ex.code, ex.stdout + ex.stderr).toBe(0);
      const fw = JSON.parse(readFileSync(join(bundle, 'framework', `${id}.json`), 'utf8')) as { id: string; criteria: unknown[] };
      expect([fw.id, fw.criteria.length]).toEqual([id, count]);
      // report.html names what it is evidence for: SOC 1 or ISO 27001, not SOC 2.
      expect(readFileSync(join(bundle, 'report', 'report.html'), 'utf8')).toContain(id === 'soc1-itgc' ? '<title>SOC 1 Type 1 evidence' : '<title>ISO/IEC 27001:2022 Type 1 evidence');
      const v = await runVigil(['verify', bundle], dir, env);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
  }, 120_000);

  it('shows SOC 2 security and availability by default; criteria.soc2 adds confidentiality to status and the export; a typo exits 2', async () => {
    const ids = (p: Posture) => p.criteria.map((c) => c.id);
    const byDefault = await status();
    expect(ids(byDefault)).toContain('CC6.1');
    expect(ids(byDefault).filter((c) => /^(C1|PI1|P\d)/.test(c))).toEqual([]);
    // The default export's OSCAL, report.html and coverage.csv carry no C1, PI1 or P criterion either.
    const plain = join(dir, 'bundle-soc2');
    const ex0 = await runVigil(['export', '--type', '1', '--as-of', new Date().toISOString().slice(0, 10), '--out', plain], dir, env);
    expect(ex0.code, ex0.stdout + ex0.stderr).toBe(0);
    for (const f of ['report/oscal-assessment-results.json', 'report/report.html', 'report/coverage.csv']) {
      const text = readFileSync(join(plain, f), 'utf8');
      expect(text, f).toContain('CC6.1');
      expect(text, f).not.toMatch(/\b(C1\.1|PI1\.3|P4\.2)\b/);
    }

    writeConfig({ criteria: { soc2: ['security', 'availability', 'confidentiality'] } });
    try {
      const scoped = await status();
      expect(ids(scoped).filter((c) => /^(C1|PI1|P\d)/.test(c))).toEqual(['C1.1', 'C1.2']);
      const bundle = join(dir, 'bundle-soc2-c1');
      const ex = await runVigil(['export', '--type', '1', '--as-of', new Date().toISOString().slice(0, 10), '--out', bundle], dir, env);
      expect(ex.code, ex.stdout + ex.stderr).toBe(0);
      const fw = JSON.parse(readFileSync(join(bundle, 'framework', 'soc2.json'), 'utf8')) as { criteria: Array<{ id: string }> };
      expect(fw.criteria.map((c) => c.id).filter((c) => !/^(CC|A1)/.test(c))).toEqual(['C1.1', 'C1.2']);
      expect(readFileSync(join(bundle, 'report/oscal-assessment-results.json'), 'utf8')).toContain('C1.1');

      writeConfig({ criteria: { soc2: ['security', 'confidentality'] } });
      const bad = await runVigil(['status'], dir, env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('criteria.soc2: "confidentality"');
      expect(bad.stderr).toContain('did you mean "confidentiality"');
      expect(bad.stderr).not.toMatch(/\n\s+at /);
      writeConfig({ criteria: { soc3: ['security'] } });
      const unknown = await runVigil(['status'], dir, env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('soc3');
    } finally {
      writeConfig();
    }
  }, 120_000);

  it('without --framework, export reports against the config\'s first framework, as status does', async () => {
    writeConfig({ frameworks: ['soc1-itgc', 'soc2'] });
    try {
      expect((await status()).framework).toBe('soc1-itgc');
      const bundle = join(dir, 'bundle-default-fw');
      const ex = await runVigil(['export', '--type', '1', '--as-of', new Date().toISOString().slice(0, 10), '--out', bundle], dir, env);
      expect(ex.code, ex.stdout + ex.stderr).toBe(0);
      expect(readdirSync(join(bundle, 'framework'))).toEqual(['soc1-itgc.json']);
    } finally {
      writeConfig();
    }
  }, 60_000);
});
