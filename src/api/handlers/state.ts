// Compliance state routes: posture per criterion, the latest findings, and the run leaves with their health.
import { computePosture } from '../../report/posture.js';
import { runHealth } from '../../report/health.js';
import { listFindings } from '../findings.js';
import { intParam, type HandlerDeps, type Handlers } from '../options.js';

export function stateHandlers(deps: HandlerDeps): Handlers {
  const { ledger, clock } = deps.opts;
  return {
    'GET /v1/posture': async () => computePosture(ledger, deps.opts.framework, clock.now(), { sources: deps.opts.sources.map((s) => s.source), evidenceWarnDays: deps.opts.evidence?.warnDays ?? 30 }),
    'GET /v1/findings': async (req) => {
      const q = req.query as Record<string, string>;
      return listFindings(ledger, { ...(q.status ? { status: q.status } : {}), ...(q.rule ? { rule: q.rule } : {}), ...(q.source ? { source: q.source } : {}), ...(q.scope ? { scope: q.scope } : {}), limit: intParam(q.limit, 1000, 1, 100_000, 'limit') }, clock.now());
    },
    'GET /v1/runs': async (req) => {
      const q = req.query as Record<string, string>;
      const after = intParam(q.after, -1, -1, Number.MAX_SAFE_INTEGER, 'after');
      const limit = intParam(q.limit, 100, 1, 1000, 'limit');
      const runs: Array<Record<string, unknown>> = [];
      let next = after;
      for await (const l of ledger.leaves({ fromSeq: after + 1, types: ['run'] })) {
        const { v: _v, type: _t, idempotencyKey: _k, ...b } = JSON.parse(l.body.toString('utf8')) as Record<string, unknown>;
        // `health`: whether the run read anything at all (src/report/health.ts), so a client need not re-derive it
        runs.push({ ...b, health: runHealth(b).state });
        next = l.seq;
        if (runs.length >= limit) break;
      }
      return { runs, next };
    },
  };
}
