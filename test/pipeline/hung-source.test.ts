// A source that accepts connections and never answers: its runs end as `error` (TIMEOUT) at its deadline, the other
// source is collected on time in every slot, and SIGTERM stops `vigil run` promptly with agent.stopped recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadSourceDemos } from '../../src/sources.js';
import type { RunningEmulator, SourceDemo } from '../../src/core/source-plugin.js';
import { silentLogger, systemClock } from '../../src/core/collector.js';
import { Ledger } from '../../src/ledger/ledger.js';

const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');

interface Leaf {
  type: string;
  body: Record<string, unknown>;
}

async function leaves(dataDir: string): Promise<Leaf[]> {
  let ledger: Ledger;
  try {
    ledger = await Ledger.open({ dataDir, clock: systemClock, logger: silentLogger, readOnly: true });
  } catch {
    return [];
  }
  const out: Leaf[] = [];
  try {
    for await (const l of ledger.leaves({ types: ['run', 'agent.started', 'agent.stopped'] })) out.push({ type: l.type, body: JSON.parse(l.body.toString('utf8')) as Record<string, unknown> });
  } finally {
    await ledger.close();
  }
  return out;
}

describe('hung source', () => {
  const cleanups: Array<() => void> = [];
  let hung: Server;
  const sockets = new Set<Socket>();
  let github: RunningEmulator;
  let githubDemo: SourceDemo<any>;
  let dir: string;

  beforeAll(async () => {
    // Accepts, reads the request, never answers: the reply that never ends.
    hung = createServer((s) => {
      sockets.add(s);
      s.on('data', () => {});
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    githubDemo = (await loadSourceDemos(['github']))[0]!.demo;
    github = await githubDemo.startEmulator({ estate: 'demo' });
    dir = mkdtempSync(join(tmpdir(), 'vigil-hung-'));
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0)) c();
    for (const s of sockets) s.destroy();
    await new Promise((r) => hung.close(r));
    await github.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('okta hangs: error TIMEOUT at its 3 s deadline, github on time every slot, SIGTERM honoured', async () => {
    const port = (hung.address() as { port: number }).port;
    const gh = githubDemo.demoConfig(github);
    const config = {
      dataDir: join(dir, 'data'),
      origin: 'vigil.test/hung',
      redis: { prefix: `vigiltest-hung-${randomBytes(4).toString('hex')}` },
      schedule: '*/5 * * * * *',
      api: { listen: '127.0.0.1:0' },
      sources: {
        okta: { orgUrl: `http://127.0.0.1:${port}`, auth: { type: 'ssws', token: 'hung-test-token' }, deadlineSeconds: 3 },
        github: gh.config,
      },
    };
    writeFileSync(join(dir, 'vigil.config.yaml'), JSON.stringify(config, null, 2));
    const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'vigil.config.yaml')], {
      env: { ...process.env, ...(gh.env ?? {}), VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // A failed assertion must not leave the agent running.
    cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const data = join(dir, 'data');
    let runs: Leaf[] = [];
    // Waits (bounded) for two okta runs and three github runs: ledger polled, no fixed sleep decides the outcome.
    const until = Date.now() + 60_000;
    while (Date.now() < until && child.exitCode === null) {
      runs = (await leaves(data)).filter((l) => l.type === 'run');
      if (runs.filter((r) => r.body.source === 'okta').length >= 2 && runs.filter((r) => r.body.source === 'github').length >= 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const okta = runs.filter((r) => r.body.source === 'okta');
    const ghRuns = runs.filter((r) => r.body.source === 'github' && r.body.manual !== true);
    expect(okta.length, stderr).toBeGreaterThanOrEqual(2);
    expect(ghRuns.length, stderr).toBeGreaterThanOrEqual(3);
    for (const r of okta) {
      const errors = r.body.errors as Array<Record<string, unknown>>;
      expect(r.body.outcome).toBe('failed');
      expect(errors).toEqual([expect.objectContaining({ code: 'TIMEOUT', cause: 'timeout', message: expect.stringMatching(/^deadline of 3 s passed during okta:/) })]);
      // Ended at its deadline (3 s after it started), not at some request timeout 30 s later.
      const took = Date.parse(String(r.body.endedAt)) - Date.parse(String(r.body.startedAt));
      expect(took).toBeGreaterThanOrEqual(2_900);
      expect(took).toBeLessThan(6_000);
    }
    // The hung source holds no worker another source needs: github is collected in every slot, each within seconds.
    // (The first run is the slot in force at start-up, enqueued when the agent is up: up to one interval after it.)
    for (const r of ghRuns.slice(1)) {
      // Partial only because the classic demo token cannot read the fine-grained PAT lists (GitHub answers them to Apps only).
      expect(r.body.outcome).toBe('partial');
      expect((r.body.errors as Array<{ code: string }>).map((e) => e.code)).toEqual(['CredentialKind', 'CredentialKind']);
      expect(Date.parse(String(r.body.startedAt)) - Date.parse(String(r.body.slot))).toBeLessThan(3_000);
    }
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(code).toBe(0);
    const all = await leaves(data);
    expect(all[all.length - 1]?.type).toBe('agent.stopped');
  }, 120_000);
});
