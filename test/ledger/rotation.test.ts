// Key rotation (rotation.ts, Ledger.rotateKey): the chain from the genesis key, forged rotations and unintroduced keys
// named by verify, and a rotation that crashes between any two steps finished (or never started) at the next open.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { ed25519Signer, ed25519Verifier } from '../../src/ledger/note.js';
import { rotationLeaf, rotationStatement } from '../../src/ledger/rotation.js';
import { archivedKeyPath, nextKeyPath } from '../../src/ledger/key-files.js';
import { ledgerKeyPaths } from '../../src/ledger/keys.js';
import { connectTestPostgres, tempDir, TestClock, OPEN_CATALOGUE, TEST_DATABASE_URL } from './helpers.js';
import { randomBytes } from 'node:crypto';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const by = { kind: 'local' as const, name: 'alice@host' };

async function fresh(): Promise<{ dir: string; open: () => Promise<Ledger<typeof OPEN_CATALOGUE>>; clock: TestClock }> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const clock = new TestClock(Date.parse('2026-01-01T00:00:00Z'));
  const open = async (): Promise<Ledger<typeof OPEN_CATALOGUE>> => {
    const l = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, clock });
    cleanups.push(() => l.close());
    return l;
  };
  return { dir, open, clock };
}

const fileFingerprint = (dir: string): string => keyFingerprint(readFileSync(ledgerKeyPaths(dir).publicKey, 'utf8'));

/** Makes the ledger sign with `key` from now on, as a thief holding only that key (and the database) would. */
function signWith(ledger: Ledger<typeof OPEN_CATALOGUE>, key: KeyObject): void {
  const l = ledger as unknown as { signer: unknown; verifier: unknown; signingKey: unknown };
  l.signer = ed25519Signer(ledger.origin, key);
  l.verifier = ed25519Verifier(ledger.origin, createPublicKey(key));
  l.signingKey = key;
}

const appendAsLedger = (ledger: Ledger<typeof OPEN_CATALOGUE>, input: unknown): Promise<Array<{ seq: number }>> =>
  (ledger as unknown as { appendNow(i: unknown[], a: string): Promise<Array<{ seq: number }>> }).appendNow([input], 'ledger');

describe('Ledger.rotateKey', () => {
  it('rotates, keeps writing under the new key, keeps the old key archived, and verifies from the genesis key', async () => {
    const { dir, open } = await fresh();
    const ledger = await open();
    await ledger.append([{ type: 'evaluation', data: { n: 1 } }]);
    await ledger.checkpoint('hourly');
    const genesisFp = fileFingerprint(dir);
    const r = await ledger.rotateKey(by);
    expect(r.from.fingerprint).toBe(genesisFp);
    expect(r.handover.size).toBe(r.seq + 1);
    expect(ledger.keyId).toBe(r.to.keyId);
    expect(fileFingerprint(dir)).toBe(r.to.fingerprint);
    expect(existsSync(archivedKeyPath(dir, r.from.keyId))).toBe(true);
    expect(existsSync(nextKeyPath(dir))).toBe(false);
    await ledger.append([{ type: 'evaluation', data: { n: 2 } }]);
    const after = await ledger.checkpoint('hourly');
    expect(after!.note).toContain(`— ${ledger.origin} `);
    const report = await ledger.verify();
    expect(report.faults).toEqual([]);
    expect(report.keys).toMatchObject({ genesis: { fingerprint: genesisFp }, current: { fingerprint: r.to.fingerprint }, rotations: 1 });
    // Every leaf is still provable, before and after the handover.
    for (let seq = 0; seq < after!.size; seq++) expect((await ledger.proveLeaf(seq)).ok).toBe(true);
    await ledger.close();
    const again = await open();
    expect(again.alarm).toBeNull();
    expect(again.keyId).toBe(r.to.keyId);
    await again.append([{ type: 'evaluation', data: { n: 3 } }]);
    expect(await again.checkpoint('hourly')).not.toBeNull();
    // A second rotation chains from the first.
    const r2 = await again.rotateKey(by);
    expect(r2.from.keyId).toBe(r.to.keyId);
    expect((await again.verify()).keys?.rotations).toBe(2);
  });

  it.each([
    ['next-key', 0],
    ['leaf', 1],
    ['handover', 1],
  ] as const)('a crash after step %s: the next open leaves the ledger with %i rotation(s) done and verifiable', async (step, rotations) => {
    const { dir, open } = await fresh();
    const ledger = await open();
    const genesisKeyId = ledger.keyId;
    await expect(
      ledger.rotateKey(by, {
        afterStep: (s) => {
          if (s === step) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    await ledger.close();
    const again = await open();
    expect(again.alarm).toBeNull();
    const chain = again.keyChain();
    expect(chain.rotations.length).toBe(rotations);
    expect(chain.rotations.every((x) => x.handoverSize !== undefined)).toBe(true);
    expect(again.keyId === genesisKeyId).toBe(rotations === 0);
    expect(fileFingerprint(dir)).toBe(chain.current.fingerprint);
    await again.append([{ type: 'evaluation', data: { after: step } }]);
    await again.checkpoint('hourly');
    expect((await again.verify()).faults).toEqual([]);
    // And the ledger can rotate again afterwards (a stale next key from step 1 is simply replaced).
    await again.rotateKey(by);
    expect((await again.verify()).faults).toEqual([]);
  });
});

describe('verify names a key the chain did not introduce', () => {
  it('a rotation without the old key\'s signature: ROTATION_BAD_SIGNATURE, and the new key\'s checkpoints KEY_NOT_INTRODUCED', async () => {
    const { open, clock } = await fresh();
    const ledger = await open();
    const thief = generateKeyPairSync('ed25519').privateKey;
    const stranger = generateKeyPairSync('ed25519').privateKey;
    // The thief signs "the old key's" half with a key of its own: the statement is well formed, the signature is not the old key's.
    const forged = rotationLeaf({ origin: ledger.origin, oldKey: stranger, newKey: thief, rotatedAt: clock.now().toISOString(), by });
    const real = ledger.keyChain().current;
    Object.assign(forged.data, { oldKeyId: real.keyId, oldFingerprint: real.fingerprint, oldPublicKey: real.raw.toString('base64') });
    await appendAsLedger(ledger, forged);
    signWith(ledger, thief);
    await ledger.append([{ type: 'evaluation', data: { n: 1 } }]);
    await ledger.checkpoint('hourly');
    const report = await ledger.verify();
    expect(report.ok).toBe(false);
    const codes = report.faults.map((f) => f.code);
    expect(codes).toContain('ROTATION_BAD_SIGNATURE');
    expect(codes).toContain('KEY_NOT_INTRODUCED');
    expect(report.faults.find((f) => f.code === 'ROTATION_BAD_SIGNATURE')?.message).toContain('not signed by the old key');
  });

  it('a rotation signed only by the new key (its signature standing in for the old key\'s) is refused the same way', async () => {
    const { open, clock } = await fresh();
    const ledger = await open();
    const thief = generateKeyPairSync('ed25519').privateKey;
    const real = ledger.keyChain().current;
    const forged = rotationLeaf({ origin: ledger.origin, oldKey: thief, newKey: thief, rotatedAt: clock.now().toISOString(), by });
    // The statement names the real old key; the new key signs it, and its signature stands in for the old key's too.
    Object.assign(forged.data, { oldKeyId: real.keyId, oldFingerprint: real.fingerprint, oldPublicKey: real.raw.toString('base64') });
    const sig = sign(null, rotationStatement(forged.data), thief).toString('base64');
    Object.assign(forged.data, { oldSignature: sig, newSignature: sig });
    await appendAsLedger(ledger, forged);
    const report = await ledger.verify();
    expect(report.faults.map((f) => f.code)).toContain('ROTATION_BAD_SIGNATURE');
    // The startup self-check raises the alarm too: a writer never signs on top of it.
    await ledger.close();
    const again = await open();
    expect(again.alarm).toContain('ROTATION_BAD_SIGNATURE');
  });

  it('a checkpoint signed by a key no rotation introduced: KEY_NOT_INTRODUCED', async () => {
    const { open } = await fresh();
    const ledger = await open();
    await ledger.append([{ type: 'evaluation', data: { n: 1 } }]);
    await ledger.checkpoint('hourly');
    signWith(ledger, generateKeyPairSync('ed25519').privateKey);
    await ledger.append([{ type: 'evaluation', data: { n: 2 } }]);
    const cp = await ledger.checkpoint('hourly');
    const report = await ledger.verify();
    const f = report.faults.find((x) => x.code === 'KEY_NOT_INTRODUCED' && x.checkpointSize !== undefined);
    expect(f?.checkpointSize).toBe(cp!.size);
  });

  it('after a rotation, a checkpoint signed by the retired key is KEY_NOT_ACTIVE', async () => {
    const { dir, open } = await fresh();
    const ledger = await open();
    const r = await ledger.rotateKey(by);
    const { createPrivateKey } = await import('node:crypto');
    signWith(ledger, createPrivateKey(readFileSync(archivedKeyPath(dir, r.from.keyId))));
    await ledger.append([{ type: 'evaluation', data: { n: 2 } }]);
    await ledger.checkpoint('hourly');
    expect((await ledger.verify()).faults.map((f) => f.code)).toContain('KEY_NOT_ACTIVE');
  });
});

describe('the key in keys/', () => {
  it('a key the chain never introduced is named by verify and raises the alarm; a writer cannot sign with it', async () => {
    const { dir, open } = await fresh();
    const ledger = await open();
    await ledger.append([{ type: 'evaluation', data: { n: 1 } }]);
    await ledger.checkpoint('hourly');
    await ledger.close();
    const stranger = generateKeyPairSync('ed25519');
    const paths = ledgerKeyPaths(dir);
    writeFileSync(paths.privateKey, stranger.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(paths.publicKey, stranger.publicKey.export({ format: 'pem', type: 'spki' }));
    await expect(open()).rejects.toThrow(/LEDGER_KEY_MISSING|no key file/);
    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, readOnly: true });
    cleanups.push(() => ro.close());
    expect(ro.alarm).toContain('KEY_NOT_INTRODUCED');
    const report = await ro.verify();
    expect(report.ok).toBe(false);
    expect(report.faults.find((f) => f.code === 'KEY_NOT_INTRODUCED')?.message).toContain('the ledger key in keys/');
  });
});

describe('key files', () => {
  it('the archived key is private (0600) and the public key file names the new key', async () => {
    const { dir, open } = await fresh();
    const ledger = await open();
    const r = await ledger.rotateKey(by);
    if (process.platform !== 'win32') {
      const { statSync } = await import('node:fs');
      expect(statSync(archivedKeyPath(dir, r.from.keyId)).mode & 0o777).toBe(0o600);
      expect(statSync(ledgerKeyPaths(dir).privateKey).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dir, 'keys', 'ledger-ed25519.pub.pem'), 'utf8')).toBe(ledger.publicKeyPem);
  });
});

describe('rotation on a PostgreSQL store', () => {
  it('rotates, reopens under the new key and verifies (keys stay in the data dir)', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const schema = `vigil_t_${randomBytes(6).toString('hex')}`;
    const u = new URL(TEST_DATABASE_URL);
    u.searchParams.set('schema', schema);
    const admin = await connectTestPostgres();
    cleanups.push(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: u.toString(), origin: 'vigil.test/pgrot' });
    await ledger.append([{ type: 'evaluation', data: { n: 1 } }]);
    const r = await ledger.rotateKey(by);
    await ledger.close();
    const again = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: u.toString() });
    cleanups.push(() => again.close());
    expect(again.alarm).toBeNull();
    expect(again.keyId).toBe(r.to.keyId);
    await again.append([{ type: 'evaluation', data: { n: 2 } }]);
    await again.checkpoint('hourly');
    const report = await again.verify();
    expect(report.faults).toEqual([]);
    expect(report.keys?.rotations).toBe(1);
  });
});
