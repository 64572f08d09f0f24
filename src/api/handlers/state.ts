// Compliance state routes: posture per criterion, the latest findings, and the run leaves with their health.
import { computePosture } from '../../report/posture.js';
import { runHealth } from '../../report/health.js';
import { filterFindings, findingRows, type FindingRow } from '../findings.js';
import { frameworkParam, intParam, servedFrameworks, type HandlerDeps, type Handlers } from '../options.js';
import { Memo } from '../../core/memo.js';
import { ownerNames, ownerOf } from '../../report/owners.js';

export function stateHandlers(deps: HandlerDeps): Handlers {
  const { ledger, clock } = deps.opts;
  const { view } = deps;
  // Posture is recomputed only when a leaf was appended (a run, an exception…) or a minute passed (exceptions expire).
  const postures = new Memo<Awaited<ReturnType<typeof computePosture>>>(8);
  const served = servedFrameworks(deps.opts).map((f) => ({ id: f.id, title: f.title }));
  const severity = new Map(deps.opts.rules.map((r) => [r.id, r.severity]));
  const findings = new Memo<Awaited<ReturnType<typeof filterFindings>> & { owners: string[] }>(32);
  const owners = deps.opts.owners ?? [];
  // Every finding of the latest runs, enriched, per ledger size: built as the view folds each run in (in `vigil run`,
  // right after the writer records it), so the first read after a run only filters.
  const rows = new Memo<FindingRow[]>(2);
  const rowsAt = (size: number) =>
    rows.get(String(size), () =>
      findingRows(ledger, {
        severityOf: (id) => severity.get(id),
        ownerOf: (f) => ownerOf(owners, f),
        firstSeenOf: (...a) => view.firstSeen(...a),
        latestRuns: async () => view.scopes(),
        results: (sha) => view.results(sha),
      }),
    );
  view.onFolded((size) => rowsAt(size));
  return {
    'GET /v1/posture': async (req) => {
      const framework = frameworkParam(deps.opts, (req.query as Record<string, string>).framework);
      const now = clock.now();
      await view.refresh();
      const key = `${framework.id}|${view.size}|${Math.floor(now.getTime() / 60_000)}`;
      // `frameworks`: what else may be asked for (the dashboard's selector), the default first.
      return {
        ...(await postures.get(key, async () =>
          computePosture(ledger, framework, now, { sources: deps.opts.sources.map((s) => s.source), scopes: { latest: view.scopes(), retired: view.retiredScopes().list() }, tally: (sha) => view.blobTally(sha), evidenceWarnDays: deps.opts.evidence?.warnDays ?? 30 }),
        )),
        frameworks: served,
      };
    },
    'GET /v1/findings': async (req) => {
      const q = req.query as Record<string, string>;
      const query = {
        ...(q.status ? { status: q.status } : {}),
        ...(q.rule ? { rule: q.rule } : {}),
        ...(q.source ? { source: q.source } : {}),
        ...(q.scope ? { scope: q.scope } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.owner ? { owner: q.owner } : {}),
        ...(q.minAgeDays ? { minAgeDays: intParam(q.minAgeDays, 0, 0, 100_000, 'minAgeDays') } : {}),
        limit: intParam(q.limit, 1000, 1, 100_000, 'limit'),
      };
      await view.refresh();
      const version = view.size;
      const now = clock.now();
      // The same question about the same ledger in the same minute (durations count in minutes) has the same answer.
      return findings.get(`${version}|${Math.floor(now.getTime() / 60_000)}|${JSON.stringify(query)}`, async () => ({
        ...(await filterFindings(ledger, await rowsAt(version), query, now)),
        // The filter's choices: every owner the config names.
        owners: ownerNames(owners),
      }));
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
