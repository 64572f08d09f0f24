// `vigil rules replay` as a user runs it: after a real `vigil collect` against the AWS emulator, a replay with the
// parameters in force finds nothing to differ, and every bad argument exits 2 with a message and no stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { awsDemo } from '../../collectors/aws/demo.js';
import { runVigil } from '../support/vigil-cli.js';

describe('vigil rules replay (CLI)', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  const A0 = '100000000000';

  beforeAll(async () => {
    emu = await startAwsEmulator({ ...orgEstate({ accounts: 1, regions: ['us-east-1'], users: 3 }), reportDelayMs: 0 });
    env = (awsDemo.demoConfig(emu).env ?? {}) as Record<string, string>;
    dir = mkdtempSync(join(tmpdir(), 'vigil-replay-cli-'));
    writeFileSync(join(dir, 'vigil.config.yaml'), stringify({ dataDir: './data', origin: 'vigil.test/replay', sources: { aws: { accounts: [A0], externalId: EMU_EXTERNAL_ID, maxAttempts: 3 } } }));
    const r = await runVigil(['collect', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the recorded run with the parameters in force and finds no difference', async () => {
    const r = await runVigil(['rules', 'replay', '--rule', 'aws.iam.access_keys_rotated', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { runsReplayed: number; resultsCompared: number; differing: number; recordedLogic: string[]; logicSha256: string };
    expect(report.runsReplayed).toBe(1);
    expect(report.resultsCompared).toBeGreaterThan(0);
    expect(report.differing).toBe(0);
    expect(report.recordedLogic).toContain(report.logicSha256);
    const text = await runVigil(['rules', 'replay', '--rule', 'aws.iam.access_keys_rotated', '--from', '2000-01-01'], dir, env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/1 run\(s\) replayed, \d+ result\(s\) compared: 0 would differ/);
    expect(text.stdout).toContain('Nothing was written');
  });

  it.each([
    [['--rule', 'aws.iam.access_keys_rotatd'], /no such rule.*did you mean aws\.iam\.access_keys_rotated/],
    [['--rule', 'aws.iam.access_keys_rotated', '--params', '{maxKeyAgeDays:1}'], /--params: not JSON/],
    [['--rule', 'aws.iam.access_keys_rotated', '--params', '[1]'], /expected a JSON object/],
    [['--rule', 'aws.iam.access_keys_rotated', '--params', '{"maxAge":1}'], /has no parameter "maxAge"/],
    [['--rule', 'aws.iam.access_keys_rotated', '--from', '2025-02-30'], /--from: "2025-02-30" is not a date/],
    [['--rule', 'aws.iam.access_keys_rotated', '--examples', '-1'], /--examples/],
    [['--rule', 'xsys.offboarding_timeliness'], /cross-source/],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runVigil(['rules', 'replay', ...args], dir, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
