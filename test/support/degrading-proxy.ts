// A loopback HTTP proxy in front of a source's emulator that forwards every reply unchanged except one, degraded on purpose.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';

/** Every way one reply can be degraded (see docs/faults.md). */
export const DEGRADE_MODES = [
  'empty200', 'emptyObject', 'emptyArray', 'listKeyMissing', 'nullified', 'html200', 'html500', 'truncated',
  's401', 's403', 's404', 's429', 's500', 'reset', 'hang',
] as const;
export type DegradeMode = (typeof DEGRADE_MODES)[number];

/** One request as the proxy saw it: its stable key (see requestKey) and what came back from the emulator. */
export interface SeenRequest {
  key: string;
  method: string;
  path: string;
  status: number;
  contentType: string;
}

/** What the proxy did with the one reply it was told to degrade. */
export interface DegradeOutcome {
  key: string;
  mode: DegradeMode;
  /** False when the mode has nothing to act on in that reply (no list key in a top-level array, `nullified` on XML…). */
  applied: boolean;
}

export interface DegradingProxy {
  /** The proxy's origin, e.g. http://127.0.0.1:41234 — give it to the source in place of the emulator's. */
  url: string;
  /** Requests seen since the last `reset`, in order of arrival. */
  seen(): SeenRequest[];
  /** Forget the requests seen and the occurrence counts, and degrade the reply to `key` with `mode` (or nothing). */
  reset(target?: { key: string; mode: DegradeMode }): void;
  /** What happened to the target since the last `reset`: undefined when no request had its key. */
  outcome(): DegradeOutcome | undefined;
  close(): Promise<void>;
}

/** ISO-8601 instants, epoch seconds/millis and JWTs vary with the clock, not with what is asked, so they do not name a request. */
const VOLATILE = [
  /\d{4}-\d{2}-\d{2}T\d{2}(?::|%3A)\d{2}(?:(?::|%3A)\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::|%3A)?\d{2})?/gi,
  /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g,
  /(?<![\w.])1\d{9}(?:\d{3})?(?:\.\d+)?(?![\w])/g,
];
function stable(text: string): string {
  let out = text;
  for (const re of VOLATILE) out = out.replace(re, '<t>');
  return out;
}

/**
 * The key of a request: method, path and query, a hash of the body (volatile parts masked) and its occurrence among
 * requests with the same first three parts. Arrival order varies with concurrency; this key does not.
 */
export function requestKey(method: string, pathAndQuery: string, body: Buffer, occurrence: number): string {
  const bodyHash = body.length === 0 ? '-' : createHash('sha256').update(stable(body.toString('latin1'))).digest('hex').slice(0, 12);
  return `${method} ${stable(pathAndQuery)} ${bodyHash} #${occurrence}`;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer', 'content-length']);

function htmlPage(status: number): Buffer {
  return Buffer.from(`<!DOCTYPE html>\n<html><head><title>${status} Error</title></head><body><h1>${status === 200 ? 'Service Temporarily Unavailable' : 'Internal Server Error'}</h1><p>The server encountered a temporary error. Please try again later.</p><hr><address>nginx</address></body></html>\n`);
}

function decoded(body: Buffer, encoding: string | undefined): Buffer {
  if (!encoding || encoding === 'identity') return body;
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  return body;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Finds the largest array under `root` (depth-first, document order on ties) and returns its parent and key. */
function largestArray(root: Json, depth = 0): { parent: { [k: string]: Json }; key: string; size: number } | undefined {
  if (!root || typeof root !== 'object' || Array.isArray(root) || depth > 6) return undefined;
  let best: { parent: { [k: string]: Json }; key: string; size: number } | undefined;
  for (const [k, v] of Object.entries(root)) {
    if (Array.isArray(v)) {
      if (!best || v.length > best.size) best = { parent: root, key: k, size: v.length };
    } else if (depth > 0 || k === 'data') {
      // Below the top level only GraphQL's `data.*` is searched: REST replies keep their list at the top.
      const inner = largestArray(v, depth + 1);
      if (inner && (!best || inner.size > best.size)) best = inner;
    }
  }
  return best;
}

/** `listKeyMissing` and `nullified` on a JSON body; undefined when the mode has nothing to act on. */
function degradeJson(text: string, mode: 'listKeyMissing' | 'nullified'): string | undefined {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  if (Array.isArray(doc)) return mode === 'nullified' ? 'null' : undefined;
  if (!doc || typeof doc !== 'object') return undefined;
  const isGraphql = 'data' in doc && doc.data !== null && typeof doc.data === 'object';
  const found = isGraphql ? largestArray({ data: doc.data as Json }) : largestArray(doc);
  if (mode === 'listKeyMissing') {
    if (!found) return undefined;
    delete found.parent[found.key];
    return JSON.stringify(doc);
  }
  if (!found) return 'null';
  // GraphQL: the connection holding the list becomes null, as GraphQL itself answers when access is missing.
  if (isGraphql && ['nodes', 'edges'].includes(found.key)) {
    const holder = findHolder(doc.data as Json, found.parent);
    if (holder) {
      holder.parent[holder.key] = null;
      return JSON.stringify(doc);
    }
  }
  found.parent[found.key] = null;
  return JSON.stringify(doc);
}

function findHolder(root: Json, target: object): { parent: { [k: string]: Json }; key: string } | undefined {
  if (!root || typeof root !== 'object' || Array.isArray(root)) return undefined;
  for (const [k, v] of Object.entries(root)) {
    if (v === target) return { parent: root, key: k };
    const inner = findHolder(v, target);
    if (inner) return inner;
  }
  return undefined;
}

/** XML `listKeyMissing`: removes the first element holding a list (repeated children, or AWS's `member`/`item`). */
function degradeXml(text: string): string | undefined {
  interface El { name: string; start: number; end: number; children: string[] }
  const stack: El[] = [];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(text))) {
    const [whole, close, name, selfClose] = m as unknown as [string, string, string, string];
    if (whole.startsWith('<?') || whole.startsWith('<!')) continue;
    if (!close) {
      const el: El = { name: name!, start: m.index, end: -1, children: [] };
      stack[stack.length - 1]?.children.push(name!);
      if (selfClose) continue;
      stack.push(el);
      continue;
    }
    const el = stack.pop();
    if (!el || el.name !== name) return undefined;
    const isList = el.children.length > 0 && (el.children.some((c, i) => el.children.indexOf(c) !== i) || el.children.every((c) => c === 'member' || c === 'item'));
    if (isList) return text.slice(0, el.start) + text.slice(m.index + whole.length);
  }
  return undefined;
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

export async function startDegradingProxy(upstreamUrl: string): Promise<DegradingProxy> {
  const upstream = new URL(upstreamUrl);
  const upstreamOrigin = upstream.origin;
  let seen: SeenRequest[] = [];
  let counts = new Map<string, number>();
  let target: { key: string; mode: DegradeMode } | undefined;
  let outcome: DegradeOutcome | undefined;
  const sockets = new Set<Socket>();
  let proxyOrigin = '';

  const rewrite = (s: string) => s.split(upstreamOrigin).join(proxyOrigin);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const base = requestKey(method, path, body, 0).replace(/ #0$/, '');
      const occurrence = counts.get(base) ?? 0;
      counts.set(base, occurrence + 1);
      const key = `${base} #${occurrence}`;
      const degrade = target && target.key === key ? target.mode : undefined;
      forward(method, path, req.headers, body, (up, upBody) => {
        seen.push({ key, method, path, status: up.statusCode ?? 0, contentType: String(up.headers['content-type'] ?? '') });
        if (!degrade) return reply(res, up.statusCode ?? 502, up.headers, upBody, true);
        outcome = { key, mode: degrade, applied: true };
        degradeReply(res, degrade, up, upBody, (applied) => { if (outcome) outcome.applied = applied; });
      }, () => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function forward(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer, done: (up: IncomingMessage, body: Buffer) => void, fail: () => void): void {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
    // Host stays as the client sent it: signatures (SigV4) cover it, and emulators that build links from it point here.
    out['content-length'] = String(body.length);
    const r = httpRequest({ host: upstream.hostname, port: upstream.port, method, path, headers: out, agent: false }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => done(up, Buffer.concat(chunks)));
      up.on('error', fail);
    });
    r.on('error', fail);
    r.end(body);
  }

  function reply(res: ServerResponse, status: number, headers: IncomingHttpHeaders, body: Buffer, rewriteBody: boolean): void {
    let out = body;
    const encoded = headers['content-encoding'] && headers['content-encoding'] !== 'identity';
    if (rewriteBody && !encoded && out.includes(upstreamOrigin)) out = Buffer.from(rewrite(out.toString('utf8')));
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined || HOP.has(k)) continue;
      res.setHeader(k, k === 'link' || k === 'location' ? (Array.isArray(v) ? v.map(rewrite) : rewrite(v)) : v);
    }
    res.setHeader('content-length', String(out.length));
    res.writeHead(status);
    res.end(out);
  }

  function degradeReply(res: ServerResponse, mode: DegradeMode, up: IncomingMessage, upBody: Buffer, applied: (a: boolean) => void): void {
    const status = up.statusCode ?? 200;
    const headers = { ...up.headers };
    const plain = decoded(upBody, headers['content-encoding'] as string | undefined);
    delete headers['content-encoding'];
    const text = rewrite(plain.toString('utf8'));
    const ctype = String(headers['content-type'] ?? '');
    const json = { ...headers, 'content-type': 'application/json' };
    const bare: IncomingHttpHeaders = { 'content-type': 'text/plain' };
    switch (mode) {
      case 'empty200':
        if (status === 200 && text.length === 0) applied(false);
        return reply(res, 200, headers, Buffer.alloc(0), false);
      case 'emptyObject':
        if (status === 200 && text.trim() === '{}') applied(false);
        return reply(res, 200, json, Buffer.from('{}'), false);
      case 'emptyArray':
        // `[]` in place of a top-level JSON list is the source saying "none": no client can tell it from the truth,
        // so it is not a degradation the property can demand be noticed (docs/faults.md).
        if (status === 200 && isJsonArray(text)) applied(false);
        return reply(res, 200, json, Buffer.from('[]'), false);
      case 'listKeyMissing':
      case 'nullified': {
        const isXml = /xml/.test(ctype) || text.trimStart().startsWith('<');
        const out = isXml ? (mode === 'listKeyMissing' ? degradeXml(text) : undefined) : degradeJson(text, mode);
        if (out === undefined) {
          applied(false);
          return reply(res, status, headers, Buffer.from(text), false);
        }
        return reply(res, status, headers, Buffer.from(out), false);
      }
      case 'html200': return reply(res, 200, { 'content-type': 'text/html; charset=utf-8' }, htmlPage(200), false);
      case 'html500': return reply(res, 500, { 'content-type': 'text/html; charset=utf-8' }, htmlPage(500), false);
      case 'truncated': {
        const full = Buffer.from(text);
        if (full.length < 2) applied(false);
        return reply(res, status, headers, full.subarray(0, Math.floor(full.length / 2)), false);
      }
      case 's401': return reply(res, 401, bare, Buffer.from('Unauthorized'), false);
      case 's403': return reply(res, 403, bare, Buffer.from('Forbidden'), false);
      case 's404': return reply(res, 404, bare, Buffer.from('Not Found'), false);
      case 's429': return reply(res, 429, bare, Buffer.from('Too Many Requests'), false);
      case 's500': return reply(res, 500, bare, Buffer.from('Internal Server Error'), false);
      case 'reset': res.socket?.destroy(); return;
      case 'hang': return; // headers never sent, socket held open until the client gives up or the proxy closes
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxyOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: proxyOrigin + (upstream.pathname === '/' ? '' : upstream.pathname),
    seen: () => [...seen],
    reset(t) {
      seen = [];
      counts = new Map();
      target = t;
      outcome = undefined;
    },
    outcome: () => outcome,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
