// Scopes that retire, end to end as a user meets them: `vigil collect` with an Okta org, then with the org URL changed,
// records one `scope.retired` leaf for the old tenant, and `vigil status` counts only the live one and names the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import Database from 'better-sqlite3';
import { oktaDemo, startOktaEmulator, type OktaEmulator } from '../../collectors/okta/demo.js';
import type { Posture } from '../../src/report/posture.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

function vigil(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('vigil collect on config A, then config B with another Okta org', () => {
  let a: OktaEmulator;
  let b: OktaEmulator;
  let dir: string;
  const hostOf = (e: OktaEmulator) => new URL(e.url).host;
  const writeConfig = (e: OktaEmulator) => writeFileSync(join(dir, 'vigil.config.yaml'), stringify({ dataDir: './data', origin: 'vigil.test/retire', sources: { okta: oktaDemo.demoConfig(e).config } }));
  const collect = async () => {
    const r = await vigil(['collect', '--json'], dir);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startOktaEmulator(), startOktaEmulator()]);
    dir = mkdtempSync(join(tmpdir(), 'vigil-retire-cli-'));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records one retirement of the old org and counts only the new one in status', async () => {
    const totals = async () => {
      const r = await vigil(['status', '--json'], dir);
      expect(r.code, r.stderr).toBe(0);
      const p = JSON.parse(r.stdout) as Posture;
      return p.criteria.reduce((n, c) => n + c.pass + c.fail + c.error + c.notApplicable, 0);
    };
    writeConfig(a);
    await collect();
    // Both emulators serve the same demo tenant: one org's worth of results, before and after the move.
    const oneOrg = await totals();
    expect(oneOrg).toBeGreaterThan(0);
    writeConfig(b);
    await collect();
    await collect();

    const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
    try {
      const retired = (db.prepare("SELECT source, scope, body FROM leaves WHERE type = 'scope.retired'").all() as Array<{ source: string; scope: string; body: Buffer }>).map((r) => ({ source: r.source, scope: r.scope, ...(JSON.parse(r.body.toString('utf8')) as Record<string, unknown>) }) as Record<string, unknown>);
      expect(retired.map((r) => [r.source, r.scope, r.why, r.by])).toEqual([['okta', hostOf(a), 'removed-from-config', 'writer (vigil collect)']]);
      expect((retired[0]!.lastRun as { slot: string } | null)?.slot).toMatch(/^\d{4}-/);
    } finally {
      db.close();
    }

    const json = await vigil(['status', '--json'], dir);
    expect(json.code, json.stderr).toBe(0);
    const posture = JSON.parse(json.stdout) as Posture;
    expect(posture.runs.filter((r) => r.source === 'okta').map((r) => r.scope)).toEqual([hostOf(b)]);
    expect(posture.retired.map((r) => `${r.source}/${r.scope}`)).toEqual([`okta/${hostOf(a)}`]);

    expect(await totals()).toBe(oneOrg);

    const text = await vigil(['status'], dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`retired: okta ${hostOf(a)} since `);
    expect(text.stdout).not.toContain(`last run: okta ${hostOf(a)}`);
    expect(text.stdout).toContain(`last run: okta ${hostOf(b)}`);
  }, 120_000);
});
