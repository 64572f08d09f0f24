// PostgreSQL intake benchmark: Ledger.append over PgEvidenceStore against bare multi-row inserts of the same bytes, in a throwaway schema.
// Run: npm run bench -- ledger-append-pg [--leaves 100000] [--batch 1000]   (DATABASE_URL or TEST_DATABASE_URL names the server)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Ledger } from '../../src/ledger/ledger.js';
import { inputs, num, peakRssBytes, sample } from './_ledger-append-common.js';
import { redactDatabaseUrl } from '../../src/ledger/pg-store.js';

export async function main(argv: string[]): Promise<void> {
  const total = num(argv, 'leaves', 100_000);
  const batch = num(argv, 'batch', 1000);
  const base = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `vigil_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect().catch((e: Error) => {
    process.stderr.write(`cannot reach PostgreSQL at ${redactDatabaseUrl(base)}: ${e.message}\n`);
    process.exit(2);
  });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ledger-pg-bench-'));
  try {
    // Baseline: the same JSON bytes straight into an equivalent table, one multi-row INSERT per batch.
    await admin.query(`CREATE SCHEMA ${schema}_raw`);
    await admin.query(`CREATE TABLE ${schema}_raw.leaves(seq bigint PRIMARY KEY, body bytea NOT NULL, type text NOT NULL, idempotency_key text UNIQUE, source text, scope text)`);
    let t0 = performance.now();
    for (let s = 0; s < total; s += batch) {
      const rows = inputs(s, Math.min(batch, total - s));
      await admin.query(`INSERT INTO ${schema}_raw.leaves SELECT * FROM unnest($1::int8[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::text[])`, [
        rows.map((_, i) => s + i),
        rows.map((r) => Buffer.from(JSON.stringify(r.data))),
        rows.map((r) => r.type),
        rows.map((r) => r.idempotencyKey),
        rows.map((r) => r.source),
        rows.map((r) => r.scope),
      ]);
      sample();
    }
    const rawMs = performance.now() - t0;

    const ledger = await Ledger.open({ dataDir: dir, databaseUrl: url.toString() });
    t0 = performance.now();
    for (let s = 0; s < total; s += batch) {
      await ledger.append(inputs(s, Math.min(batch, total - s)));
      sample();
    }
    await ledger.checkpoint('manual');
    const ledgerMs = performance.now() - t0;
    t0 = performance.now();
    const report = await ledger.verify();
    const verifyMs = performance.now() - t0;
    await ledger.close();
    sample();
    t0 = performance.now();
    const reopened = await Ledger.open({ dataDir: dir, databaseUrl: url.toString() });
    const openMs = performance.now() - t0;
    await reopened.close();
    sample();
    console.log(
      JSON.stringify({
        bench: 'ledger-append-pg',
        params: { leaves: total, batch, server: (await admin.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v.split(' on ')[0] },
        wallMs: Math.round(ledgerMs),
        rawInsertMs: Math.round(rawMs),
        ledgerLeavesPerSec: Math.round(total / (ledgerMs / 1000)),
        rawLeavesPerSec: Math.round(total / (rawMs / 1000)),
        ratio: Number((rawMs / ledgerMs).toFixed(2)),
        verifyMs: Math.round(verifyMs),
        verifyOk: report.ok,
        startupSelfCheckMs: Math.round(openMs),
        apiCalls: 0,
        minApiCalls: 0,
        peakRssMb: Math.round(peakRssBytes() / 1e6),
      }),
    );
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema}_raw CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
