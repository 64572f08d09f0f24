// Ledger intake benchmark: Ledger.append (canonicalize + hash + tree + SQLite) against bare SQLite inserts of the same bytes.
// Run: npm run bench -- ledger-append [--leaves 200000] [--batch 1000]
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { inputs, num, peakRssBytes, sample } from './_ledger-append-common.js';

export async function main(argv: string[]): Promise<void> {
const total = num(argv, 'leaves', 200_000);
const batch = num(argv, 'batch', 1000);
const dir = mkdtempSync(join(tmpdir(), 'vigil-ledger-bench-'));
try {
  // Baseline: the same JSON bytes inserted straight into an equivalent table, one transaction per batch.
  const raw = new Database(join(dir, 'raw.sqlite'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec('CREATE TABLE leaves(seq INTEGER PRIMARY KEY, body BLOB NOT NULL, type TEXT NOT NULL, idempotency_key TEXT UNIQUE, source TEXT, scope TEXT) STRICT');
  const ins = raw.prepare('INSERT INTO leaves(seq, body, type, idempotency_key, source, scope) VALUES (?, ?, ?, ?, ?, ?)');
  let t0 = performance.now();
  for (let s = 0; s < total; s += batch) {
    const rows = inputs(s, Math.min(batch, total - s));
    raw.transaction(() => {
      rows.forEach((r, i) => ins.run(s + i, Buffer.from(JSON.stringify(r.data)), r.type, r.idempotencyKey, r.source, r.scope));
    })();
    sample();
  }
  const rawMs = performance.now() - t0;
  raw.close();

  const ledger = await Ledger.open({ dataDir: join(dir, 'ledger') });
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
  const reopened = await Ledger.open({ dataDir: join(dir, 'ledger') });
  const openMs = performance.now() - t0;
  await reopened.close();
  console.log(
    JSON.stringify({
      bench: 'ledger-append',
      params: { leaves: total, batch },
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
  rmSync(dir, { recursive: true, force: true });
}
}
