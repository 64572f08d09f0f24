// A PostgreSQL server that accepts the connection and never answers must not hang the agent: opening the store and
// taking the writer lock both give up after the connect timeout, naming the database without its password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PgEvidenceStore } from '../../src/ledger/pg-store.js';
import { takeWriterLock } from '../../src/ledger/writer-lock.js';

describe('PostgreSQL connect timeout', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // accepts every connection, reads the start-up message, and says nothing
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `postgres://vigil:s3cret-pw@127.0.0.1:${(server.address() as AddressInfo).port}/ledger`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('opening the store fails after connectTimeoutMs with LEDGER_DB_UNAVAILABLE', async () => {
    const started = Date.now();
    const err = await PgEvidenceStore.open({ url, connectTimeoutMs: 300 }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err?.code).toBe('LEDGER_DB_UNAVAILABLE');
    expect(err!.message).toMatch(/timeout/i);
    expect(err!.message).not.toContain('s3cret-pw');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('taking the writer lock fails the same way instead of waiting for ever', async () => {
    const started = Date.now();
    const err = await takeWriterLock({ dataDir: '/nonexistent', databaseUrl: url, command: 'vigil run', connectTimeoutMs: 300 }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err?.code).toBe('LEDGER_DB_UNAVAILABLE');
    expect(err!.message).toMatch(/timeout/i);
    expect(err!.message).not.toContain('s3cret-pw');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('defaults to a bounded timeout', async () => {
    const { PG_CONNECT_TIMEOUT_MS } = await import('../../src/ledger/pg-store.js');
    expect(PG_CONNECT_TIMEOUT_MS).toBeGreaterThan(0);
    expect(PG_CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(30_000);
  });
});
