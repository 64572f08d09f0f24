// `vigil ledger rotate-key` as an operator runs it: refused (exit 1, naming the holder) while a writer holds the lock,
// exit 2 for a bad option or a data dir without a ledger, exit 0 rotating; then `ledger verify`, `ledger key`, an export
// and `vigil verify` pinned to the genesis fingerprint all agree, and a forged chain makes `vigil verify` exit 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Ledger } from '../../src/ledger/ledger.js';
import { acquireFileLock } from '../../src/ledger/writer-lock.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { runVigil } from '../support/vigil-cli.js';

describe('vigil ledger rotate-key (CLI)', () => {
  let dir: string;
  let data: string;
  let genesisFp: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-rotate-cli-'));
    data = join(dir, 'data');
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/rotate\n');
    const ledger = await Ledger.open({ dataDir: data, origin: 'vigil.test/rotate' });
    await ledger.append([{ type: 'agent.started', data: { version: '0.1.0', roles: ['writer'] } }]);
    await ledger.checkpoint('start');
    await ledger.close();
    genesisFp = keyFingerprint(readFileSync(join(data, 'keys', 'ledger-ed25519.pub.pem'), 'utf8'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 2 for a bad option and for a data dir without a ledger, changing nothing', async () => {
    const bad = await runVigil(['ledger', 'rotate-key', '--frobnicate'], dir);
    expect(bad.code).toBe(2);
    const none = await runVigil(['--data-dir', join(dir, 'nothing-here'), 'ledger', 'rotate-key'], dir);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toContain('no ledger at');
    expect(none.stderr).not.toMatch(/\n\s+at /);
    expect(keyFingerprint(readFileSync(join(data, 'keys', 'ledger-ed25519.pub.pem'), 'utf8'))).toBe(genesisFp);
  }, 30_000);

  it('exit 1 while a writer holds the lock, naming it; the key is unchanged', async () => {
    const lock = acquireFileLock({ dataDir: data, command: 'vigil run' });
    try {
      const r = await runVigil(['ledger', 'rotate-key'], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('vigil run');
    } finally {
      await lock.release();
    }
    expect(keyFingerprint(readFileSync(join(data, 'keys', 'ledger-ed25519.pub.pem'), 'utf8'))).toBe(genesisFp);
  }, 30_000);

  it('rotates (exit 0); ledger verify, ledger key, export and verify pinned to the genesis key agree; a forged chain exits 1', async () => {
    const r = await runVigil(['ledger', 'rotate-key', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { from: { fingerprint: string }; to: { fingerprint: string; vkey: string }; by: string };
    expect(out.from.fingerprint).toBe(genesisFp);
    expect(out.to.fingerprint).not.toBe(genesisFp);
    expect(out.by).toMatch(/^local:/);
    expect(out.to.vkey).toMatch(/^vigil\.test\/rotate\+[0-9a-f]{8}\+/);

    const v = await runVigil(['ledger', 'verify'], dir);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain(`${out.to.fingerprint}, reached by 1 rotation(s) from the genesis key ${genesisFp}`);
    const k = await runVigil(['ledger', 'key', '--json'], dir);
    expect(JSON.parse(k.stdout)).toMatchObject({ fingerprint: out.to.fingerprint, genesisFingerprint: genesisFp, rotations: 1 });

    // The writer carries on under the new key: the slice's end checkpoint is the new key's.
    const ledger = await Ledger.open({ dataDir: data });
    expect(ledger.keyId).toBe((JSON.parse(k.stdout) as { keyId: string }).keyId);
    await ledger.append([{ type: 'heartbeat', data: { uptimeSeconds: 60 } }]);
    await ledger.checkpoint('hourly');
    await ledger.close();
    const today = new Date().toISOString().slice(0, 10);
    const bundle = join(dir, 'bundle');
    const ex = await runVigil(['export', '--type', '2', '--from', today, '--to', today, '--out', bundle], dir);
    expect(ex.code, ex.stderr).toBe(0);
    const ok = await runVigil(['verify', bundle, '--trusted-fingerprint', genesisFp], dir);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`reached by 1 rotation(s) from the key you pinned with --trusted-fingerprint (${genesisFp})`);

    // The bundle's own verifier (verify/verify.mjs, no Vigil install) agrees.
    const standalone = spawnSync(process.execPath, [join(bundle, 'verify', 'verify.mjs'), bundle, '--trusted-fingerprint', genesisFp], { encoding: 'utf8' });
    expect(standalone.status, standalone.stdout + standalone.stderr).toBe(0);
    expect(standalone.stdout).toContain('reached by 1 rotation(s)');

    // The chain's rotation leaf loses the old key's signature (SHA256SUMS no longer matches either: both are named).
    const chainFile = join(bundle, 'ledger', 'key-chain.json');
    const chain = JSON.parse(readFileSync(chainFile, 'utf8')) as { rotations: Array<{ leaf: string }> };
    const leaf = JSON.parse(chain.rotations[0]!.leaf) as { oldSignature: string; newSignature: string };
    leaf.oldSignature = leaf.newSignature;
    chain.rotations[0]!.leaf = JSON.stringify(leaf);
    writeFileSync(chainFile, JSON.stringify(chain));
    const bad = await runVigil(['verify', bundle, '--trusted-fingerprint', genesisFp], dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('[ROTATION_BAD_SIGNATURE]');
  }, 90_000);
});
