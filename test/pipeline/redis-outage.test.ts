// A Redis outage as an operator of `vigil worker` sees it: one line when Redis goes, one when it is back (also at the
// demo's warn level), no stack trace. A private redis-server on a free port is stopped and restarted under the agent.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { RedisHealth } from '../../src/pipeline/redis-health.js';
import { reconnectDelayMs } from '../../src/pipeline/redis.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function exited(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));
}

async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const r = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return child;
    } catch {
      // not listening yet
    } finally {
      r.disconnect();
    }
    await new Promise((x) => setTimeout(x, 50));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Resolves when `pattern` has appeared in what `read()` returns; rejects naming it after `ms`. */
function waitFor(child: ChildProcess, read: () => string, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((res, rej) => {
    const check = () => {
      if (pattern.test(read())) {
        clearTimeout(t);
        child.stderr!.off('data', check);
        res();
      }
    };
    const t = setTimeout(() => {
      child.stderr!.off('data', check);
      rej(new Error(`no ${pattern} within ${ms} ms; stderr:\n${read()}`));
    }, ms);
    child.stderr!.on('data', check);
    check();
  });
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('Redis outage, end to end', () => {
  for (const level of ['info', 'warn']) {
    it(`vigil worker (log level ${level}) logs exactly one down line and one back line, and no stack trace`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-outage-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const port = await freePort();
      let redis = await startRedis(port, dir);
      cleanup.push(async () => {
        redis.kill('SIGKILL');
        await exited(redis);
      });
      // A schedule that does not fire during the test; the collection at start goes to an address nothing listens on.
      writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/redis-outage\nsources:\n  aws:\n    region: us-east-1\n    schedule: "0 0 1 1 *"\n');
      const agent = spawn(process.execPath, [BIN, 'worker'], {
        cwd: dir,
        env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}`, VIGIL_LOG_LEVEL: level, VIGIL_LOG_FORMAT: 'json', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      agent.stderr!.on('data', (d) => (stderr += d));
      cleanup.push(async () => {
        agent.kill('SIGKILL');
        await exited(agent);
      });
      // Running: "vigil running" at info; at warn nothing is logged at start, so the ledger's agent.started leaf says it.
      if (level === 'info') await waitFor(agent, () => stderr, /vigil running/, 30_000);
      else await waitForLedger(dir, 30_000);

      redis.kill('SIGTERM');
      await exited(redis);
      await waitFor(agent, () => stderr, /Redis is unreachable/, 20_000);
      redis = await startRedis(port, dir);
      await waitFor(agent, () => stderr, /Redis is reachable again/, 20_000);

      agent.kill('SIGTERM');
      await exited(agent);
      expect(agent.exitCode, stderr).toBe(0);
      expect(stderr.match(/Redis is unreachable/g), stderr).toHaveLength(1);
      expect(stderr.match(/Redis is reachable again/g), stderr).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr).not.toMatch(/"stack"/);
    }, 90_000);
  }
});

/** At warn level nothing is logged at start: the ledger's agent.started leaf says the agent is up. */
async function waitForLedger(dir: string, ms: number): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const db = new Database(join(dir, 'data', 'ledger.sqlite'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare("SELECT COUNT(*) AS n FROM leaves WHERE type = 'agent.started'").get() as { n: number } | undefined;
        if ((row?.n ?? 0) > 0) return;
      } finally {
        db.close();
      }
    } catch {
      // not created yet
    }
    await new Promise((x) => setTimeout(x, 100));
  }
  throw new Error('the agent did not start');
}

describe('RedisHealth', () => {
  it('logs the end of an outage at the level of its start, once, with its length from the injected clock', () => {
    const lines: Array<[string, string]> = [];
    const log = (lvl: string) => (_o: object, m?: string) => void lines.push([lvl, m ?? '']);
    let t = 1_000_000;
    const h = new RedisHealth({ warn: log('warn'), info: log('info'), error: log('error') } as never, () => t);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 50; i++) h.error(refused, 'collect worker');
    t += 8_000;
    h.ready();
    h.ready();
    expect(lines).toEqual([
      ['warn', 'Redis is unreachable (connect ECONNREFUSED 127.0.0.1:1); queued collections and evidence wait in Redis and resume when it is back'],
      ['warn', 'Redis is reachable again after 8 s; queues resume'],
    ]);
    h.close();
  });

  it('reconnects at most about a second apart, however long the outage', () => {
    for (const times of [1, 5, 50, 500]) expect(reconnectDelayMs(times)).toBeLessThan(1100);
  });
});
