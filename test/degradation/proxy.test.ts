// The degrading proxy over real HTTP: healthy replies pass through unchanged, the one targeted reply is degraded as named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestKey, startDegradingProxy, type DegradingProxy, type DegradeMode } from '../support/degrading-proxy.js';

let upstream: Server;
let origin = '';
let proxy: DegradingProxy;

const XML = '<ListUsersResponse><ListUsersResult><Users><member><UserName>a</UserName></member><member><UserName>b</UserName></member></Users><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>';

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/object') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('link', `<${origin}/object?page=2>; rel="next"`);
        res.end(JSON.stringify({ value: [1, 2, 3], other: [1], nextLink: `${origin}/object?page=2` }));
      } else if (url.pathname === '/array') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify([{ id: 1 }, { id: 2 }]));
      } else if (url.pathname === '/graphql') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { organization: { repositories: { nodes: [{ n: 1 }, { n: 2 }], pageInfo: { hasNextPage: false } } } } }));
      } else if (url.pathname === '/xml') {
        res.setHeader('content-type', 'text/xml');
        res.end(XML);
      } else if (url.pathname === '/redirect') {
        res.writeHead(302, { location: `${origin}/array` }).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startDegradingProxy(origin);
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** Requests `path` once with `mode` applied to its first occurrence. */
async function degraded(path: string, mode: DegradeMode, init?: RequestInit): Promise<Response> {
  proxy.reset();
  await fetch(`${proxy.url}${path}`, init).then((r) => r.arrayBuffer());
  const key = proxy.seen()[0]!.key;
  proxy.reset({ key, mode });
  return fetch(`${proxy.url}${path}`, { ...init, signal: AbortSignal.timeout(2_000) });
}

describe('degrading proxy', () => {
  it('passes healthy replies through, with the emulator origin rewritten to its own in bodies and Link/Location', async () => {
    proxy.reset();
    const r = await fetch(`${proxy.url}/object`);
    const body = await r.json() as { value: number[]; nextLink: string };
    expect(body.value).toEqual([1, 2, 3]);
    expect(body.nextLink).toBe(`${proxy.url}/object?page=2`);
    expect(r.headers.get('link')).toBe(`<${proxy.url}/object?page=2>; rel="next"`);
    const redirect = await fetch(`${proxy.url}/redirect`, { redirect: 'manual' });
    expect(redirect.headers.get('location')).toBe(`${proxy.url}/array`);
    const xml = await fetch(`${proxy.url}/xml`);
    expect(await xml.text()).toBe(XML);
    expect(proxy.seen().map((s) => s.path)).toEqual(['/object', '/redirect', '/xml']);
  });

  it('keys requests by method, path, masked body and occurrence, so clocks and arrival order do not change them', async () => {
    const a = requestKey('POST', '/x?since=2026-01-02T03:04:05.678Z', Buffer.from('{"StartTime":1767000000.5}'), 0);
    const b = requestKey('POST', '/x?since=2026-02-03T04:05:06Z', Buffer.from('{"StartTime":1768000000.25}'), 0);
    expect(a).toBe(b);
    expect(requestKey('POST', '/x', Buffer.from('{"Account":"123456789012"}'), 0)).not.toBe(requestKey('POST', '/x', Buffer.from('{"Account":"123456789013"}'), 0));
    proxy.reset();
    await fetch(`${proxy.url}/array`).then((r) => r.text());
    await fetch(`${proxy.url}/array`).then((r) => r.text());
    expect(proxy.seen().map((s) => s.key)).toEqual(['GET /array - #0', 'GET /array - #1']);
    // Only the targeted occurrence is degraded: the retry that follows it is healthy.
    proxy.reset({ key: 'GET /array - #0', mode: 's500' });
    expect((await fetch(`${proxy.url}/array`)).status).toBe(500);
    expect((await fetch(`${proxy.url}/array`)).status).toBe(200);
    expect(proxy.outcome()).toEqual({ key: 'GET /array - #0', mode: 's500', applied: true });
  });

  it.each([
    ['empty200', '/object', 200, ''],
    ['emptyObject', '/array', 200, '{}'],
    ['emptyArray', '/object', 200, '[]'],
    ['listKeyMissing', '/object', 200, JSON.stringify({ other: [1], nextLink: 'PROXY/object?page=2' })],
    ['listKeyMissing', '/graphql', 200, JSON.stringify({ data: { organization: { repositories: { pageInfo: { hasNextPage: false } } } } })],
    ['listKeyMissing', '/xml', 200, '<ListUsersResponse><ListUsersResult><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>'],
    ['nullified', '/array', 200, 'null'],
    ['nullified', '/object', 200, JSON.stringify({ value: null, other: [1], nextLink: 'PROXY/object?page=2' })],
    ['nullified', '/graphql', 200, JSON.stringify({ data: { organization: { repositories: null } } })],
    ['s401', '/object', 401, undefined],
    ['s403', '/object', 403, undefined],
    ['s404', '/object', 404, undefined],
    ['s429', '/object', 429, undefined],
    ['s500', '/object', 500, undefined],
  ] as Array<[DegradeMode, string, number, string | undefined]>)('%s on %s answers %i with the degraded body', async (mode, path, status, body) => {
    const r = await degraded(path, mode);
    expect(r.status).toBe(status);
    const text = await r.text();
    if (body !== undefined) expect(text).toBe(body.replaceAll('PROXY', proxy.url));
    if (mode === 's429') expect([...r.headers.keys()].filter((h) => /rate|retry/i.test(h))).toEqual([]);
    expect(proxy.outcome()?.applied).toBe(true);
  });

  it('answers html200/html500 with an HTML error page, and truncated with half the body and a matching length', async () => {
    for (const [mode, status] of [['html200', 200], ['html500', 500]] as const) {
      const r = await degraded('/object', mode);
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await r.text()).toMatch(/^<!DOCTYPE html>/);
    }
    proxy.reset();
    const full = await (await fetch(`${proxy.url}/xml`)).text();
    const r = await degraded('/xml', 'truncated');
    const half = await r.text();
    expect(half).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(r.headers.get('content-length')).toBe(String(Buffer.byteLength(half)));
  });

  it('says when a mode has nothing to act on: [] for a list, a list key in a top-level array, null in XML', async () => {
    await degraded('/array', 'emptyArray').then((r) => r.text());
    expect(proxy.outcome()?.applied).toBe(false);
    await degraded('/array', 'listKeyMissing').then((r) => r.text());
    expect(proxy.outcome()?.applied).toBe(false);
    await degraded('/xml', 'nullified').then((r) => r.text());
    expect(proxy.outcome()?.applied).toBe(false);
  });

  it('resets the connection, and holds a hung reply open until the client gives up', async () => {
    await expect(degraded('/object', 'reset')).rejects.toThrow();
    proxy.reset();
    await fetch(`${proxy.url}/object`).then((r) => r.text());
    proxy.reset({ key: proxy.seen()[0]!.key, mode: 'hang' });
    const err = await fetch(`${proxy.url}/object`, { signal: AbortSignal.timeout(200) }).catch((e: Error) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(proxy.outcome()).toEqual({ key: 'GET /object - #0', mode: 'hang', applied: true });
  });
});
