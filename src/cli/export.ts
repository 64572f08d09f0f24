// `vigil export`: Type 1 / Type 2 evidence bundles for auditors (logic in src/export/bundle.ts).
import { UsageError } from '../core/errors.js';
import type { AgentContext } from '../agent.js';
import { frameworkData, loadConfiguredFramework } from '../rules/frameworks.js';
import { BOUNDED_HEAP_MARK, isVigilBin, rerunWithBoundedHeap } from '../export/bounded-heap.js';
import { leanWorkerScript, runLeanWorker } from '../export/lean.js';
import type { ExportJob } from '../export/export-main.js';
import { parseFileMode } from '../export/out-path.js';
import { consoleProgress } from './progress-console.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ExportCliOptions {
  type: string;
  from?: string;
  to?: string;
  asOf?: string;
  tz?: string;
  framework?: string;
  criteria?: string;
  sampleSeed?: string;
  /** Rule ids whose replay over the period is attached as a what-if appendix (Type 2). */
  replay?: string[];
  replayParams?: string;
  out?: string;
  fileMode?: string;
  json?: boolean;
}

export async function exportCommand(ctx: AgentContext, o: ExportCliOptions): Promise<number> {
  if (o.type !== '1' && o.type !== '2') throw new UsageError('EXPORT_BAD_TYPE', `--type must be 1 or 2, got ${JSON.stringify(o.type)}`);
  if (!o.out) throw new UsageError('EXPORT_NO_OUT', '--out PATH is required (a new folder, or a file ending in .zip)');
  const type = o.type === '1' ? 1 : 2;
  if (type === 2 && o.asOf) throw new UsageError('EXPORT_BAD_RANGE', '--as-of is for --type 1; a Type 2 export takes --from and --to');
  if (type === 1 && (o.from || o.to)) throw new UsageError('EXPORT_BAD_RANGE', '--from/--to are for --type 2; a Type 1 export takes --as-of');
  const fileMode = o.fileMode !== undefined ? parseFileMode(o.fileMode) : undefined;
  const fw = loadConfiguredFramework(ctx.loaded.config, o.framework);
  const framework = frameworkData(fw);
  const criteria = o.criteria ? o.criteria.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
  const replays = await replayFiles(ctx, o);
  try {
    return await runExport(ctx, o, {
      dataDir: ctx.dataDir,
      type,
      ...(o.from ? { from: o.from } : {}),
      ...(o.to ? { to: o.to } : {}),
      ...(o.asOf ? { asOf: o.asOf } : {}),
      tz: o.tz ?? 'UTC',
      framework,
      ...(criteria ? { criteria } : {}),
      sources: Object.keys(ctx.loaded.sources),
      ...(ctx.loaded.config.witnesses.length > 0 ? { witnesses: ctx.loaded.config.witnesses } : {}),
      ...(o.sampleSeed !== undefined ? { sampleSeed: o.sampleSeed } : {}),
      ...(replays ? { replayReports: replays.files } : {}),
      out: o.out,
      ...(fileMode !== undefined ? { fileMode } : {}),
      ...(o.json ? { json: true } : {}),
      logLevel: process.env.VIGIL_LOG_LEVEL ?? 'warn',
    });
  } finally {
    if (replays) rmSync(replays.dir, { recursive: true, force: true });
  }
}

/**
 * `--replay`: each rule replayed over the Type 2 period here (the export worker loads no rule code), each report in a
 * private temporary file the exporter attaches as appendix/replay/<rule>.json. Undefined without --replay.
 */
async function replayFiles(ctx: AgentContext, o: ExportCliOptions): Promise<{ dir: string; files: string[] } | undefined> {
  if (!o.replay?.length) {
    if (o.replayParams !== undefined) throw new UsageError('EXPORT_BAD_REPLAY', '--replay-params needs --replay RULE');
    return undefined;
  }
  if (o.type !== '2' || !o.from || !o.to) throw new UsageError('EXPORT_BAD_REPLAY', '--replay covers a period: use it with --type 2 --from D --to D');
  if (o.replayParams !== undefined && o.replay.length > 1) throw new UsageError('EXPORT_BAD_REPLAY', `--replay-params applies to one rule; ${o.replay.length} were given with --replay (without it, each uses its config parameters)`);
  const { periodFromDates } = await import('../export/period.js');
  const period = periodFromDates(o.from, o.to, o.tz ?? 'UTC', { now: ctx.clock.now() });
  // Rule code loads only here, so a plain export stays a light command.
  const { replaysForExport } = await import('./rules.js');
  const reports = await replaysForExport(ctx, o.replay, o.replayParams, period.start, period.end);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-'));
  const files = reports.map((r, i) => {
    const f = join(dir, `${i}.json`);
    writeFileSync(f, JSON.stringify(r), { mode: 0o600 });
    return f;
  });
  return { dir, files };
}

/** The export itself: in a lean worker process with a capped heap from the command line, else in this process. */
async function runExport(ctx: AgentContext, o: ExportCliOptions, job: ExportJob): Promise<number> {
  // From the command line, the export runs in a lean worker process (src/export/lean.ts) with a capped heap; in-process
  // callers (tests) and a worker that could not be written fall through to doing it here.
  if (isVigilBin(process.argv[1] ?? '') && process.env[BOUNDED_HEAP_MARK] !== '1') {
    const verifierScript = await leanWorkerScript('verify');
    const progress = consoleProgress('export', { json: o.json === true });
    const code = (verifierScript !== undefined ? await runLeanWorker('export', [JSON.stringify({ ...job, verifierScript })], progress) : undefined) ?? (await rerunWithBoundedHeap(isVigilBin));
    if (code !== undefined) return code;
  }
  const { json: _json, logLevel: _level, ...opts } = job;
  // In-process: the exporter (SQLite, ledger, report) loads only here, so the launcher of a worker run does not hold it.
  const { exportBundle, printExportResult } = await import('../export/bundle.js');
  const databaseUrl = process.env.DATABASE_URL;
  const progress = consoleProgress('export', { json: o.json === true });
  const result = await exportBundle({ ...opts, ...(databaseUrl ? { databaseUrl } : {}), clock: ctx.clock, logger: ctx.logger, ...(progress ? { progress: progress.update } : {}) }).finally(() => progress?.end());
  printExportResult(result, o.json === true);
  return 0;
}
