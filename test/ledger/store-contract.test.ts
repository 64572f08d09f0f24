// Runs the one EvidenceStore contract suite against SQLite (a fresh file per test) and PostgreSQL (a fresh schema per test).
import { afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { SqliteEvidenceStore } from '../../src/ledger/sqlite-store.js';
import { PgEvidenceStore } from '../../src/ledger/pg-store.js';
import { connectTestPostgres, tempDir, TEST_DATABASE_URL } from './helpers.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', async ({ pageSize }) => {
  const t = tempDir();
  const path = join(t.dir, 'ledger.sqlite');
  return {
    store: SqliteEvidenceStore.open({ path, pageSize }),
    another: async (o) => SqliteEvidenceStore.open({ path, pageSize, readOnly: o?.readOnly }),
    dataDir: t.dir,
    cleanup: t.cleanup,
  };
});

let admin: pg.Client | undefined;
afterAll(async () => {
  await admin?.end();
});

describeStoreContract('PostgreSQL', async ({ pageSize }) => {
  admin ??= await connectTestPostgres();
  const db = admin;
  const schema = `vigil_c_${randomBytes(6).toString('hex')}`;
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('schema', schema);
  const url = u.toString();
  const t = tempDir();
  return {
    store: await PgEvidenceStore.open({ url, pageSize }),
    another: (o) => PgEvidenceStore.open({ url, pageSize, readOnly: o?.readOnly }),
    dataDir: t.dir,
    cleanup: async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      t.cleanup();
    },
  };
});
