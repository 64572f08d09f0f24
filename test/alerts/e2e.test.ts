// End to end against the AWS emulator: breaking a control yields exactly one alert per transition in the API, Atom, SSE and a
// signed webhook within one collection cycle; fixing it yields one recovery alert; `vigil run` answers /readyz and /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, get, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startAwsEmulator, demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';
import { parseConfigText } from '../../src/config/load.js';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import type { Clock } from '../../src/core/collector.js';
import { verifySignature } from '../../src/alerts/signature.js';
import { QUEUE_NOTIFY } from '../../src/pipeline/queues.js';
import { capturingLogger, tempDir } from './helpers.js';
import { obliterateQueues } from '../support/queues.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = resolve(__dirname, '../../src/bin/vigil.mjs');
const SECRET = 'e2e-webhook-secret-' + randomBytes(8).toString('hex');
const TOKEN = 'e2e-viewer-token-' + randomBytes(8).toString('hex');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ROOT_RULE = 'aws.iam.root_mfa_enabled';

describe('alerts end to end', () => {
  let emu: AwsEmulator;
  let dir: string;
  let hook: Server;
  let hookUrl: string;
  const deliveries: Array<{ id: string; kind: string; ruleId?: string; valid: boolean }> = [];
  let agent: RunningAgent;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  let prefix: string;
  const logger = capturingLogger();

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTVIGILLOCAL';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-only';
    process.env.AWS_REGION = 'us-east-1';
    emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    dir = tempDir('vigil-e2e-');
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const a = (JSON.parse(body.toString()) as { alert: { kind: string; ruleId?: string } }).alert;
        deliveries.push({ id: String(req.headers['vigil-delivery-id']), kind: a.kind, ...(a.ruleId ? { ruleId: a.ruleId } : {}), valid: verifySignature(SECRET, req.headers, body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', ok));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/vigil`;
    prefix = `vigiltest-${randomBytes(6).toString('hex')}`;
    const yaml = `origin: vigil.test/e2e
sources:
  aws:
    endpoint: ${emu.url}
    region: us-east-1
alerts:
  sinks:
    - { name: test-hook, type: webhook, url: "${hookUrl}", secret: "\${HOOK_SECRET}", allowInsecure: true, allowLoopback: true }
  retry: { attempts: 5, backoffMs: 20 }
api:
  listen: 127.0.0.1:0
  tokens:
    - { name: ops, sha256: ${sha(TOKEN)}, role: viewer }
`;
    const loaded = parseConfigText(yaml, join(dir, 'vigil.config.yaml'), { ...process.env, HOOK_SECRET: SECRET });
    agent = await startAgent({ loaded, dataDir: join(dir, 'data'), logger, clock },  { roles: ['worker', 'writer', 'api'], prefix, redisUrl: REDIS, enqueueOnStart: false });
  });
  afterAll(async () => {
    await agent?.stop();
    await obliterateQueues(REDIS, prefix);
    await emu?.close();
    await new Promise((r) => hook?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (path: string) => {
    const r = await fetch(`${agent.api!.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: r.status, text: await r.text() };
  };
  const alertsJson = async () => (JSON.parse((await api('/v1/alerts')).text) as { alerts: Array<{ seq: number; kind: string; ruleId?: string; items?: Array<{ resourceId: string }> }> }).alerts;
  const cycle = async () => {
    // collectNow slots are per second: each cycle moves the agent's clock a second on, so it is a slot of its own.
    offsetMs += 1000;
    emu.expireCredentialReport();
    // A cycle (collect, record, alert) completes within 20 s, or collectNow rejects.
    await agent.collectNow(20_000);
  };
  const waitFor = async (cond: () => boolean, ms = 20_000) => waitForAsync(async () => cond(), ms);
  const waitForAsync = async (cond: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('break → one alert everywhere; fix → one recovery alert', async () => {
    await cycle(); // baseline: quiet
    expect(await alertsJson()).toEqual([]);

    // an SSE client connected before the break
    const sse: string[] = [];
    const sseReq = get(`${agent.api!.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => res.on('data', (d) => sse.push(String(d))));

    emu.estate.root.mfa = 'none';
    await cycle();
    const afterBreak = await alertsJson(); // recorded within the same collection cycle
    expect(afterBreak.map((a) => `${a.kind}:${a.ruleId}`)).toEqual([`broke:${ROOT_RULE}`]);
    expect(afterBreak[0]!.items!.map((i) => i.resourceId)).toEqual(['arn:aws:iam::123456789012:root']);
    const atom = await api('/v1/alerts.atom');
    expect(atom.text.match(/<entry>/g)).toHaveLength(1);
    await waitFor(() => deliveries.length >= 1 && sse.join('').includes('event: alert'));

    await cycle(); // still broken: nothing new
    emu.estate.root.mfa = 'hardware';
    await cycle();
    const all = await alertsJson();
    expect(all.map((a) => `${a.kind}:${a.ruleId}`)).toEqual([`broke:${ROOT_RULE}`, `recovered:${ROOT_RULE}`]);
    await waitFor(() => deliveries.length >= 2 && (sse.join('').match(/event: alert/g) ?? []).length >= 2);
    // Nothing more is coming: every notify job has run (a duplicate delivery would have been one of them).
    const conn = new Redis(REDIS, { maxRetriesPerRequest: null });
    const notify = new Queue(QUEUE_NOTIFY, { connection: conn, prefix });
    await waitForAsync(async () => Object.values(await notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')).every((n) => n === 0));
    await notify.close();
    conn.disconnect();
    sseReq.destroy();
    expect(deliveries.map((d) => `${d.kind}:${d.ruleId}:${d.valid}`)).toEqual([`broke:${ROOT_RULE}:true`, `recovered:${ROOT_RULE}:true`]);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(2);
    const sseIds = [...sse.join('').matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(sseIds).toEqual(all.map((a) => a.seq));
    expect((await agent.ledger.verify()).ok).toBe(true);
    const logs = logger.lines.join('\n');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(TOKEN);
  }, 60_000);
});

describe('vigil run with the api role', () => {
  it('answers /readyz and /metrics, and vigil alerts reads the feed', async () => {
    const emu = await startAwsEmulator({ estate: demoEstate(), reportDelayMs: 0 });
    const dir = tempDir('vigil-run-api-');
    const token = 'run-token-' + randomBytes(8).toString('hex');
    writeFileSync(
      join(dir, 'vigil.config.yaml'),
      `dataDir: ./data\norigin: vigil.test/run\nredis:\n  prefix: vt${randomBytes(5).toString('hex')}\nsources:\n  aws:\n    endpoint: ${emu.url}\n    region: us-east-1\napi:\n  listen: 127.0.0.1:0\n  tokens:\n    - { name: prom, sha256: ${sha(token)}, role: viewer }\n`,
    );
    const child = spawn(process.execPath, [BIN, 'run'], {
      cwd: dir,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'info', AWS_ACCESS_KEY_ID: 'AKIDTESTVIGILLOCAL', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_REGION: 'us-east-1', REDIS_URL: REDIS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no api url in logs:\n${stderr}`)), 25_000);
        child.stderr.on('data', () => {
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*api listening/.exec(stderr);
          if (m) {
            clearTimeout(t);
            ok(m[1]!);
          }
        });
      });
      // the first collection is enqueued at start; ready once it is recorded
      let ready: Response | undefined;
      for (let i = 0; i < 100; i++) {
        ready = await fetch(`${url}/readyz`);
        if (ready.status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready!.status).toBe(200);
      expect(await ready!.json()).toMatchObject({ ready: true, status: 'ready' });
      // the checks are for a token holder; a probe without one gets ready or not, and one word why
      const detail = await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${token}` } });
      expect(await detail.json()).toMatchObject({ ready: true, checks: { redis: { ok: true }, store: { ok: true } } });
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      let metrics = '';
      for (let i = 0; i < 100 && !/vigil_runs_total\{source="aws"/.test(metrics); i++) {
        metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
        if (!/vigil_runs_total\{source="aws"/.test(metrics)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(metrics).toMatch(/vigil_runs_total\{source="aws",outcome="complete"\} 1/);
      expect(metrics).toMatch(/vigil_queue_jobs\{queue="collect",state="waiting"\} \d+/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      await emu.close();
    }
    expect(stderr).not.toContain(token);
    const alerts = spawn(process.execPath, [BIN, 'alerts', '--json'], { cwd: dir, env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
    let out = '';
    alerts.stdout.on('data', (d) => (out += d));
    const code = await new Promise((r) => alerts.on('close', r));
    expect(code).toBe(0);
    expect(out).toBe(''); // one baseline run: no alerts
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
