// One writer per ledger: the file lock (SQLite data dirs) and the session advisory lock (PostgreSQL), refusals naming
// the holder, and takeover only of locks whose holder is provably gone — a process killed with SIGKILL included.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { LedgerLockedError, acquireFileLock, acquirePgLock, processStartTicks, LOCK_FILE } from '../../src/ledger/writer-lock.js';
import { TEST_DATABASE_URL } from './helpers.js';

const DIST_LOCK = resolve(__dirname, '../../dist/src/ledger/writer-lock.js');

function refusal(fn: () => unknown): LedgerLockedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerLockedError);
    return e as LedgerLockedError;
  }
  throw new Error('expected the lock to be refused');
}

describe('writer lock: data dir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a second writer is refused at once, naming pid, host, command and since; after release it may take it', async () => {
    const first = acquireFileLock({ dataDir: dir, command: 'vigil run', now: () => new Date('2026-12-07T10:00:00Z') });
    const e = refusal(() => acquireFileLock({ dataDir: dir, command: 'vigil run' }));
    expect(e.code).toBe('LEDGER_LOCKED');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(`pid ${process.pid} on ${hostname()} (vigil run), since 2026-12-07T10:00:00.000Z`);
    expect(e.message).toContain(join(dir, LOCK_FILE));
    await first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = acquireFileLock({ dataDir: dir, command: 'vigil collect' });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, command: 'vigil collect' });
    await again.release();
  });

  it('a lock left by a process that died is taken over', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'vigil run' }));
    const lock = acquireFileLock({ dataDir: dir, command: 'vigil run' });
    expect(lock.holder.pid).toBe(process.pid);
  });

  it.runIf(process.platform === 'linux')('a pid now used by another process (different start time) is stale too', () => {
    const ticks = processStartTicks(process.pid)!;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'vigil run', startTicks: ticks - 1 }));
    expect(acquireFileLock({ dataDir: dir, command: 'vigil run' }).holder.startTicks).toBe(ticks);
  });

  it('a lock taken on another host is never taken over; the message says how to clear it', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'other-host', since: '2026-01-01T00:00:00.000Z', command: 'vigil run' }));
    const e = refusal(() => acquireFileLock({ dataDir: dir, command: 'vigil run' }));
    expect(e.message).toContain('pid 1 on other-host');
    expect(e.message).toContain(`if it does not, remove ${join(dir, LOCK_FILE)}`);
  });

  it('an empty lock file is a writer still writing it, until it is older than the grace time', () => {
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '');
    refusal(() => acquireFileLock({ dataDir: dir, command: 'vigil run' }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect(acquireFileLock({ dataDir: dir, command: 'vigil run' }).holder.pid).toBe(process.pid);
  });

  it('a writer killed with SIGKILL leaves a lock the next writer takes over; while it lives, it is refused', async () => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import { acquireFileLock } from ${JSON.stringify(DIST_LOCK)}; acquireFileLock({ dataDir: ${JSON.stringify(dir)}, command: 'vigil run' }); console.log('locked'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(line.toString()).toContain('locked');
    expect(refusal(() => acquireFileLock({ dataDir: dir, command: 'vigil run' })).message).toContain(`pid ${child.pid} on`);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(acquireFileLock({ dataDir: dir, command: 'vigil run' }).holder.pid).toBe(process.pid);
  });
});

describe('writer lock: PostgreSQL', () => {
  const clients: pg.Client[] = [];
  const connect = async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  });
  const schema = `lock_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  it('a second session is refused naming the holder; ending the holder session (a crash) frees it', async () => {
    const a = await connect();
    const held = await acquirePgLock({ client: a, schema, command: 'vigil run' });
    expect(held.where).toBe(`postgres schema ${schema}`);
    const e = await acquirePgLock({ client: await connect(), schema, command: 'vigil run' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LedgerLockedError);
    expect((e as Error).message).toContain(`pid ${process.pid} on ${hostname().slice(0, 30)}`);
    // Another ledger (schema) in the same database is not blocked.
    const other = await acquirePgLock({ client: await connect(), schema: `${schema}_b`, command: 'vigil run' });
    await other.release();
    // The holder's session ends without unlocking, as when its process is killed: the server frees the lock.
    await a.end();
    const next = await acquirePgLock({ client: await connect(), schema, command: 'vigil run' });
    await next.release();
  });
});
