// Blobs at rest: compressed when it pays, named by the hash of their original bytes, readable from a v1 store, and a damaged row never served.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { SqliteEvidenceStore, SCHEMA_VERSION } from '../../src/ledger/sqlite-store.js';
import { PgEvidenceStore, PG_SCHEMA_VERSION } from '../../src/ledger/pg-store.js';
import { putBlob, sha256Hex, type EvidenceStore } from '../../src/ledger/store.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { AppError } from '../../src/core/errors.js';
import { TestClock, tempDir, connectTestPostgres, TEST_DATABASE_URL } from './helpers.js';

/** A results blob as the writer makes them: sorted JSON records with long repeated ids. */
function resultsLike(n: number): Buffer {
  const rs = Array.from({ length: n }, (_, i) => ({
    reason: i % 23 === 0 ? 'control not in place on this resource' : 'control in place',
    resourceId: `arn:aws:iam::123456789012:user/res-${String(i).padStart(6, '0')}`,
    ruleId: `aws.iam.rule_${i % 7}`,
    status: i % 23 === 0 ? 'fail' : 'pass',
  }));
  return Buffer.from(JSON.stringify(rs), 'utf8');
}

const dirs: Array<() => void> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d();
});
function freshDir(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t.dir;
}

async function expectCorrupt(p: Promise<unknown>, sha: string, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('LEDGER_BLOB_CORRUPT');
  expect((err as Error).message).toContain(sha);
  expect((err as Error).message).toMatch(pattern);
}

/** The blobs table as Vigil wrote it before compression (schema 1). */
const V1_BLOBS = `CREATE TABLE blobs(
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;`;

describe('SQLite blob store', () => {
  it('keeps a compressible blob brotli-compressed under the hash and size of its original bytes, and small or random ones as they are', async () => {
    const path = join(freshDir(), 'ledger.sqlite');
    const store = SqliteEvidenceStore.open({ path });
    const big = resultsLike(20_000);
    const small = Buffer.from('{"a":1}');
    const noise = randomBytes(64 * 1024);
    const put = await Promise.all([big, small, noise].map((b) => putBlob(store, b, 'application/json')));
    expect(put.map((p) => p.isNew)).toEqual([true, true, true]);
    expect(put[0]!.sha256).toBe(sha256Hex(big));
    for (const [i, b] of [big, small, noise].entries()) {
      const got = (await store.getBlob(put[i]!.sha256))!;
      expect(got.data.equals(b)).toBe(true);
      expect(got.record.size).toBe(b.length);
    }
    expect((await putBlob(store, big, 'application/json')).isNew).toBe(false);
    await store.close();

    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT sha256, encoding, size, length(data) AS stored FROM blobs').all() as Array<{ sha256: string; encoding: string; size: number; stored: number }>;
    db.close();
    const bySha = new Map(rows.map((r) => [r.sha256, r]));
    expect(bySha.get(put[0]!.sha256)).toMatchObject({ encoding: 'br', size: big.length });
    expect(bySha.get(put[0]!.sha256)!.stored).toBeLessThan(big.length / 20);
    expect(bySha.get(put[1]!.sha256)).toMatchObject({ encoding: 'identity', stored: small.length });
    expect(bySha.get(put[2]!.sha256)).toMatchObject({ encoding: 'identity', stored: noise.length });
  });

  it('upgrades a schema 1 file in place: old uncompressed rows still read, new ones compress; read-only opens read a v1 file without touching it', async () => {
    const path = join(freshDir(), 'ledger.sqlite');
    // A file as the first release wrote it: every table, version 1, one uncompressed blob.
    SqliteEvidenceStore.open({ path }).close();
    const old = resultsLike(5_000);
    const oldSha = sha256Hex(old);
    {
      const db = new Database(path);
      db.exec('DROP TABLE blobs');
      db.exec(V1_BLOBS);
      db.prepare('INSERT INTO blobs(sha256, media_type, size, data) VALUES (?, ?, ?, ?)').run(oldSha, 'application/json', old.length, old);
      db.pragma('user_version = 1');
      db.close();
    }
    const ro = SqliteEvidenceStore.open({ path, readOnly: true });
    expect((await ro.getBlob(oldSha))!.data.equals(old)).toBe(true);
    await ro.close();
    const version = (): number => {
      const db = new Database(path, { readonly: true });
      try {
        return db.pragma('user_version', { simple: true }) as number;
      } finally {
        db.close();
      }
    };
    expect(version()).toBe(1);

    const store = SqliteEvidenceStore.open({ path });
    expect(version()).toBe(SCHEMA_VERSION);
    expect((await store.getBlob(oldSha))!.data.equals(old)).toBe(true);
    const fresh = resultsLike(6_000);
    const p = await putBlob(store, fresh, 'application/json');
    expect((await store.getBlob(p.sha256))!.data.equals(fresh)).toBe(true);
    expect(store.restoredTriggers).toEqual(['blobs_no_update', 'blobs_no_delete']);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT sha256, encoding FROM blobs ORDER BY encoding').all()).toEqual([
      { sha256: p.sha256, encoding: 'br' },
      { sha256: oldSha, encoding: 'identity' },
    ]);
    db.close();
  });

  it('names a damaged compressed blob instead of serving it: bytes that do not decode, and bytes that decode to something else', async () => {
    const dir = freshDir();
    const clock = new TestClock();
    const ledger = await Ledger.open({ dataDir: dir, clock, origin: 'vigil.test/blobs' });
    const a = resultsLike(8_000);
    const b = resultsLike(8_001);
    const pa = await ledger.putBlob(a, 'application/json');
    const pb = await ledger.putBlob(b, 'application/json');
    expect(await ledger.verify()).toMatchObject({ ok: true, blobsChecked: 2 });
    await ledger.close();

    const db = new Database(join(dir, 'ledger.sqlite'));
    db.exec('DROP TRIGGER blobs_no_update');
    const stored = (db.prepare('SELECT data FROM blobs WHERE sha256 = ?').get(pa.sha256) as { data: Buffer }).data;
    const flipped = Buffer.from(stored);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    db.prepare('UPDATE blobs SET data = ? WHERE sha256 = ?').run(flipped, pa.sha256);
    // Valid brotli of other content, same claimed size: only the hash can tell.
    const other = Buffer.from(b);
    other[100] = other[100] === 0x61 ? 0x62 : 0x61;
    db.prepare('UPDATE blobs SET data = ? WHERE sha256 = ?').run(brotliCompressSync(other), pb.sha256);
    db.close();

    const store = SqliteEvidenceStore.open({ path: join(dir, 'ledger.sqlite'), readOnly: true });
    await expectCorrupt(store.getBlob(pa.sha256), pa.sha256, /cannot be decoded|no longer matches/);
    await expectCorrupt(store.getBlob(pb.sha256), pb.sha256, /no longer matches its hash/);
    await store.close();
    const again = await Ledger.open({ dataDir: dir, clock, readOnly: true });
    await expectCorrupt(again.getBlob(pb.sha256), pb.sha256, /no longer matches its hash/);
    // `vigil ledger verify` reads every blob back and names both, leaving the leaves' verdict alone.
    const report = await again.verify();
    expect(report.ok).toBe(false);
    expect(report.blobsChecked).toBe(2);
    expect(report.faults.map((f) => f.blob).sort()).toEqual([pa.sha256, pb.sha256].sort());
    expect(report.firstBadSeq).toBeUndefined();
    await again.close();
  });
});

const BASE_URL = TEST_DATABASE_URL;

describe('PostgreSQL blob store', () => {
  let admin: pg.Client;
  const schemas: string[] = [];
  const opened: EvidenceStore[] = [];
  beforeAll(async () => {
    admin = await connectTestPostgres();
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const s of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
  afterAll(async () => {
    await admin?.end();
  });
  async function open(schema: string, readOnly = false): Promise<PgEvidenceStore> {
    const u = new URL(BASE_URL);
    u.searchParams.set('schema', schema);
    const s = await PgEvidenceStore.open({ url: u.toString(), readOnly });
    opened.push(s);
    return s;
  }
  const fresh = (): string => {
    const s = `vigil_b_${randomBytes(6).toString('hex')}`;
    schemas.push(s);
    return s;
  };

  it('round-trips compressed and plain blobs, and names a damaged one', async () => {
    const schema = fresh();
    const store = await open(schema);
    const big = resultsLike(20_000);
    const small = Buffer.from('[]');
    const pBig = await putBlob(store, big, 'application/json');
    const pSmall = await putBlob(store, small, 'application/json');
    expect((await store.getBlob(pBig.sha256))!.data.equals(big)).toBe(true);
    expect((await store.getBlob(pSmall.sha256))!.data.equals(small)).toBe(true);
    const rows = (await admin.query<{ sha256: string; encoding: string; size: string; stored: number }>(`SELECT sha256, encoding, size, octet_length(data) AS stored FROM "${schema}".blobs`)).rows;
    const bySha = new Map(rows.map((r) => [r.sha256, r]));
    expect(bySha.get(pBig.sha256)).toMatchObject({ encoding: 'br', size: String(big.length) });
    expect(bySha.get(pBig.sha256)!.stored).toBeLessThan(big.length / 20);
    expect(bySha.get(pSmall.sha256)).toMatchObject({ encoding: 'identity' });

    await admin.query(`ALTER TABLE "${schema}".blobs DISABLE TRIGGER ALL`);
    await admin.query(`UPDATE "${schema}".blobs SET data = $1 WHERE sha256 = $2`, [randomBytes(200), pBig.sha256]);
    await expectCorrupt(store.getBlob(pBig.sha256), pBig.sha256, /cannot be decoded|no longer matches/);
  });

  it('upgrades a schema 1 ledger when it owns the tables; old rows read as they were', async () => {
    const schema = fresh();
    await (await open(schema)).close();
    opened.pop();
    const old = resultsLike(3_000);
    const oldSha = sha256Hex(old);
    await admin.query(`ALTER TABLE "${schema}".blobs DROP COLUMN encoding`);
    await admin.query(`COMMENT ON SCHEMA "${schema}" IS 'vigil-ledger schema 1'`);
    await admin.query(`INSERT INTO "${schema}".blobs(sha256, media_type, size, data) VALUES ($1, 'application/json', $2, $3)`, [oldSha, old.length, old]);

    const ro = await open(schema, true);
    expect(ro.blobEncoding).toBe(false);
    expect((await ro.getBlob(oldSha))!.data.equals(old)).toBe(true);

    const store = await open(schema);
    expect(store.blobEncoding).toBe(true);
    const marker = (await admin.query<{ d: string }>(`SELECT obj_description(oid, 'pg_namespace') AS d FROM pg_namespace WHERE nspname = $1`, [schema])).rows[0]!.d;
    expect(marker).toBe(`vigil-ledger schema ${PG_SCHEMA_VERSION}`);
    expect((await store.getBlob(oldSha))!.data.equals(old)).toBe(true);
    const next = resultsLike(4_000);
    const p = await putBlob(store, next, 'application/json');
    expect((await store.getBlob(p.sha256))!.data.equals(next)).toBe(true);
    const enc = (await admin.query<{ sha256: string; encoding: string }>(`SELECT sha256, encoding FROM "${schema}".blobs ORDER BY encoding`)).rows;
    expect(enc).toEqual([
      { sha256: p.sha256, encoding: 'br' },
      { sha256: oldSha, encoding: 'identity' },
    ]);
  });
});
