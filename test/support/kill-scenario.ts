// Kill scenario: `vigil run` on a seconds schedule, SIGKILLed at seeded random moments (and its Redis restarted), then
// the ledger read back to check that every (source, scope, slot) is exactly one run or one gap and that it verifies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/core/seeded-random.js';
import { loadSourceDemos } from '../../src/sources.js';
import type { RunningEmulator } from '../../src/core/source-plugin.js';
import type { SourceId } from '../../src/core/types.js';
import { silentLogger, systemClock, UNRESOLVED_SCOPE } from '../../src/core/collector.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { slotAtOrBefore, slotsBetween } from '../../src/pipeline/slots.js';
import { exited, startPrivateRedis } from './redis-server.js';

const BIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../src/bin/vigil.mjs');

export interface KillScenarioOptions {
  /** SIGKILLs of `vigil run`, each followed by a restart. */
  kills: number;
  /** Restarts of the scenario's private redis-server (AOF on, so queued jobs survive), spread among the kills. */
  redisRestarts?: number;
  seed: number;
  /** Where config and ledger live; a fresh temporary folder (removed afterwards) when absent. */
  dataDir?: string;
  /** Sources run against their bundled emulators. @defaultValue ['aws', 'github'] */
  sources?: Array<Exclude<SourceId, 'identity'>>;
  /** Longest time `vigil run` lives once running before its kill (ms), seeded-random in [0, this]. @defaultValue 2000 */
  maxLifeMs?: number;
  /** Longest the final, unkilled run may take to account every slot up to its last run. @defaultValue 70 s */
  settleMs?: number;
}

export interface KillScenarioResult {
  kills: number;
  redisRestarts: number;
  /** Expected (source, scope, slot) triples between each scope's first and last accounted slot. */
  slots: number;
  /** Of those, how many have neither a run nor a gap. */
  unaccounted: number;
  /** Of those, how many have more than one (two runs, two gaps, or a run and a gap). */
  duplicated: number;
  runs: number;
  gapSlots: number;
  verifyOk: boolean;
  /** What `vigil ledger verify` printed when it failed, and the first unaccounted or duplicated triples. */
  details: string[];
  wallMs: number;
}

/** Schedule of the scenario: every 4 s, so lives of a few seconds span slots and kills land mid-collection, while a
 * loaded 2-core machine still records every run of two sources before the next slot. */
export const KILL_SCHEDULE = '*/4 * * * * *';

export async function runKillScenario(opts: KillScenarioOptions): Promise<KillScenarioResult> {
  const started = Date.now();
  const rand = mulberry32(opts.seed);
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-kill-'));
  // An fsync-always AOF, so a restart keeps every queued job.
  const redis = await startPrivateRedis(join(dir, 'redis'), { aof: true });
  const emulators: RunningEmulator[] = [];
  const env: Record<string, string> = { REDIS_URL: redis.url, VIGIL_LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  try {
    const sources: Record<string, unknown> = {};
    for (const { id, demo } of await loadSourceDemos(opts.sources ?? ['aws', 'github'])) {
      const emu = await demo.startEmulator({ estate: 'demo' });
      emulators.push(emu);
      const { config, env: e } = demo.demoConfig(emu);
      Object.assign(env, e ?? {});
      sources[id] = { ...(config as Record<string, unknown>), schedule: KILL_SCHEDULE };
    }
    const configFile = join(dir, 'vigil.config.yaml');
    // JSON is YAML: the emulator configs go in as they are.
    writeFileSync(configFile, JSON.stringify({ dataDir: join(dir, 'data'), origin: 'vigil.test/kill', redis: { prefix: 'kill' }, api: { listen: '127.0.0.1:0' }, sources }, null, 2));
    const restartsAt = new Set<number>();
    for (let i = 0; restartsAt.size < Math.min(opts.redisRestarts ?? 0, opts.kills); i++) restartsAt.add(Math.floor(rand() * opts.kills));
    const maxLife = opts.maxLifeMs ?? 2000;
    let redisRestarts = 0;
    for (let k = 0; k < opts.kills; k++) {
      const child = vigil(['run', '--config', configFile], env);
      // A third of the kills land during start-up (sweep, rule definitions, first enqueue); the rest once it runs,
      // mid-collection or mid-recording.
      if (rand() < 0.3) await sleepOrExit(child, 200 + Math.floor(rand() * 2800));
      else {
        await runningOrExit(child, 20_000);
        await sleepOrExit(child, Math.floor(rand() * maxLife));
      }
      await killAndWait(child);
      if (restartsAt.has(k)) {
        await redis.restart();
        redisRestarts++;
      }
    }
    // The final run is not killed: it sweeps until every slot up to its latest run is accounted, then stops on SIGTERM.
    // Done once every scope is accounted, with no hole, up to the slot in force when it started: stalled jobs of killed
    // runs hold their slots until their 15 s lock lapses and the next stalled check (this can take 20 s or more), and
    // stopping it earlier could record a run of its own (finished on SIGTERM) past slots those jobs still hold, which
    // only the next life would account.
    const runsBefore = (await accounting(join(dir, 'data'))).runs;
    const final = vigil(['run', '--config', configFile], env);
    const finalSlot = slotAtOrBefore(KILL_SCHEDULE, new Date())!.getTime();
    const deadline = Date.now() + (opts.settleMs ?? 70_000);
    let check = await accounting(join(dir, 'data'));
    while (Date.now() < deadline && final.exitCode === null) {
      await sleepOrExit(final, 1_000);
      check = await accounting(join(dir, 'data'));
      const caughtUp = check.lastAccounted.size > 0 && [...check.lastAccounted.values()].every((t) => t >= finalSlot);
      if (check.runs > runsBefore && caughtUp && check.unaccounted === 0 && check.duplicated === 0) break;
    }
    // A final run that ended by itself (a crash at start-up) proves nothing about the sweep: say so.
    const selfExit = final.exitCode !== null ? [`the final vigil run exited by itself with code ${final.exitCode}`] : [];
    final.kill('SIGTERM');
    await exited(final);
    check = await accounting(join(dir, 'data'));
    const verify = await vigilOnce(['ledger', 'verify', '--config', configFile], env);
    return {
      kills: opts.kills,
      redisRestarts,
      slots: check.slots,
      unaccounted: check.unaccounted,
      duplicated: check.duplicated,
      runs: check.runs,
      gapSlots: check.gapSlots,
      verifyOk: verify.code === 0,
      details: [...selfExit, ...(verify.code === 0 ? [] : [verify.out.slice(0, 2000)]), ...check.details],
      wallMs: Date.now() - started,
    };
  } finally {
    for (const e of emulators) await e.close();
    await redis.stop();
    if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the ledger (read-only) and counts, per (source, scope), every expected slot between its first and last
 * accounted slot: scheduled runs (manual ones are their own slots) and sweep gaps (declared history gaps are not slots).
 */
export async function accounting(dataDir: string): Promise<{ slots: number; unaccounted: number; duplicated: number; runs: number; gapSlots: number; details: string[]; lastAccounted: Map<string, number> }> {
  let ledger: Ledger;
  try {
    ledger = await Ledger.open({ dataDir, clock: systemClock, logger: silentLogger, readOnly: true });
  } catch {
    return { slots: 0, unaccounted: 0, duplicated: 0, runs: 0, gapSlots: 0, details: ['no ledger yet'], lastAccounted: new Map() };
  }
  const counts = new Map<string, Map<number, number>>();
  const bump = (key: string, t: number) => {
    const m = counts.get(key) ?? new Map<number, number>();
    m.set(t, (m.get(t) ?? 0) + 1);
    counts.set(key, m);
  };
  let runs = 0;
  let gapSlots = 0;
  try {
    for await (const l of ledger.leaves({ types: ['run', 'gap'] })) {
      const b = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
      const key = `${String(b.source)}|${String(b.scope)}`;
      if (b.source === 'identity' || b.scope === UNRESOLVED_SCOPE) continue;
      if (l.type === 'run' && b.manual !== true) {
        runs++;
        bump(key, Date.parse(String(b.slot)));
      } else if (l.type === 'gap' && b.declared !== true) {
        for (const d of slotsBetween(KILL_SCHEDULE, new Date(Date.parse(String(b.from)) - 1), new Date(String(b.to)))) {
          gapSlots++;
          bump(key, d.getTime());
        }
      }
    }
  } finally {
    await ledger.close();
  }
  let slots = 0;
  let unaccounted = 0;
  let duplicated = 0;
  const details: string[] = [];
  /** Per (source, scope), its latest slot that is a run or inside a gap. */
  const lastAccounted = new Map<string, number>();
  for (const [key, m] of counts) {
    const ts = [...m.keys()].sort((a, b) => a - b);
    lastAccounted.set(key, ts[ts.length - 1]!);
    for (const d of slotsBetween(KILL_SCHEDULE, new Date(ts[0]! - 1), new Date(ts[ts.length - 1]!))) {
      slots++;
      const n = m.get(d.getTime()) ?? 0;
      if (n === 0) unaccounted++;
      if (n > 1) duplicated++;
      if (n !== 1 && details.length < 10) details.push(`${key} ${d.toISOString()}: ${n} accounts`);
    }
  }
  return { slots, unaccounted, duplicated, runs, gapSlots, details, lastAccounted };
}

let lives = 0;
function vigil(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  // Drained so a chatty child never blocks on a full pipe; kept per life when VIGIL_KILL_LOGS names a folder.
  const logs = process.env.VIGIL_KILL_LOGS;
  if (logs) child.stderr!.pipe(createWriteStream(join(logs, `life-${String(++lives).padStart(3, '0')}.log`)));
  else child.stderr!.resume();
  return child;
}

export function vigilOnce(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('close', (code) => res({ code, out }));
  });
}

/** Resolves once `vigil run` logs that it is running (its stderr is pino JSON), when it exits, or after `ms`. */
function runningOrExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((res) => {
    let buf = '';
    const done = (): void => {
      clearTimeout(t);
      child.stderr?.off('data', onData);
      child.off('exit', done);
      res();
    };
    const onData = (d: Buffer): void => {
      buf = (buf + d.toString('utf8')).slice(-4096);
      if (buf.includes('"msg":"vigil running"')) done();
    };
    const t = setTimeout(done, ms);
    child.stderr?.on('data', onData);
    child.once('exit', done);
  });
}

/** Waits `ms` of the child's life (the time it is given before its kill), or less if it exits by itself. */
function sleepOrExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((res) => {
    const onExit = (): void => {
      clearTimeout(t);
      res();
    };
    const t = setTimeout(() => {
      child.off('exit', onExit);
      res();
    }, ms);
    child.once('exit', onExit);
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}
