// Scopes that retire, end to end as a user meets them: `vigil collect` with two AWS accounts, then with one of them
// replaced in the config's `accounts`, records one `scope.retired` leaf for the account dropped, and `vigil status`
// counts only the live accounts and names the retired one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import Database from 'better-sqlite3';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { awsDemo } from '../../collectors/aws/demo.js';
import type { Posture } from '../../src/report/posture.js';
import { runVigil } from '../support/vigil-cli.js';

describe('vigil collect on config A, then config B with one AWS account replaced', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  // orgEstate's accounts: the management account and two members.
  const [A0, A1, A2] = ['100000000000', '100000111111', '100000222222'];
  const writeConfig = (accounts: string[]) =>
    writeFileSync(join(dir, 'vigil.config.yaml'), stringify({ dataDir: './data', origin: 'vigil.test/retire', sources: { aws: { accounts, externalId: EMU_EXTERNAL_ID, maxAttempts: 3 } } }));
  const collect = async () => {
    const r = await runVigil(['collect', '--json'], dir, env);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
  };
  const status = async (): Promise<Posture> => {
    const r = await runVigil(['status', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Posture;
  };

  beforeAll(async () => {
    emu = await startAwsEmulator({ ...orgEstate({ accounts: 3, regions: ['us-east-1'], users: 3 }), reportDelayMs: 0 });
    env = (awsDemo.demoConfig(emu).env ?? {}) as Record<string, string>;
    dir = mkdtempSync(join(tmpdir(), 'vigil-retire-cli-'));
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records one retirement of the account dropped from config, and status counts only the live accounts', async () => {
    writeConfig([A0, A1]);
    await collect();
    expect((await status()).runs.filter((r) => r.source === 'aws').map((r) => r.scope).sort()).toEqual([A0, A1]);
    writeConfig([A0, A2]);
    await collect();
    await collect();

    const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
    try {
      const retired = (db.prepare("SELECT source, scope, body FROM leaves WHERE type = 'scope.retired'").all() as Array<{ source: string; scope: string; body: Buffer }>).map((r) => ({ source: r.source, scope: r.scope, ...(JSON.parse(r.body.toString('utf8')) as Record<string, unknown>) }) as Record<string, unknown>);
      expect(retired.map((r) => [r.source, r.scope, r.why, r.by])).toEqual([['aws', A1, 'removed-from-config', 'writer (vigil collect)']]);
      expect(String(retired[0]!.reason)).toContain(`no longer names ${A1}`);
      expect((retired[0]!.lastRun as { slot: string } | null)?.slot).toMatch(/^\d{4}-/);
    } finally {
      db.close();
    }

    const posture = await status();
    expect(posture.runs.filter((r) => r.source === 'aws').map((r) => r.scope).sort()).toEqual([A0, A2]);
    expect(posture.retired.map((r) => `${r.source}/${r.scope}`)).toEqual([`aws/${A1}`]);

    const text = await runVigil(['status'], dir, env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`retired: aws ${A1} since `);
    expect(text.stdout).not.toContain(`last run: aws ${A1}`);
    expect(text.stdout).toContain(`last run: aws ${A2}`);
  }, 120_000);
});
