// What `vigil verify` says and how: the OK line (type, period, origin, counts, full key fingerprint), pins and --require-pin, the genesis key, and output through a pipe never cut.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { listFiles, manifestNoteText } from '../../src/export/files.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { ed25519Signer, signNote } from '../../src/ledger/note.js';
import { silentLogger } from '../../src/core/collector.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
let demo: DemoLedger;
let work: string;
let bundle: string;
let genesisBundle: string;
let fp: string;
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  demo = await buildDemoLedger({ days: 2 });
  work = mkdtempSync(join(tmpdir(), 'vigil-verify-out-'));
  bundle = join(work, 'b');
  await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-02', framework: FRAMEWORK, out: bundle, clock: demo.clock, logger: silentLogger });
  fp = keyFingerprint(readFileSync(join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem'), 'utf8'));
  // A ledger whose first checkpoint comes after the period start: the slice starts at genesis (seq 0).
  const late = await buildDemoLedger({ startIso: '2025-03-01T02:00:00.000Z', days: 1 });
  genesisBundle = join(work, 'genesis');
  await exportBundle({ dataDir: late.dataDir, type: 2, from: '2025-03-01', to: '2025-03-01', framework: FRAMEWORK, out: genesisBundle, clock: late.clock, logger: silentLogger });
  rmSync(late.dataDir, { recursive: true, force: true });
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(demo.dataDir, { recursive: true, force: true });
});

const vigil = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });

describe('vigil verify: the OK line and pins', () => {
  it('the OK line states type, period, origin, leaves, checkpoints and the full fingerprint, and that a pin was used', () => {
    const r = vigil(['verify', bundle, '--trusted-fingerprint', fp]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^bundle OK: Type 2, 2025-03-01 to 2025-03-02 \(UTC\) = \[2025-03-01T00:00:00\.000Z, 2025-03-03T00:00:00\.000Z\), origin vigil\.test\/export: \d+ leaves, \d+ signed checkpoints/);
    const ok = r.stdout.split('\n')[0]!;
    expect(ok).toContain(`; signed by ${fp} (key id `);
    expect(ok).toMatch(/the key you pinned with --trusted-fingerprint$/);
    expect(r.stdout).not.toContain('warning');
  }, 30_000);

  it('without a pin the OK line names the fingerprint that signed and says the evidence is only as trustworthy as that key', () => {
    const r = vigil(['verify', bundle]);
    expect(r.status).toBe(0);
    const ok = r.stdout.split('\n')[0]!;
    expect(ok).toMatch(/^bundle OK: Type 2, /);
    expect(ok).toContain(`signed by ${fp}`);
    expect(ok).toContain('NOT pinned — the evidence is only as trustworthy as that key');
  }, 30_000);

  it('a fingerprint in bare hex or upper case is the same pin; another fingerprint fails with KEY_NOT_PINNED (exit 1)', async () => {
    expect((await verifyBundle(bundle, { trustedFingerprint: fp.slice(7).toUpperCase() })).ok).toBe(true);
    const other = keyFingerprint(generateKeyPairSync('ed25519').publicKey);
    const r = await verifyBundle(bundle, { trustedFingerprint: other });
    expect(r.ok).toBe(false);
    expect(r.faults).toEqual([expect.objectContaining({ code: 'KEY_NOT_PINNED' })]);
    expect(r.faults[0]!.message).toContain(fp);
    expect(r.faults[0]!.message).toContain(other);
    const cli = vigil(['verify', bundle, '--trusted-fingerprint', other]);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('KEY_NOT_PINNED');
  }, 30_000);

  it('--require-pin without a pin, a malformed fingerprint, or both pins are usage errors (exit 2, nothing verified)', () => {
    for (const args of [['--require-pin'], ['--trusted-fingerprint', 'SHA256:abc'], ['--trusted-fingerprint', fp, '--trusted-key', join(demo.dataDir, 'keys', 'ledger-ed25519.pub.pem')]]) {
      const r = vigil(['verify', bundle, ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/--require-pin|--trusted-fingerprint|not both/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(vigil(['verify', bundle, '--require-pin', '--trusted-fingerprint', fp]).status).toBe(0);
  }, 30_000);
});

describe('vigil verify: a slice from genesis', () => {
  it('starts at seq 0 and verifies when the genesis leaf names the signing key', async () => {
    const m = JSON.parse(readFileSync(join(genesisBundle, 'manifest.json'), 'utf8'));
    expect(m.tree.startSize).toBe(0);
    const r = await verifyBundle(genesisBundle);
    expect(r.faults).toEqual([]);
  });

  it('a bundle whose checkpoints and manifest are re-signed with another key fails with GENESIS_KEY, even unpinned', async () => {
    const dir = join(work, 'genesis-resigned');
    cpSync(genesisBundle, dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const k2 = generateKeyPairSync('ed25519');
    const signer = ed25519Signer(m.origin, k2.privateKey);
    for (const f of readdirSync(join(dir, 'ledger/checkpoints'))) {
      const p = join(dir, 'ledger/checkpoints', f);
      const body = readFileSync(p, 'utf8').split('\n\n')[0]! + '\n';
      writeFileSync(p, signNote(body, [signer]));
    }
    unlinkSync(join(dir, `keys/ledger-${m.keyId}.pub.pem`));
    unlinkSync(join(dir, 'keys/ledger-keys.json'));
    m.keyId = signer.keyId.toString('hex');
    writeFileSync(join(dir, `keys/ledger-${m.keyId}.pub.pem`), k2.publicKey.export({ format: 'pem', type: 'spki' }));
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
    const files = listFiles(dir).filter((f) => f !== 'SHA256SUMS' && f !== 'manifest.note');
    writeFileSync(join(dir, 'SHA256SUMS'), files.map((f) => `${sha(join(dir, f))}  ${f}\n`).join(''));
    const text = manifestNoteText({ origin: m.origin, start: m.report.start, end: m.report.end, startSize: m.tree.startSize, endSize: m.tree.endSize, sumsSha256: sha(join(dir, 'SHA256SUMS')) });
    writeFileSync(join(dir, 'manifest.note'), signNote(text, [signer]));
    const r = await verifyBundle(dir);
    expect(r.ok).toBe(false);
    // The genesis leaf names the original key; and report.html's integrity statement still names its fingerprint.
    expect(r.faults).toEqual([
      expect.objectContaining({ code: 'GENESIS_KEY', seq: 0 }),
      expect.objectContaining({ code: 'INTEGRITY_STATEMENT', file: 'manifest.json', message: expect.stringContaining('report.integrity.keyFingerprint') }),
    ]);
  });
});

describe('vigil verify through a pipe', () => {
  it('thousands of faults, text and --json, through `| cat`: nothing cut', () => {
    const dir = join(work, 'many-faults');
    cpSync(bundle, dir, { recursive: true });
    const n = 3000;
    mkdirSync(join(dir, 'extra'));
    for (let i = 0; i < n; i++) writeFileSync(join(dir, 'extra', `unlisted-evidence-file-with-a-rather-long-name-to-fill-the-pipe-${String(i).padStart(5, '0')}.txt`), 'x');
    const viaPipe = (args: string) => spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" verify "${dir}" ${args} | cat`], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
    const text = viaPipe('');
    expect(text.status).toBe(1);
    expect(text.stdout.length).toBeGreaterThan(65_536);
    expect(text.stdout).toMatch(/^bundle FAILED verification: 3000 fault\(s\)\n/);
    expect(text.stdout.split('\n').filter((l) => l.includes('[UNLISTED_FILE]'))).toHaveLength(500);
    expect(text.stdout).toMatch(/ {2}… and 2500 more fault\(s\) not listed\n(.*warning.*\n)*$/);
    const json = viaPipe('--json');
    expect(json.status).toBe(1);
    expect(json.stdout.length).toBeGreaterThan(65_536);
    const r = JSON.parse(json.stdout);
    expect(r.faults).toHaveLength(500);
    expect(r.omittedFaults).toBe(n - 500);
    // The bundled verifier alone, too.
    const alone = spawnSync('bash', ['-c', `"${process.execPath}" "${join(dir, 'verify/verify.mjs')}" "${dir}" --json | cat`], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(JSON.parse(alone.stdout).omittedFaults).toBe(n - 500);
  }, 120_000);
});
