// A Redis outage as an operator of `vigil worker` sees it: one line when Redis goes, one when it is back (also at the
// demo's warn level), no stack trace. A private redis-server on a free port is stopped and restarted under the agent.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RedisHealth } from '../../src/pipeline/redis-health.js';
import { reconnectDelayMs } from '../../src/pipeline/redis.js';
import { exited, startPrivateRedis } from '../support/redis-server.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

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
  it('vigil worker logs exactly one down line and one back line, both at warn level (the demo logs at warn), and no stack trace', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-outage-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const redis = await startPrivateRedis(join(dir, 'redis'));
      cleanup.push(() => redis.stop());
      // A schedule that does not fire during the test; the collection at start goes to an address nothing listens on.
      writeFileSync(join(dir, 'vigil.config.yaml'), 'dataDir: ./data\norigin: vigil.test/redis-outage\nsources:\n  aws:\n    region: us-east-1\n    schedule: "0 0 1 1 *"\n');
      const agent = spawn(process.execPath, [BIN, 'worker'], {
        cwd: dir,
        env: { ...process.env, REDIS_URL: redis.url, VIGIL_LOG_LEVEL: 'info', VIGIL_LOG_FORMAT: 'json', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      agent.stderr!.on('data', (d) => (stderr += d));
      cleanup.push(async () => {
        agent.kill('SIGKILL');
        await exited(agent);
      });
      await waitFor(agent, () => stderr, /vigil running/, 30_000);

      await redis.stop('SIGTERM');
      await waitFor(agent, () => stderr, /Redis is unreachable/, 20_000);
      await redis.start();
      await waitFor(agent, () => stderr, /Redis is reachable again/, 20_000);

      // What this test is about ends here; the agent is killed rather than stopped: a SIGTERM within a second of Redis's
      // return can wait out the 30 s shutdown limit in BullMQ's Worker.close() (a known issue, issue 17's report).
      agent.kill('SIGKILL');
      await exited(agent);
      const outage = stderr.split('\n').filter((l) => /Redis is (unreachable|reachable again)/.test(l)).map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(outage.map((l) => [l.level, l.msg.replace(/ \(.*|after \d+ s.*/, '')]), stderr).toEqual([
        [40, 'Redis is unreachable'],
        [40, 'Redis is reachable again '],
      ]);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr).not.toMatch(/"stack"/);
  }, 90_000);
});

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
