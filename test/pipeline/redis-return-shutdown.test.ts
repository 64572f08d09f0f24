// Shutdown just after Redis comes back: BullMQ's Worker.close() can wait forever while its connection reconnects, which
// cost `vigil worker` its shutdown checkpoint (SIGTERM within a second of Redis returning hung 30 s and exited 1).
// A Redis of its own on a random loopback port is stopped and started again; the close must still end within its deadline.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../src/core/collector.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { startCollectWorker } from '../../src/pipeline/collect-worker.js';
import { connect } from '../../src/pipeline/redis.js';
import { QUEUE_EVIDENCE } from '../../src/pipeline/queues.js';
import { REDIS_CLOSE_DEADLINE_MS } from '../../src/pipeline/redis-health.js';
import { thingRule } from './helpers.js';

const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });

/** A redis-server child that has said it is ready for connections. */
function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((res, rej) => {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) res(p);
    });
    p.once('error', rej);
    p.once('exit', (code) => rej(new Error(`redis-server exited ${code}: ${out.slice(-300)}`)));
  });
}

const stopRedis = (p: ChildProcess): Promise<void> => new Promise((res) => (p.exitCode !== null ? res() : (p.once('exit', () => res()), p.kill('SIGKILL'))));

describe('shutdown within a second of Redis coming back', () => {
  let redis: ChildProcess | undefined;
  let conn: Redis | undefined;
  let ledger: Ledger | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    conn?.disconnect();
    await ledger?.close();
    if (redis) await stopRedis(redis);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the collect worker with nothing in hand closes within the deadline, not after the grace or never', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    dir = mkdtempSync(join(tmpdir(), 'vigil-redis-back-'));
    conn = connect(`redis://127.0.0.1:${port}`);
    conn.on('error', () => undefined);
    ledger = await Ledger.open({ dataDir: dir, logger: silentLogger });
    const evidence = new Queue(QUEUE_EVIDENCE, { connection: conn, prefix: 'vigil-redis-back' });
    evidence.on('error', () => undefined);
    const worker = startCollectWorker({ connection: conn, prefix: 'vigil-redis-back', collectors: {}, rules: [thingRule()], params: {}, ledger, evidence, clock: { now: () => new Date() }, logger: silentLogger });
    worker.on('error', () => undefined);
    await worker.waitUntilReady();
    await stopRedis(redis);
    await new Promise((r) => conn!.once('close', r));
    redis = await startRedis(port);
    // Shut down as soon as Redis accepts connections again, while the worker's connections are reconnecting: the
    // window in which BullMQ's close hung (4 of 4 runs on the code before the deadline).
    const t0 = Date.now();
    // A 20 s grace: a close that waited it out would fail the bound below just as one that never ends.
    await worker.shutdown(20_000);
    expect(Date.now() - t0).toBeLessThan(REDIS_CLOSE_DEADLINE_MS + 1_000);
    await evidence.close();
  }, 15_000);
});
