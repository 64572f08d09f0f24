// `vigil collect`: collect, evaluate and record now, in this process (no Redis needed), then print the results.
import type { SourceId, Result } from '../core/types.js';
import { SOURCE_IDS } from '../../collectors/manifest.js';
import { UsageError, isAppError } from '../core/errors.js';
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import { describeCollectionError } from '../core/failure.js';
import { buildCollectors, openCollectRecorder, type AgentContext } from '../agent.js';
import { runHealth } from '../report/health.js';
import { collectAndEvaluate } from '../pipeline/collect-stage.js';
import { loadConfiguredFramework, criteriaForRule } from '../rules/frameworks.js';
import { consoleProgress, type ConsoleProgress } from './progress-console.js';
import { formatDuration } from '../core/progress.js';

export interface CollectOptions {
  source?: string;
  json?: boolean;
  failOnFail?: boolean;
}

export async function collectCommand(ctx: AgentContext, opts: CollectOptions): Promise<number> {
  if (opts.source && !(SOURCE_IDS as readonly string[]).includes(opts.source)) {
    throw new UsageError('BAD_SOURCE', `--source: unknown source "${opts.source}" (expected one of ${SOURCE_IDS.join(', ')})`);
  }
  const only = opts.source as SourceId | undefined;
  if (only && !ctx.loaded.sources[only]) {
    throw new UsageError('SOURCE_NOT_CONFIGURED', `--source ${only}: not configured in ${ctx.loaded.file ?? 'the config'} (add it under sources:)`);
  }
  const collectors = buildCollectors(ctx, only);
  if (Object.keys(collectors).length === 0) {
    throw new UsageError('NO_SOURCES', 'no sources configured: run `vigil init` and edit vigil.config.yaml, or try `vigil demo`');
  }
  // Scopes first, before anything is written: a bad config found here is exit 2 with nothing recorded, while a source
  // that cannot be reached (no credentials, STS down) is a runtime failure recorded as an `error` run of UNRESOLVED_SCOPE.
  const plan: Array<{ source: SourceId; collector: NonNullable<(typeof collectors)[SourceId]>; scopes: string[]; scopeError?: unknown }> = [];
  for (const [source, collector] of Object.entries(collectors) as Array<[SourceId, NonNullable<(typeof collectors)[SourceId]>]>) {
    try {
      plan.push({ source, collector, scopes: await collector.scopes() });
    } catch (e) {
      if (isAppError(e) && e.exitCode === 2) throw e;
      plan.push({ source, collector, scopes: [UNRESOLVED_SCOPE], scopeError: e });
    }
  }
  const framework = loadConfiguredFramework(ctx.loaded.config);
  const recorder = await openCollectRecorder(ctx);
  const { ledger, writer, rules, params, deadlines } = recorder;
  const runs: Array<Record<string, unknown>> = [];
  const all: Result[] = [];
  let identity: { run: Record<string, unknown>; results: Result[] } | undefined;
  // A first collection can take minutes per source: one line on stderr as each scope finishes (and a bar on a terminal).
  const progress = consoleProgress('collect', { json: opts.json === true });
  const total = plan.reduce((n, p) => n + p.scopes.length, 0);
  let finished = 0;
  try {
    for (const { source, collector, scopes, scopeError } of plan) {
      const deadlineMs = deadlines[source];
      for (const scope of scopes) {
        const began = ctx.clock.now().getTime();
        progress?.update({ phase: `${source} ${scope}`, unit: 'scopes done', done: finished, total });
        const prev = await ledger.lastLeaf({ type: 'run', source, scope });
        const cursors = prev?.body.cursors as Record<string, string> | undefined;
        const slot = ctx.clock.now().toISOString();
        const { job, results } = await collectAndEvaluate(
          collector,
          { source, scope, slot, ...(cursors ? { cursors } : {}), ...(scopeError !== undefined ? { scopeError } : {}) },
          { rules, params, clock: ctx.clock, logger: ctx.logger, blobs: ledger, ...(deadlineMs !== undefined ? { deadlineMs } : {}) },
        );
        job.manual = true;
        const outcome = await writer.record(job);
        runs.push({
          source,
          scope,
          slot,
          seq: outcome.runSeq,
          counts: job.summary.counts,
          population: job.summary.populationSize,
          apiCalls: job.summary.apiCalls,
          ...(job.summary.minApiCalls !== undefined ? { minApiCalls: job.summary.minApiCalls } : {}),
          changes: outcome.changes,
          errors: job.summary.errors,
          health: runHealth({ counts: job.summary.counts, errors: job.summary.errors }).state,
        });
        all.push(...results);
        finished++;
        progress?.update({ phase: `${source} ${scope}`, unit: 'scopes done', done: finished, total });
        scopeDone(progress, { source, scope, ms: ctx.clock.now().getTime() - began, counts: job.summary.counts, population: job.summary.populationSize, done: finished, total });
        // The person view derived from this run (okta, google-workspace, entra, github, aws): its latest results win.
        const d = outcome.derived;
        if (d && !d.outcome.duplicate) {
          identity = { run: { source: 'identity', scope: d.job.summary.scope, slot: d.job.summary.slot, seq: d.outcome.runSeq, counts: d.job.summary.counts, population: d.job.summary.populationSize, apiCalls: 0, changes: d.outcome.changes, errors: d.job.summary.errors }, results: d.job.results.map((r) => ({ ...r, observedAt: d.job.summary.endedAt })) };
        }
      }
    }
    if (identity) {
      runs.push(identity.run);
      all.push(...identity.results);
    }
  } finally {
    progress?.end();
    await recorder.close('collect finished');
  }
  const withCriteria = all.map((r) => ({
    ruleId: r.ruleId,
    resourceId: r.resourceId,
    status: r.status,
    reason: r.reason,
    ...(r.region ? { region: r.region } : {}),
    criteria: criteriaForRule(framework, r.ruleId),
  }));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ runs, results: withCriteria }, null, 2) + '\n');
  } else {
    printResults(withCriteria, runs);
  }
  // A source or scope that could not be read at all is a runtime failure: recorded (above), and exit 1 whatever the flags.
  const unreadable = runs.filter((r) => r.health === 'failing');
  for (const r of unreadable) {
    const h = runHealth({ counts: r.counts, errors: r.errors });
    process.stderr.write(`vigil: ${String(r.source)} ${String(r.scope)} could not be read: ${h.reason}; recorded as an error run (ledger leaf #${String(r.seq)})\n`);
  }
  if (unreadable.length > 0) return 1;
  const failing = all.some((r) => r.status === 'fail' || r.status === 'error');
  return opts.failOnFail && failing ? 1 : 0;
}

/** "collect: aws 123456789012 done in 4 s: 52 resources → 40 pass, 9 fail, 0 error (1/3)" on stderr. */
function scopeDone(
  progress: ConsoleProgress | undefined,
  r: { source: string; scope: string; ms: number; counts: Record<string, number>; population: number; done: number; total: number },
): void {
  const c = r.counts;
  const line = `collect: ${r.source} ${r.scope} done in ${formatDuration(r.ms)}: ${r.population} resources → ${c.pass ?? 0} pass, ${c.fail ?? 0} fail, ${c.error ?? 0} error (${r.done}/${r.total})\n`;
  progress?.print(process.stderr, line);
}

const MARK: Record<string, string> = { pass: 'PASS ', fail: 'FAIL ', error: 'ERROR', not_applicable: 'N/A  ' };

function printResults(results: Array<{ ruleId: string; resourceId: string; status: string; reason: string; criteria: string[] }>, runs: Array<Record<string, unknown>>): void {
  const out = process.stdout;
  for (const r of results) out.write(`${MARK[r.status] ?? r.status}  ${r.ruleId}  ${r.resourceId}\n        ${r.reason}\n`);
  for (const run of runs) {
    const c = run.counts as Record<string, number>;
    out.write(
      `\n${run.source} ${run.scope}: ${c.pass} pass, ${c.fail} fail, ${c.error} error, ${c.not_applicable} n/a — ${run.population} resources, ${run.apiCalls} API calls, recorded as ledger leaf #${run.seq}\n`,
    );
    // The collection errors behind the `error` results, each with its real cause (a permission only when denied).
    const errors = (run.errors as Array<Parameters<typeof describeCollectionError>[0]> | undefined) ?? [];
    for (const e of errors.slice(0, 10)) {
      out.write(`  ${describeCollectionError(e)}\n`);
      // The source's own words say where (a roster's line and column, the API's message); first line, bounded.
      const detail = (e.message ?? '').split('\n')[0]!.trim();
      if (detail) out.write(`      ${detail.length > 300 ? `${detail.slice(0, 300)}…` : detail}\n`);
    }
    if (errors.length > 10) out.write(`  … and ${errors.length - 10} more collection errors (--json lists them)\n`);
  }
}
