// The person view end to end as a user runs it: `vigil collect --json` over the Okta, GitHub and AWS emulators reports a
// leaver's orphaned access with all three accounts, then, once removed, the offboarding time in `vigil status` and the ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import Database from 'better-sqlite3';
import { SqliteEvidenceStore } from '../../src/ledger/sqlite-store.js';
import { oktaDemo, startOktaEmulator, type OktaEmulator } from '../../collectors/okta/demo.js';
import { githubDemo } from '../../collectors/github/demo.js';
import { startGithubEmulator, type RunningGithubEmulator } from '../../collectors/github/emulator/server.js';
import { awsDemo } from '../../collectors/aws/demo.js';
import { removeFromGithubAndAws } from '../identity/helpers.js';
import { startAwsEmulator, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { runVigil } from '../support/vigil-cli.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

const vigil = runVigil;

interface CollectOut {
  runs: Array<{ source: string; scope: string; counts: Record<string, number> }>;
  results: Array<{ ruleId: string; resourceId: string; status: string; reason: string; criteria: string[]; details?: unknown }>;
}

describe('vigil collect: people joined across Okta, GitHub and AWS', () => {
  let okta: OktaEmulator;
  let gh: RunningGithubEmulator;
  let aws: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [okta, gh, aws] = await Promise.all([startOktaEmulator(), startGithubEmulator(), startAwsEmulator({ reportDelayMs: 1 })]);
    dir = mkdtempSync(join(tmpdir(), 'vigil-people-cli-'));
    env = (awsDemo.demoConfig(aws).env ?? {}) as Record<string, string>;
    const config = {
      dataDir: './data',
      origin: 'vigil.test/people',
      people: { mappingFile: 'people.yaml' },
      rules: { params: { 'xsys.offboarding_timeliness': { slaHours: 12 } } },
      sources: { okta: oktaDemo.demoConfig(okta).config, github: githubDemo.demoConfig(gh).config, aws: { ...awsDemo.demoConfig(aws).config } },
    };
    writeFileSync(join(dir, 'vigil.config.yaml'), stringify(config));
    writeFileSync(join(dir, 'people.yaml'), 'serviceAccounts:\n  github: []\n  aws: []\n');
  });
  afterAll(async () => {
    await Promise.all([okta.close(), gh.close(), aws.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const collect = async (): Promise<CollectOut> => {
    const r = await vigil(['collect', '--json'], dir, env);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as CollectOut;
  };
  const find = (out: CollectOut, ruleId: string, resourceId: string) => out.results.find((x) => x.ruleId === ruleId && x.resourceId === resourceId);

  it('reports orphaned access with the three accounts, then the offboarding time once removed', async () => {
    const before = await collect();
    expect(before.runs.map((r) => r.source).sort()).toEqual(['aws', 'github', 'identity', 'okta']);
    expect(before.runs.at(-1)).toMatchObject({ source: 'identity', scope: 'people' });
    expect(find(before, 'xsys.identity_reconciliation', 'person:erin@example.com')?.status).toBe('pass');

    okta.deactivateUser('erin@example.com');
    const during = await collect();
    const orphan = find(during, 'xsys.identity_reconciliation', 'person:erin@example.com')!;
    expect(orphan.status).toBe('fail');
    expect(orphan.criteria).toEqual(expect.arrayContaining(['CC6.2', 'CC6.3']));
    expect(orphan.reason).toMatch(/okta erin@example\.com \(DEPROVISIONED\)/);
    expect(orphan.reason).toContain('GitHub acme-demo/erin');
    expect(orphan.reason).toMatch(/AWS user arn:aws:iam::\d{12}:user\/erin with 1 active access key/);

    removeFromGithubAndAws(gh, aws, 'erin');
    const after = await collect();
    expect(find(after, 'xsys.identity_reconciliation', 'person:erin@example.com')?.status).toBe('pass');
    const off = find(after, 'xsys.offboarding_timeliness', 'person:erin@example.com')!;
    expect(off.status).toBe('pass');
    expect(off.reason).toMatch(/SLA 12 h/);

    // In the evidence: the latest identity run's results blob, a fail→pass change, and the posture.
    const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
    try {
      const bodies = (db.prepare("SELECT body FROM leaves WHERE type = 'run' AND source = 'identity' ORDER BY seq").all() as Array<{ body: Buffer }>).map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>);
      expect(bodies.length).toBeGreaterThanOrEqual(3);
      const last = bodies.at(-1)!;
      expect(last).toMatchObject({ scope: 'people', outcome: 'complete' });
      // Blobs may be stored brotli-compressed (src/ledger/blob-codec.ts); the store decodes and re-checks them.
      const ro = SqliteEvidenceStore.open({ path: join(dir, 'data', 'ledger.sqlite'), readOnly: true });
      const blob = await ro.getBlob(String(last.resultsSha256)).finally(() => ro.close());
      const stored = JSON.parse(blob!.data.toString('utf8')) as Array<{ ruleId: string; resourceId: string; details?: { offboardingHours?: number } }>;
      const hours = stored.find((r) => r.ruleId === 'xsys.offboarding_timeliness' && r.resourceId === 'person:erin@example.com')?.details?.offboardingHours;
      expect(typeof hours).toBe('number');
      expect(hours).toBeLessThan(1);
      const changes = (db.prepare("SELECT body FROM leaves WHERE type = 'change' AND source = 'identity'").all() as Array<{ body: Buffer }>).map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>);
      expect(changes.filter((c) => c.resourceId === 'person:erin@example.com' && c.ruleId === 'xsys.identity_reconciliation').map((c) => `${String(c.from)}→${String(c.to)}`)).toEqual(['pass→fail', 'fail→pass']);
    } finally {
      db.close();
    }

    const s = await vigil(['status', '--json'], dir, env);
    expect(s.code, s.stderr).toBe(0);
    const posture = JSON.parse(s.stdout) as { runs: Array<{ source: string }>; criteria: Array<{ id: string; rules: Array<{ id: string; pass: number; fail: number }> }> };
    expect(posture.runs.map((r) => r.source)).toContain('identity');
    const cc62 = posture.criteria.find((c) => c.id === 'CC6.2')!;
    expect(cc62.rules.find((r) => r.id === 'xsys.offboarding_timeliness')!.pass).toBeGreaterThanOrEqual(1);

    const list = await vigil(['rules', 'list', '--json'], dir, env);
    const rules = (JSON.parse(list.stdout) as { rules: Array<{ id: string; source: string; params: Record<string, unknown> }> }).rules;
    expect(rules.find((r) => r.id === 'xsys.offboarding_timeliness')).toMatchObject({ source: 'identity', params: { slaHours: 12 } });
  }, 90_000);

  it('refuses a bad mapping file with file, line and field, exit 2', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'vigil-people-bad-'));
    try {
      writeFileSync(join(bad, 'vigil.config.yaml'), stringify({ dataDir: './data', people: { mappingFile: 'map.yaml' }, sources: { okta: oktaDemo.demoConfig(okta).config } }));
      writeFileSync(join(bad, 'map.yaml'), 'people:\n  - email: erin\n');
      const r = await vigil(['collect', '--json'], bad, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/map\.yaml:2:\d+: people\.0\.email/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  }, 30_000);
});
