// `vigil export` / `vigil verify` progress when stderr is not a terminal: periodic plain lines (interval from
// VIGIL_PROGRESS_INTERVAL_MS), nothing extra with --json, the bundle's bytes the same either way; and the bundled
// verify/verify.mjs run alone prints the same plain progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDemoLedger, type DemoLedger } from './helpers.js';
import { listFiles } from '../../src/export/files.js';
import { PROGRESS_MARKER } from '../../src/core/progress.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
let demo: DemoLedger;
let work: string;
let keyPem: string;

const env = (extra: Record<string, string> = {}) => ({ ...process.env, VIGIL_LOG_LEVEL: 'warn', ...extra });
const exportTo = (out: string, extra: string[], e: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [BIN, '--data-dir', demo.dataDir, 'export', '--type', '2', '--from', '2025-03-01', '--to', '2025-03-03', '--sample-seed', 's1', '--out', out, ...extra], { encoding: 'utf8', env: e });

beforeAll(async () => {
  demo = await buildDemoLedger();
  work = mkdtempSync(join(tmpdir(), 'vigil-progress-cli-'));
  keyPem = join(work, 'trusted.pem');
  cpSync(join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem'), keyPem);
  // The first export may sign an export checkpoint; the bundles compared below are taken after it.
  expect(exportTo(join(work, 'warm'), ['--json'], env()).status).toBe(0);
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(demo.dataDir, { recursive: true, force: true });
});

describe('progress off a terminal', () => {
  it('export prints periodic plain progress lines on stderr, its result alone on stdout; --json prints only the JSON; the bundles are byte for byte the same', () => {
    const withProgress = exportTo(join(work, 'a'), [], env({ VIGIL_PROGRESS_INTERVAL_MS: '1' }));
    expect(withProgress.status, withProgress.stderr).toBe(0);
    expect(withProgress.stdout).toMatch(/^exported .*\n$/);
    const lines = withProgress.stderr.split('\n').filter(Boolean);
    // A phase shown at all ends with its complete line (a phase over before the first 1 ms tick is never shown, which is
    // the design: work shorter than the interval prints nothing); some phase is shown; no marker line leaks through.
    expect(lines.length).toBeGreaterThan(0);
    for (const phase of ['ledger', 'attachments', 'report']) {
      if (lines.some((l) => l.startsWith(`export: ${phase} `))) expect(lines.some((l) => new RegExp(`^export: ${phase} (\\d+)/\\1 `).test(l)), `${phase} in ${lines.join('\n')}`).toBe(true);
    }
    expect(lines.every((l) => l.startsWith('export: '))).toBe(true);
    expect(withProgress.stderr).not.toContain(PROGRESS_MARKER.trim());

    const json = exportTo(join(work, 'b'), ['--json'], env({ VIGIL_PROGRESS_INTERVAL_MS: '1' }));
    expect(json.status, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ out: join(work, 'b') });

    const files = listFiles(join(work, 'a'));
    expect(listFiles(join(work, 'b'))).toEqual(files);
    for (const f of files) expect(readFileSync(join(work, 'a', f)).equals(readFileSync(join(work, 'b', f))), f).toBe(true);
  }, 60_000);

  it('work shorter than the interval prints no progress line at all', () => {
    const r = exportTo(join(work, 'c'), [], env({ VIGIL_PROGRESS_INTERVAL_MS: '600000' }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  }, 60_000);

  it('verify prints periodic progress on stderr and nothing extra with --json; verify.mjs alone does the same', () => {
    const out = join(work, 'a');
    const v = spawnSync(process.execPath, [BIN, 'verify', out, '--trusted-key', keyPem], { encoding: 'utf8', env: env({ VIGIL_PROGRESS_INTERVAL_MS: '1' }) });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^bundle OK/);
    const lines = v.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const phase of ['checksums', 'leaves', 'attachments', 'report']) {
      if (lines.some((l) => l.startsWith(`verify: ${phase} `))) expect(lines.some((l) => new RegExp(`^verify: ${phase} (\\d+)/\\1 `).test(l)), `${phase} in ${lines.join('\n')}`).toBe(true);
    }
    expect(lines.every((l) => l.startsWith('verify: '))).toBe(true);

    const j = spawnSync(process.execPath, [BIN, 'verify', out, '--trusted-key', keyPem, '--json'], { encoding: 'utf8', env: env({ VIGIL_PROGRESS_INTERVAL_MS: '1' }) });
    expect(j.status).toBe(0);
    expect(j.stderr).toBe('');
    expect(JSON.parse(j.stdout).ok).toBe(true);

    // An auditor's run: the bundle's own verifier, no vigil around it.
    const alone = spawnSync(process.execPath, [join(out, 'verify', 'verify.mjs'), out, '--trusted-key', keyPem], { encoding: 'utf8', cwd: work, env: { PATH: process.env.PATH ?? '', VIGIL_PROGRESS_INTERVAL_MS: '1' } });
    expect(alone.status, alone.stderr).toBe(0);
    expect(alone.stdout).toMatch(/^bundle OK/);
    expect(alone.stderr).toMatch(/^verify: report (\d+)\/\1 leaves/m);
    expect(alone.stderr).not.toContain(PROGRESS_MARKER.trim());
  }, 60_000);

  it('ledger verify shows the self-check rebuild and the verification as periodic lines; --json prints only the JSON', () => {
    const run = (extra: string[]) => spawnSync(process.execPath, [BIN, '--data-dir', demo.dataDir, 'ledger', 'verify', ...extra], { encoding: 'utf8', env: env({ VIGIL_PROGRESS_INTERVAL_MS: '1' }) });
    const r = run([]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ledger OK/);
    expect(r.stderr).toMatch(/^ledger verify: self-check (\d+)\/\1 leaves/m);
    expect(r.stderr).toMatch(/^ledger verify: leaves (\d+)\/\1 leaves/m);
    const j = run(['--json']);
    expect(j.status).toBe(0);
    expect(j.stderr).toBe('');
    expect(JSON.parse(j.stdout).ok).toBe(true);
  }, 60_000);
});
