// Bundles from a ledger whose key was rotated: ledger/key-chain.json carries every rotation (even one before the
// period), verify walks from the pinned key, and a rotation without the old key's signature or a checkpoint signed by a
// key no rotation introduced is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildDemoLedger, FRAMEWORK, type DemoLedger } from './helpers.js';
import { exportBundle } from '../../src/export/bundle.js';
import { verifyBundle } from '../../src/verify/verify-bundle.js';
import { formatVerification } from '../../src/verify/standalone.js';
import { listFiles, manifestNoteText, sha256File } from '../../src/export/files.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { ed25519Signer, formatCheckpoint, parseCheckpoint, parseSignedNote, signNote } from '../../src/ledger/note.js';
import { rotationStatement, type RotationData } from '../../src/ledger/rotation.js';
import { silentLogger } from '../../src/core/collector.js';
import type { KeyChainFile } from '../../src/export/key-chain-file.js';

let demo: DemoLedger;
let work: string;
let after: string;
let spanning: string;
let genesisFp: string;
let keys: string[];
const ORIGIN = 'vigil.test/export';

beforeAll(async () => {
  demo = await buildDemoLedger({ days: 4, rotateAt: ['2025-03-02T03:00:00.000Z', '2025-03-03T06:00:00.000Z'] });
  work = mkdtempSync(join(tmpdir(), 'vigil-rotation-'));
  after = join(work, 'after');
  spanning = join(work, 'spanning');
  // Both rotations are before this period: the bundle must still carry them for a pin of the genesis key.
  await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-04', to: '2025-03-04', framework: FRAMEWORK, out: after, clock: demo.clock, logger: silentLogger });
  await exportBundle({ dataDir: demo.dataDir, type: 2, from: '2025-03-01', to: '2025-03-04', framework: FRAMEWORK, out: spanning, clock: demo.clock, logger: silentLogger });
  const chain = JSON.parse(readFileSync(join(after, 'ledger', 'key-chain.json'), 'utf8')) as KeyChainFile;
  genesisFp = chain.genesisKey.fingerprint;
  keys = [genesisFp, ...chain.rotations.map((r) => (JSON.parse(r.leaf) as RotationData).newFingerprint)];
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(demo.dataDir, { recursive: true, force: true });
});

/** Rewrites SHA256SUMS and re-signs manifest.note with `key`, as someone holding that key would after editing a bundle. */
function resign(dir: string, key: KeyObject): void {
  const files = listFiles(dir).filter((f) => f !== 'SHA256SUMS' && f !== 'manifest.note');
  writeFileSync(join(dir, 'SHA256SUMS'), files.map((f) => `${sha256File(join(dir, f))}  ${f}\n`).join(''));
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { report: { start: string; end: string }; tree: { startSize: number; endSize: number } };
  const text = manifestNoteText({ origin: ORIGIN, start: m.report.start, end: m.report.end, startSize: m.tree.startSize, endSize: m.tree.endSize, sumsSha256: sha256File(join(dir, 'SHA256SUMS')) });
  writeFileSync(join(dir, 'manifest.note'), signNote(text, [ed25519Signer(ORIGIN, key)]));
}

const currentKey = (): KeyObject => createPrivateKey(readFileSync(join(demo.dataDir, 'keys', 'ledger-ed25519.key')));

describe('export and verify across key rotations', () => {
  it('carries both rotations, made before the period, and verifies with the genesis key pinned: OK names the current key and 2 rotations', async () => {
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    const r = await verifyBundle(after, { trustedFingerprint: genesisFp });
    expect(r.faults).toEqual([]);
    expect(r.key).toMatchObject({ fingerprint: keys[2], pinnedBy: 'trusted-fingerprint', chain: { rotations: 2, pinnedFingerprint: genesisFp, rotationsFromPin: 2 } });
    const ok = formatVerification(r).split('\n')[0]!;
    expect(ok).toContain(`signed by ${keys[2]}`);
    expect(ok).toContain(`reached by 2 rotation(s) from the key you pinned with --trusted-fingerprint (${genesisFp})`);
  });

  it('a period spanning both rotations verifies, each checkpoint with the key active at its size; a pin of a later key verifies too', async () => {
    expect((await verifyBundle(spanning, { trustedFingerprint: genesisFp })).faults).toEqual([]);
    const r = await verifyBundle(spanning, { trustedFingerprint: keys[1]! });
    expect(r.faults).toEqual([]);
    expect(r.key?.chain?.rotationsFromPin).toBe(1);
  });

  it('without a pin: OK, with a warning naming the genesis key the chain starts from', async () => {
    const r = await verifyBundle(after);
    expect(r.ok).toBe(true);
    expect(r.warnings.join('\n')).toContain(`genesis key ${genesisFp} through 2 rotation(s)`);
  });

  it('a pin that is no key of the chain: KEY_NOT_PINNED', async () => {
    const stranger = keyFingerprint(generateKeyPairSync('ed25519').publicKey);
    const r = await verifyBundle(after, { trustedFingerprint: stranger });
    expect(r.faults.map((f) => f.code)).toContain('KEY_NOT_PINNED');
  });

  it('a rotation without the old key\'s signature is named ROTATION_BAD_SIGNATURE', async () => {
    const dir = join(work, 'forged-rotation');
    cpSync(after, dir, { recursive: true });
    const file = join(dir, 'ledger', 'key-chain.json');
    const chain = JSON.parse(readFileSync(file, 'utf8')) as KeyChainFile;
    const thief = generateKeyPairSync('ed25519').privateKey;
    const leaf = JSON.parse(chain.rotations[1]!.leaf) as RotationData & Record<string, unknown>;
    leaf.oldSignature = sign(null, rotationStatement(leaf), thief).toString('base64');
    chain.rotations[1]!.leaf = JSON.stringify(leaf);
    writeFileSync(file, JSON.stringify(chain));
    resign(dir, currentKey());
    const r = await verifyBundle(dir, { trustedFingerprint: genesisFp });
    expect(r.ok).toBe(false);
    const f = r.faults.find((x) => x.code === 'ROTATION_BAD_SIGNATURE');
    expect(f?.message).toContain('not signed by the old key');
    // The chain stops at the key before the forged rotation: the newest key's checkpoints are then not introduced.
    expect(r.faults.map((x) => x.code)).toContain('KEY_NOT_INTRODUCED');
  });

  it('a key chain file that drops a rotation of the slice: ROTATION_NOT_IN_CHAIN and the later key KEY_NOT_INTRODUCED', async () => {
    const dir = join(work, 'dropped-rotation');
    cpSync(spanning, dir, { recursive: true });
    const file = join(dir, 'ledger', 'key-chain.json');
    const chain = JSON.parse(readFileSync(file, 'utf8')) as KeyChainFile;
    chain.rotations.pop();
    writeFileSync(file, JSON.stringify(chain));
    resign(dir, currentKey());
    const codes = (await verifyBundle(dir, { trustedFingerprint: genesisFp })).faults.map((f) => f.code);
    expect(codes).toContain('ROTATION_NOT_IN_CHAIN');
    expect(codes).toContain('KEY_NOT_INTRODUCED');
  });

  it('a checkpoint signed by a key no rotation introduced is named KEY_NOT_INTRODUCED', async () => {
    const dir = join(work, 'foreign-checkpoint');
    cpSync(after, dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tree: { endSize: number } };
    const cpFile = join(dir, 'ledger', 'checkpoints', `${m.tree.endSize}.checkpoint`);
    const body = parseCheckpoint(parseSignedNote(readFileSync(cpFile, 'utf8')).text);
    const thief = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(cpFile, signNote(formatCheckpoint(body), [ed25519Signer(ORIGIN, thief)]));
    resign(dir, currentKey());
    const r = await verifyBundle(dir, { trustedFingerprint: genesisFp });
    const f = r.faults.find((x) => x.code === 'KEY_NOT_INTRODUCED');
    expect(f?.file).toBe(`ledger/checkpoints/${m.tree.endSize}.checkpoint`);
  });
});

describe("the README's steps on a rotated bundle", () => {
  /** README.txt's commands (indented by five spaces), in bash with `set -euo pipefail`, as an auditor runs them. */
  const runReadme = (bundle: string, fp: string): { status: number | null; out: string } => {
    const commands = readFileSync(join(bundle, 'README.txt'), 'utf8').split('\n').filter((l) => /^ {5}\S/.test(l)).map((l) => l.slice(5));
    const r = spawnSync('bash', ['-c', `set -euo pipefail\n${commands.join('\n')}`], { cwd: bundle, encoding: 'utf8', env: { ...process.env, FP: fp, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` } });
    return { status: r.status, out: r.stdout + r.stderr };
  };

  it('pass with the genesis fingerprint (step 2 finds it in the chain) and fail with a key not in the chain', () => {
    expect(readFileSync(join(after, 'README.txt'), 'utf8')).toContain('rotated 2 time(s)');
    const ok = runReadme(after, genesisFp);
    expect(ok.status, ok.out).toBe(0);
    expect(ok.out).toContain('your key is in the chain');
    const bad = runReadme(after, keyFingerprint(generateKeyPairSync('ed25519').publicKey));
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain("YOUR KEY IS NOT IN THIS BUNDLE'S KEY CHAIN");
  }, 60_000);
});
