// The property can fail: a toy source read sloppily (`?? []`, status ignored) violates it; the same source read soundly holds.
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Collector, CollectContext } from '../../src/core/collector.js';
import { collectionErrorFrom, MalformedReplyError } from '../../src/core/failure.js';
import type { RunningEmulator, SourceDemo, SourcePlugin } from '../../src/core/source-plugin.js';
import type { Rule, Snapshot } from '../../src/core/types.js';
import { fullMatrix, sampledMatrix, setUpSource, describeReport } from './harness.js';
import { DEGRADE_MODES } from '../support/degrading-proxy.js';

const TYPE = 'aws.toy.thing';

/** Two pages of things, one not ok: the healthy verdict of the scope-level rule is `fail`. */
async function startToyEmulator(): Promise<RunningEmulator> {
  const server = createServer((req, res) => {
    const page = new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? '1';
    const origin = `http://${req.headers.host}`;
    res.setHeader('content-type', 'application/json');
    if (page === '1') res.end(JSON.stringify({ things: [{ id: 'a', ok: true }, { id: 'b', ok: false }], next: `${origin}/things?page=2` }));
    else res.end(JSON.stringify({ things: [{ id: 'c', ok: true }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const rules: Rule[] = [
  {
    id: 'aws.toy.all_ok', title: 'Every thing is ok', severity: 'low', source: 'aws', mode: 'snapshot', inputs: [TYPE], permissions: ['toy:List'],
    rationale: 'test', remediation: 'test', params: {},
    evaluate: (snap) => {
      const bad = snap.resources.filter((r) => r.type === TYPE && r.attributes.ok !== true);
      return [{ resourceId: 'toy', status: bad.length ? 'fail' : 'pass', reason: bad.length ? `${bad.length} not ok` : 'all ok' }];
    },
  },
  {
    id: 'aws.toy.thing_ok', title: 'Each thing is ok', severity: 'low', source: 'aws', mode: 'snapshot', inputs: [TYPE], permissions: ['toy:List'],
    rationale: 'test', remediation: 'test', params: {},
    evaluate: (snap) => snap.resources.map((r) => ({ resourceId: r.id, status: r.attributes.ok === true ? 'pass' : 'fail', reason: String(r.attributes.ok) })),
  },
];

function toyPlugin(sound: boolean): SourcePlugin<{ url: string }> & SourceDemo<{ url: string }> {
  return {
    id: 'aws',
    configSchema: z.strictObject({ url: z.string() }),
    startEmulator: startToyEmulator,
    demoConfig: (emu) => ({ config: { url: emu.url } }),
    createCollector: (config): Collector => ({
      source: 'aws',
      scopes: async () => ['toy'],
      async collect(ctx: CollectContext): Promise<Snapshot> {
        const at = ctx.clock.now().toISOString();
        const snap: Snapshot = { source: 'aws', scope: ctx.scope, slot: ctx.slot, startedAt: at, endedAt: at, resources: [], inputs: {}, artifacts: [], errors: [], apiCalls: 0 };
        let url: string | undefined = `${config.url}/things?page=1`;
        try {
          while (url) {
            snap.apiCalls++;
            if (!sound) {
              // The habits the issue names: status ignored, parse failures read as {}, a missing list read as none.
              const body = await fetch(url).then((r) => r.json()).catch(() => ({})) as { things?: Array<{ id: string; ok: boolean }>; next?: string };
              for (const t of body?.things ?? []) snap.resources.push({ source: 'aws', scope: ctx.scope, type: TYPE, id: t.id, name: t.id, attributes: { ok: t.ok }, observedAt: at });
              url = body?.next;
              continue;
            }
            const signal = AbortSignal.any([AbortSignal.timeout(300), ...(ctx.signal ? [ctx.signal] : [])]);
            const res = await fetch(url, { signal });
            if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
            const body = JSON.parse(await res.text()) as unknown;
            const things = (body as { things?: unknown } | null)?.things;
            if (!Array.isArray(things)) throw new MalformedReplyError('toy:List', 'no things list');
            for (const t of things as Array<{ id?: unknown; ok?: unknown }>) {
              if (typeof t?.id !== 'string' || typeof t.ok !== 'boolean') throw new MalformedReplyError('toy:List', 'thing without id or ok');
              snap.resources.push({ source: 'aws', scope: ctx.scope, type: TYPE, id: t.id, name: t.id, attributes: { ok: t.ok }, observedAt: at });
            }
            const next = (body as { next?: unknown }).next;
            if (next !== undefined && typeof next !== 'string') throw new MalformedReplyError('toy:List', 'next is not a URL');
            url = next;
          }
          snap.inputs[TYPE] = { observedAt: at };
        } catch (e) {
          snap.resources = [];
          snap.errors.push(collectionErrorFrom(e, { operation: 'toy:List', inputs: [TYPE] }));
        }
        return snap;
      },
    }),
  };
}

describe('degradation harness', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const h of open) await h.close();
  });

  it('finds the false passes of a sloppy reader and names request, mode, rule, resource and statuses', async () => {
    const h = await setUpSource({ plugin: toyPlugin(false), rules, deadlineMs: 2_000, hangMarginMs: 1_000 });
    open.push(h);
    expect(h.keys).toEqual(['GET /things?page=1 - #0', 'GET /things?page=2 - #0']);
    expect(h.healthy.map((r) => `${r.ruleId} ${r.resourceId} ${r.status}`).sort()).toEqual(['aws.toy.all_ok toy fail', 'aws.toy.thing_ok a pass', 'aws.toy.thing_ok b fail', 'aws.toy.thing_ok c pass']);
    const report = await h.run(fullMatrix(h.keys).filter((r) => r.mode !== 'hang'));
    const modes = new Set(report.violations.map((v) => v.mode));
    // Page 1 degraded: no `next`, no failing thing → "all ok". Each of these modes alone does it.
    for (const m of ['empty200', 'emptyObject', 'listKeyMissing', 'nullified', 'html200', 's500', 'truncated', 'reset'] as const) expect(modes).toContain(m);
    expect(report.violations[0]).toMatchObject({ ruleId: 'aws.toy.all_ok', resourceId: 'toy', healthy: 'fail', degraded: 'pass' });
    expect(describeReport(report)).toMatch(/VIOLATION \[GET \/things\?page=1 - #0\] \w+: aws\.toy\.all_ok toy: fail → pass \(all ok\)/);
  });

  it('holds for a reader that checks status, shape, fields and timeouts, over every request and every mode', async () => {
    const h = await setUpSource({ plugin: toyPlugin(true), rules, deadlineMs: 2_000, hangMarginMs: 1_000, lanes: 2 });
    open.push(h);
    const report = await h.run(fullMatrix(h.keys));
    // Both pages are objects, so every mode applies to each (emptyArray included: `[]` for an object is a shape change).
    expect(report.replays).toBe(2 * DEGRADE_MODES.length);
    expect(describeReport(report)).toBe(`aws: ${report.replays} degraded replays over 2 requests, 0 violations, 0 hangs, 0 crashes`);
  });

  it('samples a bounded, seeded matrix: every request gets its modes, every mode is used, hang only on a few', () => {
    const keys = Array.from({ length: 30 }, (_, i) => `GET /r${i} - #0`);
    const a = sampledMatrix(keys, { seed: 3, perRequest: 2, hangs: 2 });
    expect(a).toEqual(sampledMatrix(keys, { seed: 3, perRequest: 2, hangs: 2 }));
    expect(a.filter((r) => r.mode === 'hang')).toHaveLength(2);
    for (const k of keys) expect(a.filter((r) => r.key === k && r.mode !== 'hang')).toHaveLength(2);
    expect(new Set(a.map((r) => r.mode))).toEqual(new Set(DEGRADE_MODES));
    expect(sampledMatrix(keys, { seed: 3, maxReplays: 12 }).length).toBeLessThanOrEqual(12);
  });
});
