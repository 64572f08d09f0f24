// `vigil export --replay` as a user runs it: after a real `vigil collect` against the AWS emulator, a Type 2 export
// carries the replay of a rule with a stricter parameter as a labelled what-if appendix that `vigil verify` checks
// (present, labelled, over the bundle's period, quoting the recorded verdicts as the bundle's results hold them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { awsDemo } from '../../collectors/aws/demo.js';
import { WHAT_IF_NOTICE, type ReplayAppendix } from '../../src/export/replay-appendix.js';
import { runVigil } from '../support/vigil-cli.js';

const RULE = 'aws.iam.access_keys_rotated';
// A lenient variant: no age limit, two keys allowed, unused setup keys not flagged, so every recorded fail would pass.
const PARAMS = '{"maxKeyAgeDays":100000,"maxActiveKeys":2,"flagUnusedSetupKeys":false}';

describe('vigil export --replay (CLI)', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  let bundle: string;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    emu = await startAwsEmulator({ ...orgEstate({ accounts: 1, regions: ['us-east-1'], users: 12 }), reportDelayMs: 0 });
    env = (awsDemo.demoConfig(emu).env ?? {}) as Record<string, string>;
    dir = mkdtempSync(join(tmpdir(), 'vigil-replay-export-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), stringify({ dataDir: './data', origin: 'vigil.test/replay-export', sources: { aws: { accounts: ['100000000000'], externalId: EMU_EXTERNAL_ID, maxAttempts: 3, regions: ['us-east-1'], iamOnly: true } } }));
    const r = await runVigil(['collect', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    bundle = join(dir, 'bundle');
    const ex = await runVigil(['export', '--type', '2', '--from', today, '--to', today, '--replay', RULE, '--replay-params', PARAMS, '--out', bundle], dir, env);
    expect(ex.code, ex.stdout + ex.stderr).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = `appendix/replay/${RULE}.json`;

  it('attaches the replay as a labelled what-if, listed in SHA256SUMS and manifest.json, described in README.txt; verify checks it', async () => {
    const a = JSON.parse(readFileSync(join(bundle, file), 'utf8')) as ReplayAppendix;
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { appendix: unknown; report: { start: string; end: string } };
    expect(manifest.appendix).toEqual([{ kind: 'rule-replay', ruleId: RULE, file }]);
    expect(a).toMatchObject({ kind: 'vigil.rule-replay', whatIf: true, notice: WHAT_IF_NOTICE, ruleId: RULE, period: { start: manifest.report.start, end: manifest.report.end } });
    expect(a.report.params).toEqual({ maxKeyAgeDays: 100000, maxActiveKeys: 2, flagUnusedSetupKeys: false });
    expect(a.report.runsReplayed).toBe(1);
    // Every recorded fail passes the lenient rule, and nothing else changes.
    expect(a.report.differing).toBeGreaterThan(0);
    expect(a.report.days[0]!.transitions).toEqual({ 'fail→pass': a.report.differing });
    // The quoted recorded verdicts are the ones in the run's results blob (read here from the bundle independently).
    const run = readFileSync(join(bundle, `ledger/leaves/${today}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.type === 'run' && l.source === 'aws')!;
    const sha = String(run.resultsSha256);
    const results = JSON.parse(gunzipSync(readFileSync(join(bundle, 'attachments/sha256', sha.slice(0, 2), `${sha}.gz`))).toString('utf8')) as Array<{ ruleId: string; resourceId: string; status: string }>;
    for (const x of a.report.days[0]!.examples) expect(results.find((r) => r.ruleId === RULE && r.resourceId === x.resourceId)?.status).toBe(x.recorded);
    expect(readFileSync(join(bundle, 'SHA256SUMS'), 'utf8')).toContain(`  ${file}\n`);
    const readme = readFileSync(join(bundle, 'README.txt'), 'utf8');
    expect(readme).toContain(`APPENDIX: WHAT-IF, NOT EVIDENCE. ${file} is a rule replay`);
    const v = await runVigil(['verify', bundle], dir, env);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain(`appendix: replay of ${RULE} (WHAT-IF, not evidence): labelled, over this period, ${a.report.days[0]!.examples.length} quoted recorded verdict(s) match the bundle's results; its replayed verdicts NOT recomputed`);
  }, 60_000);

  it('verify fails naming the appendix when it is removed, misquotes what was recorded, or another is slipped in', async () => {
    const gone = join(dir, 'bundle-gone');
    cpSync(bundle, gone, { recursive: true });
    unlinkSync(join(gone, file));
    const v1 = await runVigil(['verify', gone, '--json'], dir, env);
    expect(v1.code).toBe(1);
    expect((JSON.parse(v1.stdout) as { faults: Array<{ code: string; file?: string }> }).faults).toContainEqual(expect.objectContaining({ code: 'APPENDIX_MISSING', file }));

    const lied = join(dir, 'bundle-lied');
    cpSync(bundle, lied, { recursive: true });
    const text = readFileSync(join(lied, file), 'utf8');
    expect(text).toContain('"recorded": "fail"');
    writeFileSync(join(lied, file), text.replace('"recorded": "fail"', '"recorded": "pass"'));
    const v2 = await runVigil(['verify', lied, '--json'], dir, env);
    expect(v2.code).toBe(1);
    const faults = (JSON.parse(v2.stdout) as { faults: Array<{ code: string; file?: string; message: string }> }).faults;
    expect(faults.find((f) => f.code === 'APPENDIX_MISQUOTES')?.message).toMatch(/was recorded pass; the bundle's results say fail$/);

    // A what-if slipped in beside it, unlisted by the signed manifest, is named as such (besides being unlisted in SHA256SUMS).
    const extra = join(dir, 'bundle-extra');
    cpSync(bundle, extra, { recursive: true });
    writeFileSync(join(extra, 'appendix/replay/aws.iam.root_mfa_enabled.json'), text);
    const v3 = await runVigil(['verify', extra, '--json'], dir, env);
    expect(v3.code).toBe(1);
    expect((JSON.parse(v3.stdout) as { faults: Array<{ code: string; file?: string; message: string }> }).faults).toContainEqual({ code: 'APPENDIX', file: 'appendix/replay/aws.iam.root_mfa_enabled.json', message: 'file under appendix/ that manifest.json does not list' });
  }, 90_000);

  it('the bundled verifier (verify/verify.mjs, plain Node) checks the appendix the same way', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [join(bundle, 'verify/verify.mjs'), bundle], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`appendix: replay of ${RULE} (WHAT-IF, not evidence)`);
  }, 60_000);

  it.each([
    [['--type', '1', '--as-of', 'TODAY', '--replay', RULE], /--replay covers a period: use it with --type 2/],
    [['--type', '2', '--from', 'TODAY', '--to', 'TODAY', '--replay-params', '{}'], /--replay-params needs --replay RULE/],
    [['--type', '2', '--from', 'TODAY', '--to', 'TODAY', '--replay', RULE, '--replay', 'aws.iam.root_mfa_enabled', '--replay-params', '{}'], /--replay-params applies to one rule/],
    [['--type', '2', '--from', 'TODAY', '--to', 'TODAY', '--replay', 'aws.iam.nope'], /--replay aws\.iam\.nope: no such rule/],
    [['--type', '2', '--from', 'TODAY', '--to', 'TODAY', '--replay', RULE, '--replay-params', '{"maxAge":1}'], /has no parameter "maxAge"/],
  ])('refuses %j with exit 2 and writes nothing', async (args, message) => {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    const r = await runVigil(['export', ...args.map((x) => x.replace('TODAY', today)), '--out', out], dir, env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(() => readFileSync(join(out, 'manifest.json'))).toThrow();
  });
});
