// `vigil demo`: the whole agent (API included) against the bundled emulators, with a Redis it finds or starts, data in
// .vigil-demo/; on Ctrl-C it says what it wrote and how to verify it.
import { createHash, randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '../core/errors.js';
import { systemClock } from '../core/collector.js';
import type { RunningEmulator } from '../core/source-plugin.js';
import { configSchema } from '../config/schema.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { loadSourceDemos } from '../sources.js';
import { PROCESS_ROLES, startAgent, type AgentContext, type RunningAgent } from '../agent.js';
import type { EvidenceJob } from '../pipeline/collect-stage.js';
import { openLedger } from '../ledger/open-ledger.js';
import { pingRedis, DEFAULT_REDIS_URL } from '../pipeline/redis.js';
import { computePosture } from '../report/posture.js';
import { loadFramework, scopeFramework } from '../rules/frameworks.js';
import { loadResults } from '../pipeline/record.js';
import { printPosture } from './status.js';
import { makeLogger } from './context.js';
import { waitForSignal } from './run.js';
import { CycleLines } from './demo-cycles.js';

export interface DemoOptions {
  once?: boolean;
  dataDir?: string;
  /** A config file whose `witnesses:` and `publish:` blocks the demo uses (its sources stay the emulators). */
  config?: string;
}

interface RedisHandle {
  url: string;
  stop(): void;
  spawned: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** REDIS_URL if set; else a Redis on 127.0.0.1:6379; else a private redis-server on a free port. */
export async function findOrStartRedis(log: (msg: string) => void): Promise<RedisHandle> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    if (await pingRedis(fromEnv, 3000)) return { url: fromEnv, stop() {}, spawned: false };
    throw new AppError('REDIS_UNAVAILABLE', `REDIS_URL is set but nothing answers there`, { remediation: 'Start that Redis, or unset REDIS_URL to let the demo find or start one.' });
  }
  if (await pingRedis(DEFAULT_REDIS_URL, 1000)) return { url: DEFAULT_REDIS_URL, stop() {}, spawned: false };
  const which = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (which.error || which.status !== 0) {
    throw new AppError('REDIS_MISSING', 'no Redis answers on 127.0.0.1:6379 and there is no redis-server binary to start one', {
      remediation: 'Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a reachable Redis.',
    });
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'],
    // Its own process group: Ctrl-C in the terminal reaches only the demo, which stops its agent while this Redis still
    // answers, says what it wrote, and then stops it.
    { stdio: 'ignore', detached: true },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await pingRedis(url, 500)) {
      log(`started a private redis-server on port ${port} (stopped when the demo ends)`);
      return {
        url,
        spawned: true,
        stop() {
          child.kill('SIGTERM');
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new AppError('REDIS_START_FAILED', `redis-server did not answer on port ${port}`);
}

export async function demoCommand(opts: DemoOptions): Promise<number> {
  const say = (m: string) => process.stdout.write(`${m}\n`);
  // --config: the demo's sources stay the emulators; the blocks that do not name a source (witnesses, publish) are
  // honoured — publish.s3 goes to that bucket in the AWS emulator, created there with Object Lock.
  // Read first, so a bad file is exit 2 with nothing started.
  const fromFile = opts.config !== undefined ? loadConfigFile(opts.config).config : undefined;
  const dataDir = resolve(opts.dataDir ?? '.vigil-demo');
  // The AWS SDK's Node 20 end-of-support notice is for operators (README says so); keep the demo's output readable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const redis = await findOrStartRedis(say);
  const emulators: RunningEmulator[] = [];
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  let ctx: AgentContext | undefined;
  let fromSeq = 0;
  let interrupted = false;
  // Made per run and kept only as its hash in this process's config: printed once, on the line that shows how to use it.
  const token = `vigil-demo-${randomBytes(24).toString('base64url')}`;
  // A second identity, so the two-step flows (an exception requested by one principal, approved by another) can be tried.
  const approverToken = `vigil-demo-${randomBytes(24).toString('base64url')}`;
  const worm = fromFile?.publish?.s3;
  let publish: { s3: NonNullable<typeof worm> } | undefined;
  try {
    const sources: LoadedConfig['sources'] = {};
    // Every source of the manifest, each with its emulator (collectors/<source>/demo.ts, loaded only here).
    for (const { id, plugin, demo } of await loadSourceDemos()) {
      const emu = await demo.startEmulator({ estate: 'demo', ...(worm ? { wormBuckets: [worm.bucket] } : {}) });
      if (worm && id === 'aws') publish = { s3: { ...worm, endpoint: emu.url, region: 'us-east-1' } };
      emulators.push(emu);
      const { config, env } = demo.demoConfig(emu);
      Object.assign(process.env, env ?? {});
      sources[id] = { schedule: '0 * * * *', config: plugin.configSchema.parse(config) };
      say(`${id} emulator listening on ${emu.url}`);
    }
    const hashed = (t: string) => createHash('sha256').update(t).digest('hex');
    const api = { listen: DEMO_API_LISTEN, tokens: [{ name: 'demo', sha256: hashed(token), role: 'admin' }, { name: 'demo-approver', sha256: hashed(approverToken), role: 'approver' }] };
    const loaded: LoadedConfig = { config: configSchema.parse({ origin: 'vigil.local/demo', api, ...(fromFile ? { witnesses: fromFile.witnesses } : {}), ...(publish ? { publish } : {}) }), dir: process.cwd(), sources };
    ctx = { loaded, dataDir, logger: makeLogger(process.env.VIGIL_LOG_LEVEL ?? 'warn'), clock: systemClock };
    const cycles = new CycleLines(say);
    // --once exits after one cycle, so it serves no API.
    const parts = opts.once ? PROCESS_ROLES.demo.parts.filter((p) => p !== 'api') : PROCESS_ROLES.demo.parts;
    agent = await startAgent(ctx, { roles: parts, prefix: demoPrefix(dataDir), redisUrl: redis.url, enqueueOnStart: false, command: PROCESS_ROLES.demo.command, apiListen: DEMO_API_LISTEN, onRecorded: (o, j) => cycles.recorded(o, j) });
    fromSeq = (await agent.ledger.lastLeaf({ type: 'agent.started' }))?.seq ?? 0;
    // From here Ctrl-C (or SIGTERM) stops the demo cleanly, during the first cycle too, and it says what it wrote.
    const signal = waitForSignal().then(() => void (interrupted = true));
    say(`collecting now (queues on ${redis.url.replace(/\/\/[^@]*@/, '//***@')}, ledger in ${dataDir}) …`);
    const cycle = agent.collectNow();
    const jobs = await Promise.race([cycle, signal.then(() => undefined)]);
    if (jobs === undefined) {
      cycle.catch(() => undefined); // cut short by the stop below; what was recorded by then is in the summary
      say('\nstopping during the first collection …');
    } else {
      await printFirstCycle(agent, jobs, Object.keys(sources), say);
      if (!opts.once) {
        say(`\nDashboard: ${agent.api!.url}/ (docs/dashboard.md). Sign in with this token (admin role, for this run only, kept nowhere):`);
        say(`  ${token}`);
        say(`A second identity, to approve or reject what the first requests (approver role; sign in from another browser or a private window):`);
        say(`  ${approverToken}`);
        say(`The HTTP API is on the same port (docs/api.md), with the same token as a bearer token:`);
        say(`  curl -H "Authorization: Bearer $VIGIL_DEMO_TOKEN" ${agent.api!.url}/v1/posture`);
        say('Collecting again on schedule (hourly); a line after each cycle. Ctrl-C to stop.');
        cycles.start(jobs.length);
        await signal;
        say('\nstopping: finishing work in hand, signing the shutdown checkpoint …');
      }
    }
  } finally {
    await agent?.stop(opts.once && !interrupted ? 'demo --once finished' : 'signal');
    for (const e of emulators) await e.close();
    redis.stop();
  }
  say(await whatWasWritten(ctx!, fromSeq));
  return 0;
}

/** The demo's API listens on a free loopback port, whatever VIGIL_API_LISTEN says for a real agent. */
const DEMO_API_LISTEN = '127.0.0.1:0';

/** Lines of failures shown per run (and for the person view); the rest are counted, never dropped silently. */
const SHOWN_PER_RUN = 15;
const SHOWN_PEOPLE = 8;

/** Each run of the first cycle with its failures, the person view across sources, and the posture. */
async function printFirstCycle(agent: RunningAgent, jobs: EvidenceJob[], sources: string[], say: (m: string) => void): Promise<void> {
  // The demo's config scopes nothing: SOC 2's default categories (security, availability), as `vigil status` shows.
  const framework = scopeFramework(loadFramework('soc2'), undefined);
  const posture = await computePosture(agent.ledger, framework, new Date(), { sources });
  const failures = (results: Array<{ status: string; ruleId: string; resourceId: string; reason: string }>, shown: number) => {
    const bad = results.filter((x) => x.status === 'fail' || x.status === 'error');
    for (const r of bad.slice(0, shown)) say(`  ${r.status.toUpperCase().padEnd(5)} ${r.ruleId}  ${r.resourceId}\n        ${r.reason}`);
    if (bad.length > shown) say(`  … and ${bad.length - shown} more failing or error results`);
  };
  say('');
  for (const j of jobs) {
    const c = j.summary.counts;
    say(`${j.summary.source} ${j.summary.scope}: ${j.summary.populationSize} resources, ${j.summary.apiCalls} API calls → ${c.pass} pass, ${c.fail} fail, ${c.error} error, ${c.not_applicable} n/a`);
    failures((await loadResults(agent.ledger, await resultsShaOf(agent, j))) ?? [], SHOWN_PER_RUN);
  }
  // The person view across sources is derived by the ledger writer after the runs above.
  const people = await agent.ledger.lastLeaf({ type: 'run', source: 'identity', scope: 'people' });
  if (people) {
    const counts = people.body.counts as Record<string, number>;
    say(`identity people (joined across sources): ${counts.pass ?? 0} pass, ${counts.fail ?? 0} fail, ${counts.error ?? 0} error`);
    failures((await loadResults(agent.ledger, String(people.body.resultsSha256))) ?? [], SHOWN_PEOPLE);
  }
  say('');
  printPosture(posture);
}

/**
 * What this run of the demo appended (from its `agent.started` leaf to the end, read back after the shutdown
 * checkpoint), where, and the exact command that verifies it.
 */
async function whatWasWritten(ctx: AgentContext, fromSeq: number): Promise<string> {
  const ledger = await openLedger(ctx, { readOnly: true });
  const byType = new Map<string, number>();
  let leaves = 0;
  try {
    for await (const l of ledger.leaves({ fromSeq })) {
      leaves++;
      byType.set(l.type, (byType.get(l.type) ?? 0) + 1);
    }
  } finally {
    await ledger.close();
  }
  const kinds = [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, c]) => `${c} ${t}`).join(', ');
  const runs = byType.get('run') ?? 0;
  return [
    `\nThis run wrote ${leaves} ledger leaves (#${fromSeq}–#${fromSeq + leaves - 1}; ${runs} run${runs === 1 ? '' : 's'} recorded) in ${ctx.dataDir}: ${kinds}.`,
    `Verify it: ${vigilCommand()} ledger verify --data-dir ${shellWord(ctx.dataDir)}`,
  ].join('\n');
}

/** How the user runs vigil here: through the package script when the demo was started with `npm run`, else the binary. */
function vigilCommand(): string {
  return process.env.npm_lifecycle_event ? 'npm run vigil --' : 'vigil';
}

/** A path as one shell word (quoted when it has anything a shell would split or expand). */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function resultsShaOf(agent: { ledger: import('../ledger/ledger.js').Ledger }, j: { summary: { source: string; scope: string } }): Promise<string> {
  const last = await agent.ledger.lastLeaf({ type: 'run', source: j.summary.source, scope: j.summary.scope });
  return String(last?.body.resultsSha256 ?? '');
}

/**
 * The demo's queue prefix, one per data dir: two demos on one Redis (a found one is shared) must not take each other's
 * jobs — a job collected by the other demo would be read from its emulators and recorded in its ledger.
 */
export function demoPrefix(dataDir: string): string {
  return `vigil-demo-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}
