// Scale-out scenario: `vigil scheduler`, N `vigil worker --no-writer`, one writer (`vigil worker`) and `vigil serve` as
// separate processes on a private Redis and a fresh PostgreSQL schema, collecting an emulated AWS organization on a
// fast schedule; optionally one collect worker SIGKILLed mid-slot. Then every (account, slot) is counted in the ledger.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { PUBLIC_KEY_FILE } from '../../src/ledger/keys.js';
import { slotsBetween } from '../../src/pipeline/slots.js';
import { startAwsEmulator, orgEstate, EMU_EXTERNAL_ID, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY } from '../../collectors/aws/demo.js';
import { startPrivateRedis } from './redis-server.js';
import { ApiProbe, VigilProcess, vigilOnce, type EndpointFigures, type LogLine } from './scaleout-processes.js';

export interface ScaleoutOptions {
  /** Accounts of the emulated organization, management account included. */
  accounts: number;
  /** Scheduled slots the scheduler enqueues before it is stopped. */
  slots: number;
  /** `vigil worker --no-writer` processes. */
  collectWorkers: number;
  /** The AWS source's schedule (5-field cron, or 6-field with seconds). */
  schedule: string;
  /** SIGKILL one collect worker once a quarter of the last slot's runs are recorded. */
  kill: boolean;
  /** The test database; a fresh schema `scaleout_<random>` is made in it and dropped afterwards. */
  databaseUrl?: string;
  /** Pause between two rounds of API requests (ms). @defaultValue 250 */
  apiIntervalMs?: number;
  /** Longest wait for every enqueued (account, slot) to be recorded after the last slot is enqueued (ms). */
  settleMs: number;
  /** Keep each process's stderr here. */
  logDir?: string;
}

export interface ScaleoutResult {
  accounts: number;
  slots: number;
  /** Expected (account, slot) pairs: accounts × slots the scheduler enqueued. */
  expected: number;
  /** `run` leaves of source aws for those pairs. */
  runs: number;
  /** Pairs with more than one account of them (two runs, or a run and a gap). */
  duplicates: number;
  /** Pairs with no run. */
  missing: number;
  /** Runs whose collection recorded errors (the slot is accounted, but not clean). */
  runsWithErrors: number;
  /** Swept gap slots inside the enqueued window (each would be a missing or a duplicated pair). */
  gapSlotsInWindow: number;
  /** Swept gap slots outside it (before the scheduler started, after it stopped): slots nobody scheduled. */
  gapSlotsOutside: number;
  ledgerVerifyOk: boolean;
  /** How each process ended (0 for a clean SIGTERM; null where it was killed). */
  exitCodes: Record<string, number | null>;
  wallMs: number;
  /** From the first enqueue to the last expected run recorded. */
  collectWallMs: number;
  api: Record<'posture' | 'readyz', EndpointFigures>;
  peakRssMb: Record<string, number>;
  kill?: { killed: string; atRunsRecorded: number; stalledJobs: number; stalledJobsCompleted: number; failedJobs: number; lastRunAfterKillMs: number };
  details: string[];
}

/** Account ids of the emulated organization, as the AWS source names its scopes. */
function accountIds(emu: AwsEmulator): string[] {
  return [emu.estate.accountId, ...emu.members.keys()];
}

export async function runScaleout(o: ScaleoutOptions): Promise<ScaleoutResult> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scaleout-'));
  const schema = `scaleout_${randomBytes(5).toString('hex')}`;
  const base = o.databaseUrl ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const databaseUrl = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  const redis = await startPrivateRedis(join(dir, 'redis'), { aof: true });
  const emu = await startAwsEmulator({ ...orgEstate({ accounts: o.accounts, users: 5, regions: ['us-east-1'], historyDays: 2, eventsPerDay: 2, databases: 1 }), reportDelayMs: 0 });
  const procs: VigilProcess[] = [];
  const details: string[] = [];
  try {
    const token = `vgl_${randomBytes(18).toString('base64url')}`;
    const configFile = join(dir, 'vigil.config.yaml');
    writeFileSync(configFile, JSON.stringify({
      dataDir: join(dir, 'data'),
      origin: 'vigil.test/scaleout',
      redis: { prefix: 'scaleout' },
      api: { listen: '127.0.0.1:0', tokens: [{ name: 'probe', sha256: createHash('sha256').update(token).digest('hex'), role: 'viewer' }] },
      sources: { aws: { endpoint: emu.url, organization: true, externalId: EMU_EXTERNAL_ID, regions: ['us-east-1'], maxAttempts: 3, schedule: o.schedule } },
    }, null, 2));
    const env = {
      REDIS_URL: redis.url, DATABASE_URL: databaseUrl, VIGIL_LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: DEMO_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: DEMO_SECRET_ACCESS_KEY, AWS_REGION: 'us-east-1',
    };
    // Each role has its own data dir, as on its own host: only the writer's holds the signing key; the others get a
    // copy of the public key (they sign nothing, and the ledger and blobs are in PostgreSQL).
    const dataDirOf = (name: string) => join(dir, name === 'writer' ? 'data' : `data-${name}`);
    const spawn = (name: string, args: string[]) => {
      if (name !== 'writer') {
        mkdirSync(join(dataDirOf(name), 'keys'), { recursive: true, mode: 0o700 });
        copyFileSync(join(dataDirOf('writer'), 'keys', PUBLIC_KEY_FILE), join(dataDirOf(name), 'keys', PUBLIC_KEY_FILE));
      }
      const p = new VigilProcess(name, [...args, '--config', configFile, '--data-dir', dataDirOf(name)], env, o.logDir);
      procs.push(p);
      return p;
    };
    const running = (p: VigilProcess) => p.waitForLine((l) => l.msg === 'vigil running', 60_000, '"vigil running"');

    // The writer first: it creates the ledger (genesis, key) that every other role then opens.
    const writer = spawn('writer', ['worker']);
    await running(writer);
    const serve = spawn('serve', ['serve', '--listen', '127.0.0.1:0']);
    const workers = Array.from({ length: o.collectWorkers }, (_, i) => spawn(`worker-${i + 1}`, ['worker', '--no-writer']));
    const scheduler = spawn('scheduler', ['scheduler']);
    // Listening from the spawn on, so no line is printed before its waiter is there.
    const up = Promise.all([...workers, scheduler].map(running));
    up.catch(() => {});

    // What the scheduler enqueued and what the writer recorded, as they happen.
    const enqueued: string[] = [];
    const recorded = new Map<string, number>();
    let firstEnqueueAt = 0;
    let lastRecordAt = 0;
    const slotsDone = new Promise<void>((res, rej) => {
      const limit = setTimeout(() => rej(new Error(`the scheduler did not enqueue ${o.slots} slots in time: ${scheduler.tail.join(' | ')}`)), o.settleMs * 4);
      scheduler.child.once('close', () => rej(new Error(`the scheduler exited before enqueuing ${o.slots} slots: ${scheduler.tail.join(' | ')}`)));
      scheduler.onLine((l: LogLine) => {
        if (l.msg !== 'collection enqueued' || typeof l.slot !== 'string') return;
        firstEnqueueAt ||= Date.now();
        if (!enqueued.includes(l.slot)) enqueued.push(l.slot);
        if (enqueued.length >= o.slots) {
          clearTimeout(limit);
          res();
        }
      });
    });
    // Awaited below; until then a rejection (the scheduler died at start) must not end the process before cleanup.
    slotsDone.catch(() => {});
    writer.onLine((l) => {
      if (l.msg !== 'run recorded' || l.source !== 'aws') return;
      recorded.set(String(l.slot), (recorded.get(String(l.slot)) ?? 0) + 1);
      lastRecordAt = Date.now();
    });
    const api = await serve.waitForLine((l) => l.msg === 'api listening', 60_000, '"api listening"');
    const probe = new ApiProbe(String(api.url), token, o.apiIntervalMs ?? 250);
    probe.start();
    const rss = setInterval(() => procs.forEach((p) => p.sampleRss()), 500);
    try {
      await up;
      const giveUp = new AbortController();
      const killed = o.kill ? killWhenBusy(workers[0]!, () => enqueued.length >= o.slots && (recorded.get(enqueued[o.slots - 1]!) ?? 0) >= Math.max(1, Math.floor(o.accounts / 4)), () => recorded.get(enqueued[o.slots - 1]!) ?? 0, giveUp.signal) : undefined;
      await slotsDone;
      // No further slot: the scheduler stops once the last one is enqueued.
      const exitCodes: Record<string, number | null> = { scheduler: await scheduler.stop() };
      const allRecorded = () => enqueued.every((s) => (recorded.get(s) ?? 0) >= o.accounts);
      await new Promise<void>((res) => {
        const off = writer.onLine(() => allRecorded() && done());
        const t = setTimeout(() => done(), o.settleMs);
        const done = (): void => {
          off();
          clearTimeout(t);
          res();
        };
        if (allRecorded()) done();
      });
      if (!allRecorded()) details.push(`not every enqueued (account, slot) was recorded within ${o.settleMs / 1000} s: ${JSON.stringify(Object.fromEntries(enqueued.map((s) => [s, recorded.get(s) ?? 0])))}`);
      giveUp.abort();
      const kill = killed ? await killed : undefined;
      if (o.kill && !kill) details.push('the kill never happened: a quarter of the last slot was not recorded in time');
      const apiFigures = await probe.stop();
      for (const w of workers) exitCodes[w.name] = await w.stop();
      exitCodes.serve = await serve.stop();
      exitCodes.writer = await writer.stop();
      clearInterval(rss);
      for (const p of procs) if (p.child.exitCode !== 0 && p.child.signalCode !== 'SIGKILL') details.push(`${p.name} ended with ${p.child.exitCode ?? p.child.signalCode}: ${p.tail.join(' | ')}`);

      const verify = await vigilOnce(['ledger', 'verify', '--config', configFile], env);
      if (verify.code !== 0) details.push(`vigil ledger verify exited ${verify.code}: ${verify.out.slice(0, 2000)}`);
      const count = await countSlots(join(dir, 'data'), databaseUrl, o.schedule, accountIds(emu), enqueued);
      details.push(...count.details);
      const jobs = kill ? await stalledJobs(redis.url, 'scaleout') : undefined;
      return {
        accounts: o.accounts,
        slots: enqueued.length,
        expected: count.expected,
        runs: count.runs,
        duplicates: count.duplicates,
        missing: count.missing,
        runsWithErrors: count.runsWithErrors,
        gapSlotsInWindow: count.gapSlotsInWindow,
        gapSlotsOutside: count.gapSlotsOutside,
        ledgerVerifyOk: verify.code === 0,
        exitCodes,
        wallMs: Date.now() - started,
        collectWallMs: lastRecordAt - firstEnqueueAt,
        api: apiFigures,
        peakRssMb: Object.fromEntries(procs.map((p) => [p.name, Math.round(p.peakRssKb / 1024)])),
        ...(kill && jobs ? { kill: { killed: kill.killed, atRunsRecorded: kill.atRunsRecorded, ...jobs, lastRunAfterKillMs: lastRecordAt - kill.at } } : {}),
        details,
      };
    } finally {
      clearInterval(rss);
      await probe.stop();
    }
  } finally {
    for (const p of procs) await p.stop('SIGKILL');
    await emu.close();
    await redis.stop();
    await dropSchema(base, schema).catch((e: unknown) => details.push(`schema ${schema} not dropped: ${(e as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SIGKILLs `victim` once the last slot is enqueued and a quarter of its runs are recorded: the other workers are then
 * still collecting, and the victim holds jobs of that slot (its concurrency is full while jobs wait).
 */
async function killWhenBusy(victim: VigilProcess, due: () => boolean, recordedOfLast: () => number, giveUp: AbortSignal): Promise<{ killed: string; atRunsRecorded: number; at: number } | undefined> {
  const go = await new Promise<boolean>((res) => {
    const finish = (v: boolean): void => {
      clearInterval(t);
      giveUp.removeEventListener('abort', onAbort);
      res(v);
    };
    const onAbort = (): void => finish(false);
    const t = setInterval(() => due() && finish(true), 50);
    giveUp.addEventListener('abort', onAbort);
  });
  if (!go) return undefined;
  const atRunsRecorded = recordedOfLast();
  await victim.stop('SIGKILL');
  return { killed: victim.name, atRunsRecorded, at: Date.now() };
}

/**
 * Counts, in the ledger, every (account, slot) the scheduler enqueued: its `run` leaves and the swept gaps covering it.
 * Exactly one run and no gap is the only right answer.
 */
async function countSlots(dataDir: string, databaseUrl: string, schedule: string, accounts: string[], slots: string[]) {
  const ledger = await Ledger.open({ dataDir, databaseUrl, clock: systemClock, logger: silentLogger, readOnly: true });
  const window = new Set(slots.map((s) => Date.parse(s)));
  const counts = new Map<string, number>();
  let runs = 0;
  let runsWithErrors = 0;
  let gapSlotsInWindow = 0;
  let gapSlotsOutside = 0;
  try {
    for await (const l of ledger.leaves({ types: ['run', 'gap'], source: 'aws' })) {
      const b = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
      if (l.type === 'run' && b.manual !== true) {
        const key = `${String(b.scope)}|${Date.parse(String(b.slot))}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (window.has(Date.parse(String(b.slot)))) runs++;
        if (Array.isArray(b.errors) && b.errors.length > 0) runsWithErrors++;
      } else if (l.type === 'gap' && b.declared !== true) {
        for (const d of slotsBetween(schedule, new Date(Date.parse(String(b.from)) - 1), new Date(String(b.to)))) {
          if (!window.has(d.getTime())) {
            gapSlotsOutside++;
            continue;
          }
          gapSlotsInWindow++;
          const key = `${String(b.scope)}|${d.getTime()}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
  } finally {
    await ledger.close();
  }
  let missing = 0;
  let duplicates = 0;
  const details: string[] = [];
  for (const a of accounts) {
    for (const t of window) {
      const n = counts.get(`${a}|${t}`) ?? 0;
      if (n === 0) missing++;
      if (n > 1) duplicates++;
      if (n !== 1 && details.length < 10) details.push(`aws ${a} ${new Date(t).toISOString()}: ${n} accounts of it`);
    }
  }
  return { expected: accounts.length * window.size, runs, runsWithErrors, missing, duplicates, gapSlotsInWindow, gapSlotsOutside, details };
}

/** Collect jobs that stalled (their worker died holding them) and what became of them. */
async function stalledJobs(url: string, prefix: string): Promise<{ stalledJobs: number; stalledJobsCompleted: number; failedJobs: number }> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const completed = new Set(await r.zrange(`${prefix}:collect:completed`, '0', '-1'));
    const failedJobs = await r.zcard(`${prefix}:collect:failed`);
    const ids = [...completed, ...(await r.zrange(`${prefix}:collect:failed`, '0', '-1')), ...(await r.lrange(`${prefix}:collect:active`, '0', '-1')), ...(await r.lrange(`${prefix}:collect:wait`, '0', '-1'))];
    let stalled = 0;
    let stalledCompleted = 0;
    for (const id of ids) {
      const stc = Number((await r.hget(`${prefix}:collect:${id}`, 'stc')) ?? 0);
      if (stc > 0) {
        stalled++;
        if (completed.has(id)) stalledCompleted++;
      }
    }
    return { stalledJobs: stalled, stalledJobsCompleted: stalledCompleted, failedJobs };
  } finally {
    r.disconnect();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}
