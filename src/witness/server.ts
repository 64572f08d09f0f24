// The witness's HTTP face: POST <prefix>/add-checkpoint on node:http, with a bounded body and timeouts on every phase.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/collector.js';
import type { Witness } from './witness.js';

export interface WitnessServerOptions {
  witness: Witness;
  /** Host to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /**
   * Largest request body accepted; larger ones get 413 unread. 63 proof lines and a checkpoint with the 100 signatures
   * a note may carry fit in far less. @defaultValue 65536
   */
  maxBodyBytes?: number;
  /** Time to receive a whole request (headers and body); a slow client is cut off. @defaultValue 10000 */
  requestTimeoutMs?: number;
  /** Time to receive the headers. @defaultValue 5000 */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this. @defaultValue 5000 */
  keepAliveTimeoutMs?: number;
  logger?: Logger;
}

export interface RunningWitnessServer {
  /** `http://host:port` — the submission prefix clients POST `/add-checkpoint` under. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

const PATH = '/add-checkpoint';

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** Reads the body up to `max` bytes; resolves undefined when it is larger (the caller answers 413). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function handle(o: WitnessServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://witness');
  if (url.pathname !== PATH) return reply(res, 404, 'text/plain; charset=utf-8', 'not found: POST /add-checkpoint\n');
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return reply(res, 405, 'text/plain; charset=utf-8', 'add-checkpoint takes POST\n');
  }
  const max = o.maxBodyBytes ?? 65536;
  const body = await readBody(req, max);
  if (body === undefined) {
    // Answer, then drop the connection: the rest of an oversized body is never read.
    res.setHeader('connection', 'close');
    res.on('finish', () => req.socket.destroy());
    return reply(res, 413, 'text/plain; charset=utf-8', `request body over ${max} bytes\n`);
  }
  let textBody: string;
  try {
    textBody = strictUtf8.decode(body);
  } catch {
    return reply(res, 400, 'text/plain; charset=utf-8', 'malformed request: body is not valid UTF-8\n');
  }
  const r = await o.witness.addCheckpoint(textBody);
  o.logger?.info({ status: r.status, bytes: body.length }, 'witness: add-checkpoint');
  reply(res, r.status, r.contentType, r.body);
}

/** Starts the witness server and resolves once it listens. */
export async function startWitnessServer(o: WitnessServerOptions): Promise<RunningWitnessServer> {
  const server = createServer((req, res) => {
    handle(o, req, res).catch((e: unknown) => {
      // Only a failure to persist gets here: no cosignature was given, so the client may retry.
      o.logger?.error({ err: (e as Error).message }, 'witness: request failed');
      reply(res, 500, 'text/plain; charset=utf-8', 'internal error: the checkpoint was not cosigned\n');
    });
  });
  server.requestTimeout = o.requestTimeoutMs ?? 10_000;
  server.headersTimeout = o.headersTimeoutMs ?? 5_000;
  server.keepAliveTimeout = o.keepAliveTimeoutMs ?? 5_000;
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
