// README.txt's steps run as an auditor runs them (bash, sha256sum, gzip, openssl, node): they pass on an intact bundle, write nothing into it, and fail on an own-key forgery unless the auditor's fingerprint is the forger's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { listFiles } from '../../src/export/files.js';
import { silentLogger } from '../../src/core/collector.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
let real: DemoLedger;
let forger: DemoLedger;
let work: string;
let intact: string;
let forged: string;

/** What `vigil ledger key --json` prints for a data dir. */
function ledgerKey(dataDir: string): { origin: string; keyId: string; fingerprint: string; publicKeyPem: string } {
  const r = spawnSync(process.execPath, [BIN, '--data-dir', dataDir, 'ledger', 'key', '--json'], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Runs every command of README.txt (the lines indented by exactly five spaces), in order, in bash with `set -euo pipefail`. */
function runReadme(bundle: string, fp: string): { status: number | null; out: string } {
  const commands = readFileSync(join(bundle, 'README.txt'), 'utf8').split('\n').filter((l) => /^ {5}\S/.test(l)).map((l) => l.slice(5));
  expect(commands.length).toBeGreaterThanOrEqual(9);
  const r = spawnSync('bash', ['-c', `set -euo pipefail\n${commands.join('\n')}`], {
    cwd: bundle,
    encoding: 'utf8',
    env: { ...process.env, FP: fp, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Every file of a folder with its size and mtime: what "nothing written" is checked against. */
const snapshot = (dir: string): string[] => listFiles(dir).map((f) => `${f} ${statSync(join(dir, f)).size} ${statSync(join(dir, f)).mtimeMs}`);

beforeAll(async () => {
  real = await buildDemoLedger({ days: 2 });
  // The forger: the same kind of evidence, from a ledger with a freshly generated key (every signature valid).
  forger = await buildDemoLedger({ days: 2 });
  work = mkdtempSync(join(tmpdir(), 'vigil-readme-'));
  intact = join(work, 'intact');
  forged = join(work, 'forged');
  for (const [d, out] of [[real, intact], [forger, forged]] as const) {
    await exportBundle({ dataDir: d.dataDir, type: 2, from: '2025-03-01', to: '2025-03-02', framework: FRAMEWORK, out, clock: d.clock, logger: silentLogger });
  }
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  for (const d of [real, forger]) rmSync(d.dataDir, { recursive: true, force: true });
});

describe("README.txt's steps", () => {
  it('vigil ledger key prints origin, key id, PEM and a fingerprint an auditor can recompute with openssl and sha256sum', () => {
    const k = ledgerKey(real.dataDir);
    expect(k.origin).toBe('vigil.test/export');
    expect(k.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(k.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(k.fingerprint).toMatch(/^SHA256:[0-9a-f]{64}$/);
    const r = spawnSync('bash', ['-c', 'openssl pkey -pubin -outform DER | sha256sum | cut -c1-64'], { input: k.publicKeyPem, encoding: 'utf8' });
    expect(`SHA256:${r.stdout.trim()}`).toBe(k.fingerprint);
    const text = spawnSync(process.execPath, [BIN, '--data-dir', real.dataDir, 'ledger', 'key'], { encoding: 'utf8' }).stdout;
    expect(text).toContain(`fingerprint  ${k.fingerprint}`);
    expect(ledgerKey(forger.dataDir).fingerprint).not.toBe(k.fingerprint);
    // `vigil ledger verify` names the full fingerprint too, not only the 4-byte key id.
    const v = spawnSync(process.execPath, [BIN, '--data-dir', real.dataDir, 'ledger', 'verify'], { encoding: 'utf8' });
    expect(v.stdout).toContain(`key ${k.keyId}, ${k.fingerprint})`);
  }, 30_000);

  it('pass on an intact bundle with the fingerprint recorded out of band, and write nothing into it', () => {
    const before = snapshot(intact);
    const r = runReadme(intact, ledgerKey(real.dataDir).fingerprint);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('key fingerprint matches');
    expect(r.out).toContain('Signature Verified Successfully');
    expect(r.out).toContain('SHA256SUMS is the signed one');
    expect(r.out).toContain('bundle OK');
    expect(r.out).toContain('the key you pinned with --trusted-fingerprint');
    expect(snapshot(intact)).toEqual(before);
  }, 60_000);

  it('fail on an own-key forgery at the fingerprint step, though every signature in it is valid', () => {
    const r = runReadme(forged, ledgerKey(real.dataDir).fingerprint);
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toContain('KEY FINGERPRINT DIFFERS');
    expect(r.out).not.toContain('bundle OK');
    // Skipping that step does not help: the verifier pinned to the auditor's fingerprint names the forgery.
    const v = spawnSync(process.execPath, [join(forged, 'verify/verify.mjs'), forged, '--trusted-fingerprint', ledgerKey(real.dataDir).fingerprint], { encoding: 'utf8' });
    expect(v.status).toBe(1);
    expect(v.stdout).toContain('KEY_NOT_PINNED');
  }, 60_000);

  it("pass on the forgery only when the auditor's fingerprint is the forger's key", () => {
    const r = runReadme(forged, ledgerKey(forger.dataDir).fingerprint);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('bundle OK');
  }, 60_000);
});
