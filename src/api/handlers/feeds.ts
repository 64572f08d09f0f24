// Alert feed routes: paged alerts, Atom and JSON Feed, and the Server-Sent Events stream that resumes from Last-Event-ID.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readAlerts, latestAlerts, renderAtom, renderJsonFeed, toAlertRecord } from '../../alerts/feed.js';
import { ApiError } from '../errors.js';
import { intParam, type HandlerDeps, type Handlers } from '../options.js';

export function feedHandlers(deps: HandlerDeps): Handlers {
  const { ledger } = deps.opts;
  return {
    'GET /v1/alerts': async (req) => {
      const q = req.query as Record<string, string>;
      return readAlerts(ledger, intParam(q.after, -1, -1, Number.MAX_SAFE_INTEGER, 'after'), intParam(q.limit, 100, 1, 1000, 'limit'));
    },
    'GET /v1/alerts.atom': async (req, reply) => reply.type('application/atom+xml; charset=utf-8').send(renderAtom(await latestAlerts(ledger), ledger.origin, selfUrl(req))),
    'GET /v1/alerts.json': async (req, reply) => reply.type('application/feed+json; charset=utf-8').send(renderJsonFeed(await latestAlerts(ledger), ledger.origin, selfUrl(req))),
    'GET /v1/alerts/stream': async (req, reply) => alertStream(deps, req, reply),
  };
}

/** One SSE stream: replays alerts after the cursor, then polls the store; a failed poll is logged and retried. */
async function alertStream(deps: HandlerDeps, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { ledger, logger } = deps.opts;
  const q = req.query as Record<string, string>;
  const lastId = req.headers['last-event-id'];
  let cursor =
    typeof lastId === 'string' && /^\d+$/.test(lastId)
      ? Number(lastId)
      : q.after !== undefined
        ? intParam(q.after, -1, -1, Number.MAX_SAFE_INTEGER, 'after')
        : ((await ledger.lastLeaf({ type: 'alert' }))?.seq ?? -1);
  if (deps.streams.size >= (deps.opts.maxStreams ?? 100)) throw new ApiError('busy', 'too many open alert streams; retry later', { headers: { 'retry-after': '30' } });
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(`retry: 2000\n: vigil alert stream from seq ${cursor + 1}\n\n`);
  let busy = false;
  let lastBeat = Date.now();
  const pump = async () => {
    if (busy) return;
    busy = true;
    try {
      for await (const l of ledger.leaves({ fromSeq: cursor + 1, types: ['alert'] })) {
        const a = toAlertRecord(l.seq, JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
        res.write(`id: ${l.seq}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`);
        cursor = l.seq;
      }
      if (Date.now() - lastBeat > 15_000) {
        res.write(': keep-alive\n\n');
        lastBeat = Date.now();
      }
    } catch (e) {
      logger.warn({ err: (e as Error).message }, 'alert stream read failed');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void pump(), deps.opts.streamPollMs ?? 500);
  const end = () => {
    clearInterval(timer);
    deps.streams.delete(end);
    res.end();
  };
  deps.streams.add(end);
  req.raw.on('close', end);
  await pump();
}

function selfUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}${req.url}`;
}

/** Feed capability URLs: admins list, create (the token is shown once) and revoke them. */
export function feedTokenHandlers(deps: HandlerDeps): Handlers {
  const { logger } = deps.opts;
  return {
    'GET /v1/feeds': async () => ({ feeds: deps.feeds.list() }),
    'POST /v1/feeds': async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const { token, record } = deps.feeds.create(b.name as string, req.principal!.name, b.expires as string | undefined);
      logger.info({ feed: record.id, name: record.name, by: req.principal!.name }, 'feed URL created');
      const base = `${req.protocol}://${req.headers.host ?? 'localhost'}`;
      return reply.code(201).header('cache-control', 'no-store').send({ feed: record, atom: `${base}/v1/alerts.atom?feed=${token}`, json: `${base}/v1/alerts.json?feed=${token}` });
    },
    'POST /v1/feeds/:id/revoke': async (req) => {
      const r = deps.feeds.revoke((req.params as { id: string }).id, req.principal!.name);
      logger.info({ feed: r.id, by: req.principal!.name }, 'feed URL revoked');
      return { feed: r };
    },
  };
}
