// The dashboard's data routes (posture trend, one result's evidence, sources, the ledger key and witnesses) and its
// static page and bundle, served from dist/dashboard/ (built by `npm run build`; nothing fetched at run time).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/package-root.js';
import { keyFingerprint } from '../../ledger/fingerprint.js';
import { witnessHealth } from '../../witness/health.js';
import { ApiError } from '../errors.js';
import { frameworkParam, intParam, type HandlerDeps, type Handlers } from '../options.js';
import { Memo } from '../../core/memo.js';
import { postureTrend, resultEvidence, sourcesView, type TrendStates } from '../dashboard-data.js';

/** Where the built dashboard is (src/bin/build.mjs writes it). */
export const DASHBOARD_DIR = join(PACKAGE_ROOT, 'dist', 'dashboard');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * Only this origin's own script and style; no inline script, no framing, no referrer (a feed URL in the page must not
 * leak through a link).
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** GET /, /dashboard/app.js and /dashboard/app.css, read once from disk; a missing build is a 503 saying how to build. */
export function dashboardAssetHandlers(dir = DASHBOARD_DIR): Handlers {
  const cache = new Map<string, Buffer>();
  const out: Handlers = {};
  for (const [url, a] of Object.entries(ASSETS)) {
    out[`GET ${url}`] = async (_req, reply) => {
      let body = cache.get(a.file);
      if (!body) {
        const path = join(dir, a.file);
        if (!existsSync(path)) return reply.code(503).type('text/plain; charset=utf-8').send(`the dashboard is not built (${path} is missing): run npm run build\n`);
        body = readFileSync(path);
        cache.set(a.file, body);
      }
      return reply.headers(PAGE_HEADERS).header('cache-control', 'no-cache').type(a.type).send(body);
    };
  }
  return out;
}

export function dashboardHandlers(deps: HandlerDeps): Handlers {
  const { ledger, clock } = deps.opts;
  const { view } = deps;
  const trends = new Memo<Awaited<ReturnType<typeof postureTrend>>>(16);
  const judged: TrendStates = new Map();
  const sourceNames = deps.opts.sources.map((s) => s.source);
  const sources = new Memo<Awaited<ReturnType<typeof sourcesView>>>(2);
  // A proof that holds stays true (leaves and signed checkpoints never change); one that fails is recomputed.
  const evidence = new Memo<Awaited<ReturnType<typeof resultEvidence>>>(256);
  return {
    'GET /v1/posture/trend': async (req) => {
      const q = req.query as Record<string, string>;
      const days = intParam(q.days, 30, 1, 400, 'days');
      const framework = frameworkParam(deps.opts, q.framework);
      const now = clock.now();
      await view.refresh();
      return trends.get(`${framework.id}|${view.size}|${days}|${now.toISOString().slice(0, 10)}`, () => postureTrend(view, framework, sourceNames, days, now, judged));
    },
    'GET /v1/evidence/:seq': async (req, reply) => {
      const seq = intParam((req.params as { seq: string }).seq, -1, 0, Number.MAX_SAFE_INTEGER, 'seq');
      const q = req.query as Record<string, string>;
      if (!q.rule || !q.resource) throw new ApiError('bad_request', 'query parameters rule and resource are required');
      const key = `${seq}|${q.rule}|${q.resource}`;
      const ev = await evidence.get(key, () => resultEvidence(ledger, seq, q.rule!, q.resource!, (sha) => view.results(sha)));
      if (!ev.inclusion.ok) evidence.delete(key);
      if (q.download === '1') {
        const name = `vigil-evidence-${seq}-${q.rule}.json`.replace(/[^A-Za-z0-9_.-]/g, '_');
        reply.header('content-disposition', `attachment; filename="${name}"`);
      }
      return reply.type('application/json; charset=utf-8').send(ev);
    },
    'GET /v1/sources': async () => {
      const now = clock.now();
      // The next slot moves with the clock: recomputed each minute, or when a leaf was appended.
      await view.refresh();
      const key = `${view.size}|${Math.floor(now.getTime() / 60_000)}`;
      return sources.get(key, () => sourcesView(ledger, view.scopes(), deps.opts.sources, now));
    },
    'GET /v1/ledger/key': async () => {
      const cps = await ledger.checkpoints();
      const lastCp = cps.reduce<(typeof cps)[number] | undefined>((a, c) => (!a || c.size > a.size ? c : a), undefined);
      return {
        origin: ledger.origin,
        keyId: ledger.keyId,
        fingerprint: keyFingerprint(ledger.publicKeyPem),
        algorithm: 'ed25519',
        publicKeyPem: ledger.publicKeyPem,
        ...(lastCp ? { lastCheckpoint: { size: lastCp.size, root: lastCp.root, reason: lastCp.reason, createdAt: lastCp.createdAt } } : {}),
        witnesses: await witnessHealth(ledger, deps.opts.witnesses ?? []),
      };
    },
  };
}
