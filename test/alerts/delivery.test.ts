// Delivery on real Redis and real HTTP: signed webhooks arrive exactly once through a flaky receiver; failures are recorded; SSRF guard.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Ledger } from '../../src/ledger/ledger.js';
import { Notifier, slackBody } from '../../src/alerts/deliver.js';
import { verifySignature, signPayload } from '../../src/alerts/signature.js';
import { addressRefusal, literalHostRefusal, validateSinkUrl } from '../../src/alerts/ssrf.js';
import { alertsConfigSchema, type SinkConfig } from '../../src/alerts/config.js';
import { QUEUE_NOTIFY } from '../../src/pipeline/queues.js';
import { capturingLogger, leavesOf, openLedger, tempDir } from './helpers.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'whsec-test-' + randomBytes(12).toString('hex');

interface Receiver {
  url: string;
  server: Server;
  received: Map<string, number>;
  requests: number;
  badSignatures: number;
}

async function receiver(decide: (n: number) => 'ok' | 'fail-before' | 'fail-after'): Promise<Receiver> {
  const r: Receiver = { url: '', server: undefined as unknown as Server, received: new Map(), requests: 0, badSignatures: 0 };
  r.server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const n = ++r.requests;
      const d = decide(n);
      if (d === 'fail-before') return void res.writeHead(503).end();
      if (!verifySignature(SECRET, req.headers, body)) {
        r.badSignatures++;
        return void res.writeHead(401).end();
      }
      const id = String(req.headers['vigil-delivery-id']);
      const alertSeq = (JSON.parse(body.toString()) as { alert: { seq: number } }).alert.seq;
      if (!r.received.has(id)) r.received.set(id, alertSeq); // the receiver dedupes by delivery id
      res.writeHead(d === 'fail-after' ? 500 : 204).end();
    });
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('alert delivery', () => {
  let dir: string;
  let ledger: Ledger;
  let conn: Redis;
  let prefix: string;
  let recv: Receiver | undefined;
  let notifier: Notifier | undefined;
  const clock = { now: () => new Date() };

  beforeEach(async () => {
    dir = tempDir('vigil-deliver-');
    ledger = await openLedger(dir, clock);
    conn = new Redis(REDIS, { maxRetriesPerRequest: null });
    prefix = `vigiltest-${randomBytes(6).toString('hex')}`;
  });
  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
    const q = new Queue(QUEUE_NOTIFY, { connection: conn, prefix });
    await q.obliterate({ force: true });
    await q.close();
    await conn.del(`${prefix}:vigil:notify:enqueued`);
    conn.disconnect();
    await new Promise((r) => (recv ? recv.server.close(r) : r(undefined)));
    recv = undefined;
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const appendAlerts = async (n: number) => {
    const out = await ledger.append(
      Array.from({ length: n }, (_, i) => ({ type: 'alert', source: 'aws', scope: '1', idempotencyKey: `alert:test:${i}`, data: { kind: 'broke', severity: 'critical', title: `t${i}`, ruleId: 'aws.x', count: 1, items: [{ resourceId: `r${i}`, from: 'pass', to: 'fail', reason: 'x' }] } })),
    );
    return out.map((o) => o.seq);
  };
  const sink = (url: string, over: Partial<SinkConfig> = {}): SinkConfig => ({ name: 'hook', type: 'webhook', url, secret: SECRET, allowInsecure: true, allowPrivateNetwork: false, allowLoopback: true, minSeverity: 'low', ...over });

  it('1,000 deliveries to a receiver that fails half the time all arrive exactly once, signatures verified', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    recv = await receiver(() => (rnd() < 0.5 ? (rnd() < 0.5 ? 'fail-before' : 'fail-after') : 'ok'));
    const logger = capturingLogger();
    const config = alertsConfigSchema.parse({ sinks: [], retry: { attempts: 40, backoffMs: 2, timeoutMs: 5000 } });
    config.sinks = [sink(recv.url)];
    notifier = new Notifier({ ledger, config, connection: conn, prefix, clock, logger, concurrency: 16 });
    const seqs = await appendAlerts(1000);
    expect(await notifier.enqueue(seqs)).toBe(1000);
    expect(await notifier.enqueue(seqs.slice(0, 10))).toBe(10); // re-offered: the queue keeps one job per delivery id
    notifier.start();
    await waitFor(async () => (await notifier!.queue.getJobCounts('completed')).completed === 1000);
    expect(recv.received.size).toBe(1000);
    expect([...recv.received.values()].sort((a, b) => a - b)).toEqual(seqs);
    expect(recv.requests).toBeGreaterThan(1500); // the receiver really failed about half the time
    expect(recv.badSignatures).toBe(0);
    expect(await leavesOf(ledger, 'delivery.failed')).toEqual([]);
    expect(logger.lines.join('\n')).not.toContain(SECRET);
  }, 120_000);

  it('a delivery that keeps failing is recorded as a delivery.failed leaf, once', async () => {
    recv = await receiver(() => 'fail-before');
    const logger = capturingLogger();
    const config = alertsConfigSchema.parse({ retry: { attempts: 3, backoffMs: 5 } });
    config.sinks = [sink(recv.url)];
    notifier = new Notifier({ ledger, config, connection: conn, prefix, clock, logger });
    const seqs = await appendAlerts(1);
    await notifier.enqueue(seqs);
    notifier.start();
    await waitFor(async () => (await leavesOf(ledger, 'delivery.failed')).length === 1);
    await waitFor(async () => (await notifier!.queue.getJobCounts('failed')).failed === 1);
    const [f] = await leavesOf(ledger, 'delivery.failed');
    expect(f).toMatchObject({ sink: 'hook', alertSeq: seqs[0], attempts: 3, error: 'sink hook answered HTTP 503' });
    expect(recv.requests).toBe(3);
    expect(logger.lines.join('\n')).not.toContain(recv.url); // sink URLs can be secrets (Slack): never logged
  });

  it('refuses to connect to loopback unless allowed, even through a hostname, and records the failure', async () => {
    recv = await receiver(() => 'ok');
    const config = alertsConfigSchema.parse({ retry: { attempts: 1, backoffMs: 5 } });
    config.sinks = [sink(recv.url.replace('127.0.0.1', 'localhost'), { allowLoopback: false })];
    notifier = new Notifier({ ledger, config, connection: conn, prefix, clock, logger: capturingLogger() });
    await notifier.enqueue(await appendAlerts(1));
    notifier.start();
    await waitFor(async () => (await leavesOf(ledger, 'delivery.failed')).length === 1);
    expect(recv.requests).toBe(0);
    expect(String((await leavesOf(ledger, 'delivery.failed'))[0]!.error)).toMatch(/refused to connect to localhost: .* loopback/);
  });

  it('refuses an IP-literal loopback sink at send time, which Node connects to without a lookup', async () => {
    recv = await receiver(() => 'ok');
    const config = alertsConfigSchema.parse({ retry: { attempts: 1, backoffMs: 5 } });
    config.sinks = [sink(recv.url.replace('127.0.0.1', '[::ffff:127.0.0.1]'), { allowLoopback: false })];
    notifier = new Notifier({ ledger, config, connection: conn, prefix, clock, logger: capturingLogger() });
    await notifier.enqueue(await appendAlerts(1));
    notifier.start();
    await waitFor(async () => (await leavesOf(ledger, 'delivery.failed')).length === 1);
    expect(recv.requests).toBe(0);
    expect(String((await leavesOf(ledger, 'delivery.failed'))[0]!.error)).toMatch(/refused to connect to \[::ffff:7f00:1\]: .*IPv4-mapped IPv6 for 127\.0\.0\.1.*loopback/);
  });

  it('recover() enqueues alerts recorded after the Redis cursor (crash between append and enqueue)', async () => {
    recv = await receiver(() => 'ok');
    const config = alertsConfigSchema.parse({ retry: { attempts: 3, backoffMs: 5 } });
    config.sinks = [sink(recv.url)];
    notifier = new Notifier({ ledger, config, connection: conn, prefix, clock, logger: capturingLogger() });
    const first = await appendAlerts(2);
    await notifier.enqueue(first.slice(0, 1)); // the second was "never enqueued"
    expect(await notifier.recover()).toBe(1);
    notifier.start();
    await waitFor(() => recv!.received.size === 2);
  });
});

describe('webhook signatures and URL policy', () => {
  it('verifies only the exact body, the right secret and a fresh timestamp', () => {
    const body = '{"a":1}';
    const ts = 1_800_000_000;
    const headers = { 'vigil-timestamp': String(ts), 'vigil-signature': signPayload('s3cret-s3cret-s3cret', ts, body) };
    expect(verifySignature('s3cret-s3cret-s3cret', headers, body, { nowSeconds: ts + 10 })).toBe(true);
    expect(verifySignature('s3cret-s3cret-s3cret', headers, '{"a":2}', { nowSeconds: ts + 10 })).toBe(false);
    expect(verifySignature('other-secret-value!!', headers, body, { nowSeconds: ts + 10 })).toBe(false);
    expect(verifySignature('s3cret-s3cret-s3cret', headers, body, { nowSeconds: ts + 301 })).toBe(false); // replayed later
    expect(verifySignature('s3cret-s3cret-s3cret', { ...headers, 'vigil-timestamp': String(ts + 1) }, body, { nowSeconds: ts })).toBe(false);
  });

  it('sink URLs: https only unless allowed; no credentials; metadata and link-local never', () => {
    const p = { allowInsecure: false, allowPrivateNetwork: false, allowLoopback: false };
    expect(() => validateSinkUrl('http://hooks.example.com/x', p, 'alerts.sinks.0.url')).toThrow(/alerts.sinks.0.url: must use https/);
    expect(validateSinkUrl('https://hooks.example.com/x', p, 'u').hostname).toBe('hooks.example.com');
    expect(() => validateSinkUrl('https://user:pw@hooks.example.com/', p, 'u')).toThrow(/credentials/);
    expect(() => validateSinkUrl('file:///etc/passwd', { ...p, allowInsecure: true }, 'u')).toThrow(/https/);
    const all = { allowInsecure: true, allowPrivateNetwork: true, allowLoopback: true };
    for (const ip of ['169.254.169.254', '::ffff:169.254.169.254', 'fe80::1', 'fd00:ec2::254', '0.0.0.0', '100.100.100.200']) expect(addressRefusal(ip, all)).toBeDefined();
    expect(addressRefusal('127.0.0.1', p)).toMatch(/loopback/);
    expect(addressRefusal('::1', p)).toMatch(/loopback/);
    expect(addressRefusal('10.1.2.3', p)).toMatch(/private/);
    expect(addressRefusal('::ffff:192.168.1.1', p)).toMatch(/private/);
    expect(addressRefusal('10.1.2.3', all)).toBeUndefined();
    expect(addressRefusal('93.184.216.34', p)).toBeUndefined();
    expect(() => validateSinkUrl('https://169.254.169.254/latest/meta-data', all, 'u')).toThrow(/link-local/);
  });

  it('IPv6 forms that carry an IPv4 address are judged by that address (mapped, translated, compatible, NAT64, 6to4, Teredo, site-local)', () => {
    const p = { allowInsecure: false, allowPrivateNetwork: false, allowLoopback: false };
    // Each is a spelling of a loopback, private or metadata IPv4 host; hex forms are what URL parsing produces.
    const refused: Array<[string, RegExp]> = [
      ['::ffff:7f00:1', /IPv4-mapped IPv6 for 127\.0\.0\.1.*loopback/],
      ['::ffff:a9fe:a9fe', /169\.254\.169\.254.*link-local/],
      ['::ffff:0:a00:1', /IPv4-translated IPv6 for 10\.0\.0\.1.*private/],
      ['::127.0.0.1', /IPv4-compatible IPv6 for 127\.0\.0\.1/],
      ['::a9fe:a9fe', /IPv4-compatible IPv6 for 169\.254\.169\.254/],
      ['64:ff9b::169.254.169.254', /NAT64 IPv6 for 169\.254\.169\.254/],
      ['64:ff9b::a00:1', /NAT64 IPv6 for 10\.0\.0\.1.*private/],
      ['64:ff9b:1::c0a8:101', /local-use NAT64 IPv6 for 192\.168\.1\.1/],
      ['2002:7f00:1::1', /6to4 IPv6 for 127\.0\.0\.1/],
      ['2002:a9fe:a9fe::', /6to4 IPv6 for 169\.254\.169\.254/],
      ['2001:0:4136:e378:8000:63bf:f5ff:fffe', /Teredo IPv6 for 10\.0\.0\.1/],
      ['fec0::1', /private-network/],
    ];
    for (const [ip, why] of refused) expect(addressRefusal(ip, p), ip).toMatch(why);
    // The same forms around public IPv4 hosts stay allowed: NAT64 is how IPv6-only clusters reach IPv4 receivers.
    for (const ip of ['64:ff9b::5db8:d822', '::ffff:5db8:d822', '2002:5db8:d822::1', '2606:4700::1111']) expect(addressRefusal(ip, p), ip).toBeUndefined();
    // URL parsing turns [::ffff:127.0.0.1] into the hex form; the config check must see through it.
    expect(() => validateSinkUrl('https://[::ffff:127.0.0.1]/hook', p, 'alerts.sinks.0.url')).toThrow(/alerts.sinks.0.url: .*loopback/);
    expect(() => validateSinkUrl('https://[64:ff9b::a9fe:a9fe]/hook', { ...p, allowPrivateNetwork: true, allowLoopback: true }, 'u')).toThrow(/link-local/);
  });

  it('an IP-literal sink host is checked again at send time (Node never calls lookup for literals)', async () => {
    // A sink that passed config load under one policy but is sent under a stricter one, as after a config change.
    const url = new URL('http://127.0.0.1:9/hook');
    const refusal = literalHostRefusal(url, { allowInsecure: true, allowPrivateNetwork: false, allowLoopback: false });
    expect(refusal).toMatch(/loopback/);
    expect(literalHostRefusal(new URL('http://[::ffff:a00:1]/'), { allowInsecure: true })).toMatch(/10\.0\.0\.1/);
    expect(literalHostRefusal(new URL('https://hooks.example.com/'), {})).toBeUndefined();
  });

  it('Slack bodies are readable blocks naming the rule, severity and resources', () => {
    const b = slackBody({ seq: 7, observedAt: 'x', kind: 'broke', severity: 'critical', title: 'Root has MFA: 1 resource failing', ruleId: 'aws.iam.root_mfa_enabled', source: 'aws', scope: '1', count: 1, items: [{ resourceId: 'arn:root', from: 'pass', to: 'fail', reason: 'no MFA' }] });
    const text = JSON.stringify(b);
    expect(b.text).toContain('Root has MFA');
    expect(text).toContain('aws.iam.root_mfa_enabled');
    expect(text).toContain('arn:root');
    expect((b.blocks as Array<{ type: string }>)[0]!.type).toBe('header');
  });
});
