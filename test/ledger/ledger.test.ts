// The Ledger on real SQLite files: genesis, input checks, checkpoints, self-check, tamper detection, keys, read-only use.
// What every store must do (idempotency, paging, filters, blobs, a second writer) is in store-contract.ts, run on both backends.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, chmodSync, readdirSync } from 'node:fs';
import { createPublicKey, verify as edVerify } from 'node:crypto';
import { join } from 'node:path';
import { keyFingerprint } from '../../src/ledger/fingerprint.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { openCheckpoint, ed25519Verifier } from '../../src/ledger/note.js';
import { leafHash, rootOf } from '../../src/ledger/merkle.js';
import { evals, rawDb, tamperBody, tempDir, TestClock, OPEN_CATALOGUE } from './helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function fresh(opts: { origin?: string; clock?: TestClock } = {}) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const clock = opts.clock ?? new TestClock();
  const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, clock, origin: opts.origin });
  cleanups.push(() => ledger.close());
  return { dir: t.dir, clock, ledger };
}

describe('Ledger basics', () => {
  it('creates a genesis leaf, appends canonical bodies and verifies', async () => {
    const { ledger, dir } = await fresh({ origin: 'ledger.example.com/acme/prod' });
    expect(ledger.size()).toBe(1);
    const got = await ledger.append(evals(3));
    expect(got.map((g) => g.seq)).toEqual([1, 2, 3]);
    expect(got.every((g) => !g.duplicate && /^[0-9a-f]{64}$/.test(g.hash))).toBe(true);

    const all = [];
    for await (const l of ledger.leaves()) all.push(l);
    expect(all.map((l) => l.type)).toEqual(['ledger.genesis', 'evaluation', 'evaluation', 'evaluation']);
    expect(all[1]?.body.toString()).toBe(
      '{"idempotencyKey":"e-0","observedAt":"2025-03-14T10:00:00.000Z","resourceId":"r0","ruleId":"aws.iam.root_mfa_enabled","scope":"123456789012","seq":1,"source":"aws","status":"fail","type":"evaluation","v":1}',
    );
    // The tree is exactly RFC 6962 over the stored bytes.
    expect(ledger.rootHex()).toBe(rootOf(all.map((l) => leafHash(l.body))).toString('hex'));
    expect(all.map((l) => l.hash)).toEqual(all.map((l) => leafHash(l.body).toString('hex')));

    const genesis = JSON.parse(all[0]?.body.toString() ?? '{}') as Record<string, unknown>;
    expect(genesis.keyId).toBe(ledger.keyId);
    expect(genesis.vkey).toMatch(/^ledger\.example\.com\/acme\/prod\+[0-9a-f]{8}\+/);

    const cp = await ledger.checkpoint('hourly');
    expect(cp).not.toBeNull();
    expect(cp?.size).toBe(4);
    expect(cp?.root).toBe(ledger.rootHex());
    const lines = cp?.note.split('\n') ?? [];
    expect(lines.slice(0, 4)).toEqual(['ledger.example.com/acme/prod', '4', Buffer.from(ledger.rootHex(), 'hex').toString('base64'), '']);
    // A third party checks it with nothing but the public key file.
    const pub = createPublicKey(readFileSync(join(dir, 'keys', 'ledger-ed25519.pub.pem')));
    expect(openCheckpoint(cp?.note ?? '', [ed25519Verifier('ledger.example.com/acme/prod', pub)]).size).toBe(4);

    const report = await ledger.verify();
    const key = { keyId: ledger.keyId, fingerprint: keyFingerprint(pub) };
    expect(report).toEqual({ ok: true, size: 4, checkpointsChecked: 1, lastCheckpointSize: 4, uncoveredLeaves: 0, blobsChecked: 0, keys: { genesis: key, current: key, rotations: 0 }, faults: [] });
  });

  it('the default origin is vigil.local/<ledger id> and stays the same across opens', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const a = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir });
    expect(a.origin).toMatch(/^vigil\.local\/[0-9a-f]{16}$/);
    await a.close();
    const b = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir });
    expect(b.origin).toBe(a.origin);
    expect(b.keyId).toBe(a.keyId);
    await b.close();
    await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, origin: 'other.example' })).rejects.toMatchObject({ code: 'LEDGER_ORIGIN_MISMATCH', exitCode: 2 });
  });

  it('refuses bad input atomically, naming the input', async () => {
    const { ledger } = await fresh();
    await expect(ledger.append([...evals(1), { type: 'evaluation', data: { x: NaN } }])).rejects.toThrow(/leaf input 1\.x/);
    await expect(ledger.append([{ type: 'evaluation', data: { seq: 5 } }])).rejects.toThrow(/data\.seq is an envelope field/);
    await expect(ledger.append([{ type: 'ledger.genesis', data: {} }])).rejects.toThrow(/written only by the ledger/);
    await expect(ledger.append([{ type: 'bad type', data: {} }])).rejects.toThrow(/type must be/);
    expect(ledger.size()).toBe(1);
    expect(await ledger.seqOfKey('e-0')).toBeUndefined();
  });

  it('checkpoints only when the tree grew, and never at a smaller size', async () => {
    const { ledger } = await fresh();
    expect((await ledger.checkpoint('start'))?.size).toBe(1);
    expect(await ledger.checkpoint('hourly')).toBeNull();
    await ledger.append(evals(2));
    const cp = await ledger.checkpoint('hourly');
    expect(cp?.size).toBe(3);
    expect(await ledger.checkpoint('shutdown')).toBeNull();
    expect((await ledger.checkpoints()).map((c) => [c.size, c.reason])).toEqual([
      [1, 'start'],
      [3, 'hourly'],
    ]);
  });

  it('a leaf another process wrote with a wrong hash is refused, and nothing is appended', async () => {
    const { ledger, dir } = await fresh();
    const other = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: join(dir) });
    await other.append(evals(1, 'other'));
    await other.close();
    const db = rawDb(dir);
    db.exec('DROP TRIGGER leaves_no_update');
    db.prepare('UPDATE leaves SET leaf_hash = zeroblob(32) WHERE seq = 1').run();
    db.close();
    await expect(ledger.append(evals(3))).rejects.toMatchObject({ code: 'LEDGER_CONCURRENT_WRITER' });
    expect(ledger.size()).toBe(1);
  });

  it('seals a day once, with counts and the previous daily checkpoint', async () => {
    const clock = new TestClock(Date.parse('2025-03-14T10:00:00.000Z'));
    const { ledger } = await fresh({ clock });
    await ledger.append(evals(3));
    await expect(ledger.sealDay('2025-03-14')).rejects.toMatchObject({ code: 'LEDGER_DAY_NOT_OVER' });
    await expect(ledger.sealDay('2025-02-30')).rejects.toMatchObject({ code: 'LEDGER_BAD_DATE', exitCode: 2 });
    clock.t = Date.parse('2025-03-15T00:00:05.000Z');
    const cp1 = await ledger.sealDay('2025-03-14');
    expect(cp1?.reason).toBe('daily');
    expect(await ledger.sealDay('2025-03-14')).toBeNull();
    const sealed = await ledger.lastLeaf({ type: 'day.sealed' });
    expect(sealed?.body).toMatchObject({
      date: '2025-03-14',
      firstSeq: 0,
      lastSeq: 3,
      leafCount: 4,
      countsByType: { evaluation: 3, 'ledger.genesis': 1 },
      previousDayCheckpoint: null,
    });
    await ledger.append(evals(1, 'd2'));
    clock.t = Date.parse('2025-03-16T00:00:01.000Z');
    await ledger.sealDay('2025-03-15');
    expect((await ledger.lastLeaf({ type: 'day.sealed' }))?.body).toMatchObject({
      date: '2025-03-15',
      firstSeq: 4,
      previousDayCheckpoint: { size: cp1?.size, root: cp1?.root },
    });
    expect((await ledger.verify()).ok).toBe(true);
  });
});

describe('append-only storage and tamper detection', () => {
  it('triggers block a plain UPDATE or DELETE on every table', async () => {
    const { ledger, dir } = await fresh();
    await ledger.checkpoint('start');
    await ledger.putBlob(Buffer.from('b'), 'text/plain');
    const db = rawDb(dir);
    try {
      expect(() => db.prepare('UPDATE leaves SET type = ? WHERE seq = 0').run('x')).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM leaves WHERE seq = 0').run()).toThrow(/append-only/);
      expect(() => db.prepare('UPDATE checkpoints SET reason = ?').run('x')).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM checkpoints').run()).toThrow(/append-only/);
      expect(() => db.prepare('UPDATE blobs SET data = ?').run(Buffer.from('c'))).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM blobs').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM meta').run()).toThrow(/append-only/);
      expect(() => db.prepare("INSERT INTO checkpoints(size, root, note, reason, created_at, frontier) VALUES (0, zeroblob(32), '', '', '', x'')").run()).toThrow(
        /checkpoints must grow/,
      );
    } finally {
      db.close();
    }
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('a body edited by raw SQL is named by verify and by the next open, which then refuses to sign', async () => {
    const { ledger, dir, clock } = await fresh();
    await ledger.append(evals(10));
    await ledger.checkpoint('hourly');
    await ledger.close();

    tamperBody(dir, 6, (b) => Buffer.from(b.toString().replace('"status":"pass"', '"status":"fail"')));

    const logs: Array<Record<string, unknown>> = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (o: object | string) => void logs.push(o as Record<string, unknown>) };
    const reopened = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, clock, logger });
    cleanups.push(() => reopened.close());
    expect(reopened.alarm).toMatch(/first bad seq 6/);
    expect(logs[0]?.firstBadSeq).toBe(6);
    const alarmLeaf = await reopened.lastLeaf({ type: 'ledger.alarm' });
    expect(alarmLeaf?.body.firstBadSeq).toBe(6);
    await expect(reopened.checkpoint('hourly')).rejects.toMatchObject({ code: 'LEDGER_ALARM' });

    const report = await reopened.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(6);
    expect(report.faults[0]).toEqual({ seq: 6, message: 'leaf 6: body does not match its stored leaf hash' });
    expect(report.faults.some((f) => f.checkpointSize === 11)).toBe(true);
  });

  it('a body and its hash column rewritten together are caught by the checkpoint, naming the range', async () => {
    const { ledger, dir } = await fresh();
    await ledger.append(evals(4));
    await ledger.checkpoint('hourly'); // size 5
    await ledger.append(evals(4, 'x'));
    await ledger.checkpoint('hourly'); // size 9
    await ledger.close();
    const mutate = (b: Buffer) => Buffer.from(b.toString().replace('"r2"', '"r9"'));
    const db = rawDb(dir);
    const body = mutate(Buffer.from((db.prepare('SELECT body FROM leaves WHERE seq = 7').get() as { body: Buffer }).body));
    db.close();
    tamperBody(dir, 7, () => body, leafHash(body));

    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, readOnly: true });
    cleanups.push(() => ro.close());
    expect(ro.alarm).toMatch(/checkpoint signed at size 9/);
    const report = await ro.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(5);
    expect(report.faults).toEqual([
      { checkpointSize: 9, message: 'checkpoint 9: recomputed root differs; the leaves in seq 5..8 no longer match what was signed' },
    ]);
  });

  it('leaves deleted from the end (truncation) are detected against the signed size', async () => {
    const { ledger, dir } = await fresh();
    await ledger.append(evals(5));
    await ledger.checkpoint('hourly');
    await ledger.close();
    const db = rawDb(dir);
    db.exec('DROP TRIGGER leaves_no_delete');
    db.prepare('DELETE FROM leaves WHERE seq >= 4').run();
    db.close();
    const again = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir });
    cleanups.push(() => again.close());
    expect(again.alarm).toMatch(/covers 6 leaves but only 4 are stored/);
    // Appending now would give signed seqs new content.
    await expect(again.append(evals(1, 'late'))).rejects.toMatchObject({ code: 'LEDGER_ALARM' });
    await expect(again.checkpoint('hourly')).rejects.toMatchObject({ code: 'LEDGER_ALARM' });
    const report = await again.verify();
    expect(report.firstBadSeq).toBe(4);
    expect(report.ok).toBe(false);
  });

  it('a forged checkpoint signature is reported', async () => {
    const { ledger, dir } = await fresh();
    await ledger.checkpoint('start');
    await ledger.close();
    const db = rawDb(dir);
    db.exec('DROP TRIGGER checkpoints_no_update');
    const note = (db.prepare('SELECT note FROM checkpoints').get() as { note: string }).note;
    const forged = note.replace(/ (\S+)\n$/, (_m, b64: string) => {
      const raw = Buffer.from(b64, 'base64');
      raw[20] = (raw[20] as number) ^ 1;
      return ` ${raw.toString('base64')}\n`;
    });
    db.prepare('UPDATE checkpoints SET note = ?').run(forged);
    db.close();
    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, readOnly: true });
    cleanups.push(() => ro.close());
    expect(ro.alarm).toMatch(/does not verify/);
    const report = await ro.verify();
    expect(report.faults).toEqual([{ checkpointSize: 1, message: expect.stringMatching(/checkpoint 1: signature by .* does not verify/) }]);
  });

  it('restores dropped triggers on the next writable open', async () => {
    const { ledger, dir } = await fresh();
    await ledger.close();
    const db = rawDb(dir);
    db.exec('DROP TRIGGER leaves_no_delete');
    db.close();
    const warns: unknown[] = [];
    const again = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, logger: { debug() {}, info() {}, error() {}, warn: (o) => void warns.push(o) } });
    cleanups.push(() => again.close());
    expect(warns).toEqual([{ triggers: ['leaves_no_delete'] }]);
    const db2 = rawDb(dir);
    expect(() => db2.prepare('DELETE FROM leaves').run()).toThrow(/append-only/);
    db2.close();
  });
});

describe('keys and read-only use', () => {
  it('writes the private key 0600 in a 0700 dir, and refuses a group/world-readable key', async () => {
    const { ledger, dir } = await fresh();
    const key = join(dir, 'keys', 'ledger-ed25519.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(dir, 'keys', 'ledger-ed25519.pub.pem'), 'utf8')).toBe(ledger.publicKeyPem);
    expect(readdirSync(join(dir, 'keys')).sort()).toEqual(['ledger-ed25519.key', 'ledger-ed25519.pub.pem']);
    await ledger.close();
    chmodSync(key, 0o640);
    await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir })).rejects.toMatchObject({ code: 'LEDGER_KEY_PERMISSIONS', message: expect.stringContaining('mode 640') });
  });

  it('refuses to sign for an existing ledger with a missing key instead of making a new one', async () => {
    const { ledger, dir } = await fresh();
    await ledger.close();
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'keys'), { recursive: true });
    await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir })).rejects.toMatchObject({ code: 'LEDGER_KEY_MISSING' });
    expect(existsSync(join(dir, 'keys'))).toBe(false);
  });

  it('a role that signs no checkpoint opens an existing ledger with only its public key; the writer still needs the private key', async () => {
    const { ledger, dir, clock } = await fresh();
    await ledger.close();
    const { rmSync } = await import('node:fs');
    // A collect worker or serve on another host: the writer's public key copied, the signing key not.
    rmSync(join(dir, 'keys', 'ledger-ed25519.key'));
    for (const role of ['worker', 'api', 'exceptions'] as const) {
      const l = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, clock, role });
      const blob = await l.putBlob(Buffer.from(`artifact of ${role}`), 'text/plain');
      expect((await l.getBlob(blob.sha256))?.toString()).toBe(`artifact of ${role}`);
      await expect(l.checkpoint('start')).rejects.toMatchObject({ code: 'LEDGER_NO_SIGNING_KEY' });
      await l.close();
    }
    for (const role of ['writer', 'collect'] as const) {
      await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, clock, role })).rejects.toMatchObject({ code: 'LEDGER_KEY_MISSING', message: expect.stringContaining('signing key') });
    }
    // Without the public key too, it is refused, naming the file to copy; no key is made for an existing ledger.
    rmSync(join(dir, 'keys'), { recursive: true });
    await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, clock, role: 'worker' })).rejects.toMatchObject({ code: 'LEDGER_KEY_MISSING', message: expect.stringContaining('public key'), remediation: expect.stringContaining('ledger-ed25519.pub.pem') });
    expect(existsSync(join(dir, 'keys'))).toBe(false);
  });

  it('a collect worker or scheduler never creates a ledger: started before the writer, it is refused and makes no key', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, role: 'worker' })).rejects.toMatchObject({ code: 'LEDGER_NOT_FOUND', exitCode: 1, remediation: expect.stringContaining('start the writer') });
    expect(existsSync(join(t.dir, 'keys'))).toBe(false);
    // The writer then creates it, and the worker opens it.
    const writer = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir });
    await writer.close();
    const worker = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, role: 'worker' });
    expect(worker.size()).toBe(1);
    await worker.close();
  });

  it('a read-only open writes nothing and cannot append or sign', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    await expect(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, readOnly: true })).rejects.toMatchObject({ code: 'LEDGER_NOT_FOUND', exitCode: 2 });
    expect(readdirSync(t.dir)).toEqual([]);

    const w = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir });
    await w.append(evals(3));
    await w.checkpoint('shutdown');
    await w.close();
    const before = readFileSync(join(t.dir, 'ledger.sqlite'));
    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: t.dir, readOnly: true });
    expect(ro.alarm).toBeNull();
    expect((await ro.verify()).ok).toBe(true);
    await expect(ro.append(evals(1, 'z'))).rejects.toMatchObject({ code: 'LEDGER_READ_ONLY' });
    await expect(ro.checkpoint('manual')).rejects.toMatchObject({ code: 'LEDGER_READ_ONLY' });
    await ro.close();
    expect(readFileSync(join(t.dir, 'ledger.sqlite')).equals(before)).toBe(true);
  });

  it('the checkpoint signature verifies with the raw Ed25519 public key (as openssl pkeyutl would)', async () => {
    const { ledger } = await fresh();
    const cp = await ledger.checkpoint('manual');
    const [body, sigLine] = (cp?.note ?? '').split('\n\n');
    const blob = Buffer.from((sigLine ?? '').trim().split(' ')[2] ?? '', 'base64');
    expect(blob.subarray(0, 4).toString('hex')).toBe(ledger.keyId);
    expect(edVerify(null, Buffer.from(`${body}\n`), createPublicKey(ledger.publicKeyPem), blob.subarray(4))).toBe(true);
  });
});
