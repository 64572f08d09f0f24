// Witnessing end to end, as a user runs it: `vigil witness serve`, `vigil collect` twice configured with it, export,
// `vigil verify` with the auditor's fingerprint and the witness key → OK; a tampered or uncosigned bundle → named fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startAwsEmulator, demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { runVigil, VIGIL_BIN as BIN } from '../support/run-cli.js';

const vigil = runVigil;

describe('witness end to end (CLI)', () => {
  let emu: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;
  let witness: ChildProcess | undefined;
  let witnessVkey: string;
  let fingerprint: string;
  let bundle: string;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'vigil-witness-e2e-'));
    env = { AWS_ENDPOINT_URL: emu.url, AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1' };
    const base = 'dataDir: ./data\norigin: vigil.test/witnessed\nsources:\n  aws:\n    region: us-east-1\n';
    writeFileSync(join(dir, 'vigil.config.yaml'), base);
    // The company: a first collection creates the ledger; `vigil ledger key` gives the auditor its fingerprint and vkey.
    expect((await vigil(['collect', '--json'], { env, cwd: dir })).code).toBe(0);
    const key = JSON.parse((await vigil(['ledger', 'key', '--json'], { cwd: dir })).stdout) as { fingerprint: string; vkey: string; origin: string };
    fingerprint = key.fingerprint;
    // The auditor: a witness key and a witness serving this ledger's origin.
    const wkey = join(dir, 'witness.pem');
    const made = await vigil(['witness', 'key', '--key', wkey, '--new', '--name', 'witness.test/auditor']);
    expect(made.code, made.stderr).toBe(0);
    witnessVkey = made.stdout.trim();
    witness = spawn(process.execPath, [BIN, 'witness', 'serve', '--key', wkey, '--name', 'witness.test/auditor', '--listen', '127.0.0.1:0', '--state', join(dir, 'wstate'), '--origin', `${key.origin}=${key.vkey}`], {
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      witness!.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) res(m[1]!);
      });
      witness!.on('exit', (c) => rej(new Error(`witness exited ${c}: ${out}`)));
    });
    // The company points its agent at the witness and collects twice more.
    writeFileSync(join(dir, 'vigil.config.yaml'), `${base}witnesses:\n  - name: auditor\n    url: ${url}\n    key: ${witnessVkey}\n`);
    for (let i = 0; i < 2; i++) {
      const r = await vigil(['collect', '--json'], { env, cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
    bundle = join(dir, 'bundle');
    const x = await vigil(['export', '--type', '2', '--from', today, '--to', today, '--out', bundle], { cwd: dir });
    expect(x.code, x.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (witness && witness.exitCode === null) witness.kill('SIGTERM');
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records each cosignature as a witness.cosigned leaf, and the bundle carries them with their proofs', () => {
    const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true });
    const rows = db.prepare("SELECT body FROM leaves WHERE type = 'witness.cosigned' ORDER BY seq").all() as Array<{ body: Buffer }>;
    const cps = db.prepare('SELECT size FROM checkpoints ORDER BY size').all() as Array<{ size: number }>;
    db.close();
    const bodies = rows.map((r) => JSON.parse(r.body.toString()) as { witness: string; checkpointSize: number; cosignature: string });
    // Two collections: their start and shutdown checkpoints at least, each cosigned once, by the configured name.
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bodies.map((b) => b.witness))).toEqual(new Set(['auditor']));
    for (const b of bodies) {
      expect(cps.map((c) => c.size)).toContain(b.checkpointSize);
      expect(b.cosignature).toMatch(/^— witness\.test\/auditor /);
    }
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { witness?: { cosignatures: number; witnesses: string[]; files: string[] } };
    expect(manifest.witness?.witnesses).toEqual(['auditor']);
    expect(manifest.witness!.cosignatures).toBeGreaterThanOrEqual(2);
    const sums = readFileSync(join(bundle, 'SHA256SUMS'), 'utf8');
    for (const f of manifest.witness!.files) expect(sums).toContain(`  ${f}\n`);
    expect(manifest.witness!.files).toContain('ledger/witness/proofs.json');
    // README.txt tells the auditor to check them with the witness key taken from the witness, not the bundle
    expect(readFileSync(join(bundle, 'README.txt'), 'utf8')).toMatch(/\n5\. Witnesses\. This bundle carries \d+ cosignatures by auditor[\s\S]*--witness-key "\$WITNESS_KEY"/);
  });

  it('verify with the pinned fingerprint and the witness key: OK, saying the end checkpoint is cosigned', async () => {
    const r = await vigil(['verify', bundle, '--trusted-fingerprint', fingerprint, '--witness-key', witnessVkey]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^bundle OK: .*end checkpoint cosigned by 1 of the witness key\(s\) you gave.*\(auditor\)/);
  });

  it('without --witness-key the OK line counts the cosignatures and says they were not checked', async () => {
    const r = await vigil(['verify', bundle, '--trusted-fingerprint', fingerprint]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/witness cosignature\(s\) \(auditor\) carried but NOT checked: give --witness-key VKEY/);
  });

  it('a witness key that did not cosign (another witness) fails naming the end checkpoint; a bad quorum is exit 2', async () => {
    const other = join(dir, 'other.pem');
    const made = await vigil(['witness', 'key', '--key', other, '--new', '--name', 'witness.test/other']);
    const r = await vigil(['verify', bundle, '--witness-key', made.stdout.trim()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[WITNESS_NOT_COSIGNED\] ledger\/checkpoints\/\d+\.checkpoint: the slice's end checkpoint \(size \d+\) is not cosigned by 1 of the 1/);
    const q = await vigil(['verify', bundle, '--witness-key', witnessVkey, '--witness-quorum', '2']);
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/--witness-quorum must be a whole number from 1 to the 1 --witness-key given/);
    const bad = await vigil(['verify', bundle, '--witness-key', 'not-a-vkey']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--witness-key "not-a-vkey"/);
  });

  it('a tampered cosignature fails naming its checkpoint file', async () => {
    const copy = join(dir, 'tampered');
    cpSync(bundle, copy, { recursive: true });
    const file = join(copy, 'ledger', 'witness', 'cosignatures.json');
    const list = JSON.parse(readFileSync(file, 'utf8')) as Array<{ cosignature: string }>;
    // flip one byte of the signature part (base64), keeping it base64
    const last = list[list.length - 1]!;
    const sig = last.cosignature.split(' ');
    const b = Buffer.from(sig[2]!, 'base64');
    b.writeUInt8(b.readUInt8(b.length - 1) ^ 1, b.length - 1);
    last.cosignature = `${sig[0]} ${sig[1]} ${b.toString('base64')}`;
    writeFileSync(file, `${JSON.stringify(list, null, 2)}\n`);
    const r = await vigil(['verify', copy, '--witness-key', witnessVkey]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[FILE_MODIFIED\] ledger\/witness\/cosignatures\.json/);
    expect(r.stdout).toMatch(/\[WITNESS_BAD_COSIGNATURE\] ledger\/checkpoints\/\d+\.checkpoint/);
  });
});
