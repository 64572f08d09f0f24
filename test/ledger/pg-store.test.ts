// PostgreSQL evidence store on a real server: schema layout, append-only guards, roles, tampering, racing writers, the CLI.
// What every store must do (idempotency, paging, filters, blobs, a second writer) is in store-contract.ts, run on both backends.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Ledger } from '../../src/ledger/ledger.js';
import { PgEvidenceStore, redactDatabaseUrl } from '../../src/ledger/pg-store.js';
import { leafHash } from '../../src/ledger/merkle.js';
import type { StoredLeaf } from '../../src/ledger/store.js';
import { AppError } from '../../src/core/errors.js';
import { startAwsEmulator, demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { TestClock, tempDir, connectTestPostgres, TEST_DATABASE_URL, OPEN_CATALOGUE } from './helpers.js';

const BASE_URL = TEST_DATABASE_URL;

let admin: pg.Client;
const schemas: string[] = [];
const roles: string[] = [];
const dirs: Array<() => void> = [];

function withParam(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

function asUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
}

/** A schema name no other test uses; dropped after the test. */
function freshSchema(): { schema: string; url: string } {
  const schema = `vigil_t_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return { schema, url: withParam(BASE_URL, 'schema', schema) };
}

function freshDir(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t.dir;
}

async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  return (await admin.query<R>(text, params)).rows;
}

async function expectRejects(p: Promise<unknown>, pattern: RegExp): Promise<unknown> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected rejection matching ${pattern}`).toBeDefined();
  expect(String((err as Error).message)).toMatch(pattern);
  return err;
}

beforeAll(async () => {
  admin = await connectTestPostgres();
});

afterEach(async () => {
  for (const s of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  for (const r of roles.splice(0)) await admin.query(`DROP ROLE IF EXISTS "${r}"`);
  for (const d of dirs.splice(0)) d();
});

afterAll(async () => {
  await admin?.end();
});

describe('Ledger over PostgreSQL', () => {
  it('creates the schema, appends canonical bodies, checkpoints, verifies and reopens the same tree', async () => {
    const { url, schema } = freshSchema();
    const dir = freshDir();
    const clock = new TestClock();
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url, clock, origin: 'vigil.test/pg' });
    const out = await ledger.append([
      { type: 'run', source: 'aws', scope: '123', idempotencyKey: 'run:aws:123:1', data: { n: 1, text: 'é ✓ "quoted" \\ back' } },
      { type: 'change', source: 'aws', scope: '123', data: { from: null, to: 'fail' } },
    ]);
    expect(out.map((o) => o.seq)).toEqual([1, 2]);
    const cp = await ledger.checkpoint('manual');
    expect(cp?.size).toBe(3);
    const root = ledger.rootHex();
    expect((await ledger.verify()).ok).toBe(true);
    await ledger.close();

    // The tables are where the URL said, and the bodies are the exact bytes that were hashed.
    const rows = await sql<{ seq: number; body: Buffer; leaf_hash: Buffer }>(`SELECT seq::int AS seq, body, leaf_hash FROM "${schema}".leaves ORDER BY seq`);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(leafHash(r.body).equals(r.leaf_hash)).toBe(true);
    expect(rows[1]!.body.toString('utf8')).toContain('"text":"é ✓ \\"quoted\\" \\\\ back"');

    const again = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url, clock });
    expect(again.alarm).toBeNull();
    expect(again.origin).toBe('vigil.test/pg');
    expect(again.size()).toBe(3);
    expect(again.rootHex()).toBe(root);
    await again.append([{ type: 'heartbeat', data: {} }]);
    clock.advance(1000);
    expect((await again.checkpoint('hourly'))?.size).toBe(4);
    expect((await again.lastLeaf({ type: 'run', source: 'aws', scope: '123' }))?.seq).toBe(1);
    await again.close();

    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url, readOnly: true });
    const report = await ro.verify();
    expect(report).toMatchObject({ ok: true, size: 4, checkpointsChecked: 2 });
    await expectRejects(ro.append([{ type: 'x', data: {} }]), /read-only/);
    await ro.close();
  });
});

describe('append-only guards in PostgreSQL', () => {
  it('triggers block UPDATE, DELETE and TRUNCATE on every table, even with session_replication_role = replica', async () => {
    const { url, schema } = freshSchema();
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: freshDir(), databaseUrl: url });
    await ledger.append([{ type: 'x', data: {} }]);
    await ledger.checkpoint('manual');
    await ledger.putBlob(Buffer.from('blob'), 'text/plain');
    await ledger.close();
    const q = (t: string) => `"${schema}".${t}`;
    const attempts = [
      `UPDATE ${q('leaves')} SET type = 'y'`,
      `DELETE FROM ${q('leaves')} WHERE seq = 1`,
      `TRUNCATE ${q('leaves')}`,
      `UPDATE ${q('meta')} SET value = 'other'`,
      `DELETE FROM ${q('meta')}`,
      `TRUNCATE ${q('meta')}`,
      `UPDATE ${q('checkpoints')} SET reason = 'x'`,
      `DELETE FROM ${q('checkpoints')}`,
      `TRUNCATE ${q('checkpoints')}`,
      `UPDATE ${q('blobs')} SET data = 'x'`,
      `DELETE FROM ${q('blobs')}`,
      `TRUNCATE ${q('blobs')}`,
    ];
    for (const replica of [false, true]) {
      for (const stmt of attempts) {
        await admin.query('BEGIN');
        try {
          if (replica) await admin.query('SET LOCAL session_replication_role = replica');
          await expectRejects(admin.query(stmt), /append-only: \w+ rows are never (updated|deleted|truncated)/);
        } finally {
          await admin.query('ROLLBACK');
        }
      }
    }
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${q('leaves')}`))[0]!.n).toBe(2);
    // A checkpoint smaller than the last one is refused by the database itself.
    const store = await PgEvidenceStore.open({ url });
    const last = (await store.lastCheckpoint())!;
    await expectRejects(store.addCheckpoint({ ...last, size: last.size - 1 }), /checkpoints must grow/);
    await store.close();
  });

  it('a writer role can INSERT and SELECT but is denied UPDATE/DELETE/TRUNCATE; a reader role only reads', async () => {
    const { url, schema } = freshSchema();
    const tag = randomBytes(4).toString('hex');
    const [ownerRole, writer, reader] = [`vigil_o_${tag}`, `vigil_w_${tag}`, `vigil_r_${tag}`];
    roles.push(writer, reader, ownerRole);
    // As docs/ledger.md says: an administrator creates the roles and the schema; the owner role migrates and grants.
    for (const r of [ownerRole, writer, reader]) await sql(`CREATE ROLE "${r}" LOGIN`);
    await sql(`CREATE SCHEMA "${schema}" AUTHORIZATION "${ownerRole}"`);
    const owner = await PgEvidenceStore.open({ url: asUser(url, ownerRole), grants: { writer, reader } });
    expect(owner.ownsTables).toBe(true);
    await owner.close();
    const dir = freshDir();
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: asUser(url, writer) });
    await ledger.append([{ type: 'x', data: { a: 1 } }]);
    expect(await ledger.checkpoint('manual')).not.toBeNull();
    await ledger.putBlob(Buffer.from('evidence'), 'text/plain');
    await ledger.close();

    const w = new pg.Client({ connectionString: asUser(BASE_URL, writer) });
    await w.connect();
    try {
      for (const stmt of [`UPDATE "${schema}".leaves SET type = 'y'`, `DELETE FROM "${schema}".blobs`, `TRUNCATE "${schema}".checkpoints`, `ALTER TABLE "${schema}".leaves DISABLE TRIGGER ALL`]) {
        await expectRejects(w.query(stmt), /permission denied|must be owner/);
      }
      await expectRejects(w.query('SET session_replication_role = replica'), /permission denied/);
    } finally {
      await w.end();
    }
    const asWriter = await PgEvidenceStore.open({ url: asUser(url, writer) });
    expect(asWriter.ownsTables).toBe(false);
    await asWriter.close();

    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: asUser(url, reader), readOnly: true });
    expect((await ro.verify()).ok).toBe(true);
    await ro.close();
    const r = new pg.Client({ connectionString: asUser(BASE_URL, reader) });
    await r.connect();
    try {
      await expectRejects(r.query(`INSERT INTO "${schema}".meta(key, value) VALUES ('x', 'y')`), /permission denied/);
    } finally {
      await r.end();
    }
    await sql(`DROP SCHEMA "${schema}" CASCADE`);
    await sql(`DROP OWNED BY "${writer}", "${reader}", "${ownerRole}"`);
  });

  it('a body changed by raw SQL (trigger disabled) is named by verify and by the next open, which refuses to sign and restores the trigger', async () => {
    const { url, schema } = freshSchema();
    const dir = freshDir();
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url });
    await ledger.append([
      { type: 'run', data: { outcome: 'complete' } },
      { type: 'run', data: { outcome: 'complete' } },
    ]);
    await ledger.checkpoint('manual');
    await ledger.close();

    await sql(`ALTER TABLE "${schema}".leaves DISABLE TRIGGER leaves_no_update_delete`);
    await sql(`UPDATE "${schema}".leaves SET body = convert_to(replace(convert_from(body, 'UTF8'), 'complete', 'completE'), 'UTF8') WHERE seq = 2`);

    const ro = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url, readOnly: true });
    const report = await ro.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(2);
    expect(report.faults.some((f) => f.seq === 2)).toBe(true);
    await ro.close();

    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: unknown) => void warnings.push(o) };
    const reopened = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url, logger });
    expect(reopened.alarm).toMatch(/first bad seq 2/);
    expect(warnings).toContainEqual({ triggers: ['leaves_no_update_delete'] });
    await expectRejects(reopened.checkpoint('manual'), /refusing to sign/);
    expect((await reopened.lastLeaf({ type: 'ledger.alarm' }))?.body.message).toMatch(/leaf 2 body does not match/);
    await reopened.close();
    const enabled = await sql<{ tgenabled: string }>(
      `SELECT tgenabled FROM pg_trigger WHERE tgname = 'leaves_no_update_delete' AND tgrelid = '"${schema}".leaves'::regclass`,
    );
    expect(enabled).toEqual([{ tgenabled: 'A' }]);
  });

  it('leaves deleted from the end are detected against the signed size and nothing more is appended', async () => {
    const { url, schema } = freshSchema();
    const dir = freshDir();
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url });
    await ledger.append([{ type: 'x', data: { a: 1 } }, { type: 'x', data: { a: 2 } }]);
    await ledger.checkpoint('manual');
    await ledger.close();
    await sql(`ALTER TABLE "${schema}".leaves DISABLE TRIGGER leaves_no_update_delete`);
    await sql(`DELETE FROM "${schema}".leaves WHERE seq = 2`);
    const reopened = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: dir, databaseUrl: url });
    expect(reopened.alarm).toMatch(/truncated/);
    await expectRejects(reopened.append([{ type: 'x', data: {} }]), /refusing to append/);
    await reopened.close();
  });
});

describe('two writers on one PostgreSQL ledger', () => {
  it('racing appends of the same seq: exactly one commits, the other gets LEDGER_CONCURRENT_WRITER, and no seq is lost', async () => {
    const { url } = freshSchema();
    const ledger = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: freshDir(), databaseUrl: url });
    await ledger.close();
    const a = await PgEvidenceStore.open({ url });
    const b = await PgEvidenceStore.open({ url });
    const leaf = (seq: number, tag: string): StoredLeaf => {
      const body = Buffer.from(JSON.stringify({ seq, tag }));
      return { seq, leafHash: leafHash(body), body, type: 'x', observedAt: '2025-03-14T10:00:00.000Z', idempotencyKey: `${tag}:${seq}`, source: null, scope: null };
    };
    for (let round = 0; round < 5; round++) {
      const seq = await a.leafCount();
      const results = await Promise.allSettled([a.appendLeaves([leaf(seq, 'a'), leaf(seq + 1, 'a')]), b.appendLeaves([leaf(seq, 'b')])]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect((failed[0]!.reason as AppError).code).toBe('LEDGER_CONCURRENT_WRITER');
    }
    // A rolled-back append leaves no hole: seqs stay 0..n-1.
    const seqs: number[] = [];
    for await (const l of a.leafHashes()) seqs.push(l.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    await expectRejects(a.appendLeaves([leaf(seqs.length + 1, 'gap')]), /another writer/);
    await a.close();
    await b.close();
  });
});

describe('opening PostgreSQL stores', () => {
  it('an unreachable server is one clear error that never shows the password', async () => {
    const secret = 'hunter2-very-secret';
    const err = (await expectRejects(PgEvidenceStore.open({ url: `postgres://vigil:${secret}@127.0.0.1:1/evidence?sslmode=disable` }), /cannot reach PostgreSQL/)) as AppError;
    expect(err.code).toBe('LEDGER_DB_UNAVAILABLE');
    expect(err.message).not.toContain(secret);
    expect(err.message).toContain('vigil:***@127.0.0.1:1');
    expect(redactDatabaseUrl(`postgresql://u:${secret}@h/db?password=${secret}`)).not.toContain(secret);
  });

  it("honours the URL's sslmode: TLS is used when the server offers it, and required TLS fails loudly when it does not", async () => {
    const { url } = freshSchema();
    const serverSsl = (await sql<{ ssl: string }>('SHOW ssl'))[0]!.ssl;
    if (serverSsl === 'on') {
      const store = await PgEvidenceStore.open({ url: withParam(url, 'sslmode', 'no-verify') });
      const probe = await (store as unknown as { pool: pg.Pool }).pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(probe.rows[0]).toEqual({ ssl: true });
      await store.close();
    } else {
      const err = (await expectRejects(PgEvidenceStore.open({ url: withParam(url, 'sslmode', 'no-verify') }), /does not support SSL/)) as AppError;
      expect(err).toBeInstanceOf(AppError);
    }
  });

  it('refuses bad URLs and schema names as usage errors, and a schema holding foreign tables', async () => {
    await expectRejects(PgEvidenceStore.open({ url: 'mysql://u@h/db' }), /must start with postgres/);
    await expectRejects(PgEvidenceStore.open({ url: withParam(BASE_URL, 'schema', 'Bad-Name') }), /schema name/);
    const { url, schema } = freshSchema();
    await sql(`CREATE SCHEMA "${schema}"`);
    await sql(`CREATE TABLE "${schema}".customers(id int)`);
    const err = (await expectRejects(PgEvidenceStore.open({ url }), /not a Vigil ledger/)) as AppError;
    expect(err.exitCode).toBe(2);
  });

  it('a read-only open of a missing ledger fails and creates nothing; a read-only store cannot write even by SQL', async () => {
    const { url, schema } = freshSchema();
    const err = (await expectRejects(Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: freshDir(), databaseUrl: url, readOnly: true }), /no initialized Vigil ledger/)) as AppError;
    expect(err.exitCode).toBe(2);
    expect(await sql(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])).toEqual([]);
    const w = await Ledger.open({ catalogue: OPEN_CATALOGUE, dataDir: freshDir(), databaseUrl: url });
    await w.close();
    const ro = await PgEvidenceStore.open({ url, readOnly: true });
    await expectRejects(ro.initMeta('x', 'y'), /read-only/);
    // The session itself is read-only in the server, so a bug that bypassed our checks would still write nothing.
    const probe = await (ro as unknown as { pool: pg.Pool }).pool.query('SHOW default_transaction_read_only');
    expect(probe.rows[0]).toEqual({ default_transaction_read_only: 'on' });
    await ro.close();
  });
});

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

function vigil(args: string[], opts: { env: Record<string, string>; cwd: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('the CLI with DATABASE_URL', () => {
  let emu: AwsEmulator;
  beforeAll(async () => {
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('collect, status, ledger verify and export run against PostgreSQL; a tampered leaf makes verify exit 1', async () => {
    const { url, schema } = freshSchema();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-cli-'));
    dirs.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/pg-cli\nsources:\n  aws:\n    region: us-east-1\n');
    const env = {
      DATABASE_URL: url,
      AWS_ENDPOINT_URL: emu.url,
      AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL',
      AWS_SECRET_ACCESS_KEY: 'test-only',
      AWS_REGION: 'us-east-1',
    };
    const c = await vigil(['collect', '--json'], { env, cwd: dir });
    expect(c.stderr).not.toMatch(/\n\s+at /);
    expect(c.code).toBe(0);
    const out = JSON.parse(c.stdout) as { runs: unknown[]; results: Array<{ status: string }> };
    expect(out.runs).toHaveLength(1);
    expect(out.results.some((r) => r.status === 'fail')).toBe(true);
    // The evidence went to PostgreSQL, not to a SQLite file in the data dir.
    const runs = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".leaves WHERE type = 'run'`);
    expect(runs[0]!.n).toBe(1);
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".blobs`))[0]!.n).toBeGreaterThan(0);

    const v = await vigil(['ledger', 'verify'], { env, cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/ledger OK/);

    const s = await vigil(['status', '--json'], { env, cwd: dir });
    expect(s.code).toBe(0);
    const status = JSON.parse(s.stdout) as { runs: Array<{ source: string }>; criteria: Array<{ id: string; fail: number }> };
    expect(status.runs.map((r) => r.source)).toEqual(['aws']);
    expect(status.criteria.find((x) => x.id === 'CC6.1')!.fail).toBeGreaterThan(0);

    // An auditor bundle straight from the PostgreSQL ledger, through the export worker; it verifies offline.
    const [first] = await sql<{ at: string }>(`SELECT observed_at AS at FROM "${schema}".leaves ORDER BY seq LIMIT 1`);
    const fromDay = first!.at.slice(0, 10);
    const bundleDir = join(dir, 'bundle');
    const x = await vigil(['export', '--type', '2', '--from', fromDay, '--to', new Date().toISOString().slice(0, 10), '--out', bundleDir, '--json'], { env, cwd: dir });
    expect(x.code, x.stderr).toBe(0);
    expect((JSON.parse(x.stdout) as { leaves: number }).leaves).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'data', 'ledger.sqlite'))).toBe(false);
    const xv = await vigil(['verify', bundleDir], { env, cwd: dir });
    expect(xv.code, xv.stdout).toBe(0);
    expect(xv.stdout).toMatch(/bundle OK/);

    const [run] = await sql<{ seq: number }>(`SELECT seq::int AS seq FROM "${schema}".leaves WHERE type = 'run'`);
    await sql(`ALTER TABLE "${schema}".leaves DISABLE TRIGGER leaves_no_update_delete`);
    await sql(`UPDATE "${schema}".leaves SET body = convert_to(replace(convert_from(body, 'UTF8'), '"outcome":"complete"', '"outcome":"completE"'), 'UTF8') WHERE seq = $1`, [run!.seq]);
    const bad = await vigil(['ledger', 'verify'], { env, cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`first bad leaf: #${run!.seq}`);

    const missing = await vigil(['status'], { env: { ...env, DATABASE_URL: withParam(BASE_URL, 'schema', `vigil_t_absent_${randomBytes(3).toString('hex')}`) }, cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no initialized Vigil ledger/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 90_000); // a whole AWS collection, status, verify and export through PostgreSQL: 30 s is too tight on a loaded 2-core machine
});
