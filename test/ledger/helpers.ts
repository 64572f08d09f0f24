// Shared helpers for ledger tests: temp data dirs, a settable clock, raw SQL access that bypasses the ledger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { redactDatabaseUrl } from '../../src/ledger/pg-store.js';
import type { Clock } from '../../src/core/collector.js';
import { z } from 'zod';
import { LEAF_CATALOGUE, ledgerOwnedTypes, type LeafSpec } from '../../src/ledger/leaf-catalogue.js';

const anyData = z.record(z.string(), z.unknown());
type OpenSpec = LeafSpec<z.core.$ZodType<Record<string, unknown>>>;

/**
 * For tests of the ledger's mechanics (tree, stores, checkpoints, tamper detection), which append made-up types
 * (`evaluation`, `x`) and arbitrary bodies: the ledger's own types as in Vigil's catalogue, every other type open to any
 * data. What Vigil's catalogue itself refuses is tested in catalogue.test.ts.
 */
export const OPEN_CATALOGUE: Readonly<Record<string, OpenSpec>> = Object.fromEntries([
  ...Object.entries(LEAF_CATALOGUE).map(([t, spec]): [string, OpenSpec] =>
    ledgerOwnedTypes().has(t) ? [t, spec as LeafSpec as OpenSpec] : [t, { description: spec.description, writers: spec.writers, data: anyData }],
  ),
  ...['evaluation', 'x'].map((t): [string, OpenSpec] => [t, { description: 'test leaf', writers: ['writer'], data: anyData }]),
]);

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ledger-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `n` evaluation leaves for one AWS account, every third a fail; `prefix` keeps idempotency keys apart between batches. */
export function evals(n: number, prefix = 'e'): Array<{ type: string; idempotencyKey: string; source: string; scope: string; data: Record<string, unknown> }> {
  return Array.from({ length: n }, (_, i) => ({
    type: 'evaluation',
    idempotencyKey: `${prefix}-${i}`,
    source: 'aws',
    scope: '123456789012',
    data: { ruleId: 'aws.iam.root_mfa_enabled', resourceId: `r${i}`, status: i % 3 === 0 ? 'fail' : 'pass' },
  }));
}

export class TestClock implements Clock {
  constructor(public t: number = Date.parse('2025-03-14T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Edits the ledger database behind the ledger's back, as an attacker with file access could. */
export function rawDb(dataDir: string): Database.Database {
  return new Database(join(dataDir, 'ledger.sqlite'));
}

export function tamperBody(dataDir: string, seq: number, mutate: (body: Buffer) => Buffer, alsoHash?: Buffer): void {
  const db = rawDb(dataDir);
  try {
    db.exec('DROP TRIGGER IF EXISTS leaves_no_update');
    const row = db.prepare('SELECT body FROM leaves WHERE seq = ?').get(seq) as { body: Buffer };
    const body = mutate(Buffer.from(row.body));
    if (alsoHash === undefined) db.prepare('UPDATE leaves SET body = ? WHERE seq = ?').run(body, seq);
    else db.prepare('UPDATE leaves SET body = ?, leaf_hash = ? WHERE seq = ?').run(body, alsoHash, seq);
  } finally {
    db.close();
  }
}

/** The PostgreSQL the tests use (`TEST_DATABASE_URL`; CI's .ci/run starts it). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A connected admin client for creating and dropping test schemas. Not a skip: a missing server fails the tests. */
export async function connectTestPostgres(): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${redactDatabaseUrl(TEST_DATABASE_URL)} (set TEST_DATABASE_URL): ${(e as Error).message}`);
  }
  return admin;
}
