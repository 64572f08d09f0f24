// A private redis-server on a free port that a test can stop and start again (outages, restarts), on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => child.once('exit', () => res()));
}

export interface PrivateRedis {
  url: string;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it (`SIGKILL` by default) and resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
}

/** `aof`: an fsync-always AOF in `dir`, so a restart keeps every queued job. Resolves once it answers PING. */
export async function startPrivateRedis(dir: string, o: { aof?: boolean } = {}): Promise<PrivateRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const persistence = o.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        await r.connect();
        if ((await r.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        r.disconnect();
      }
      await new Promise((r2) => setTimeout(r2, 50));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (!child) return;
    child.kill(signal);
    await exited(child);
  };
  await start();
  return {
    url,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
