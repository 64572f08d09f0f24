// Entry point of the export worker process (see lean.ts): runs one exportBundle from a JSON job and prints the summary.
// Loads only what an export needs (no config, sources or SDKs), so its peak memory is the export's own.
import { systemClock } from '../core/collector.js';
import { childProgress } from '../core/progress.js';
import { makeLogger } from '../cli/logger.js';
import { reportError } from '../cli/report-error.js';
import { exportBundle, printExportResult, type ExportOptions } from './bundle.js';

/** What `vigil export` hands its worker: the options minus clock and logger. No secrets: paths, dates, framework data. */
export type ExportJob = Omit<ExportOptions, 'clock' | 'logger' | 'databaseUrl' | 'progress'> & { json?: boolean; logLevel: string };

async function runExportJob(text: string | undefined): Promise<number> {
  try {
    if (text === undefined) throw new Error('export worker: no job given');
    const { json, logLevel, ...opts } = JSON.parse(text) as ExportJob;
    // DATABASE_URL comes from the environment, never the job: it may carry a password, and argv is visible to `ps`.
    const databaseUrl = process.env.DATABASE_URL;
    // Progress goes to stderr (marker lines for `vigil export`, which draws it); none with --json.
    const progress = json ? undefined : childProgress('export', process.stderr);
    printExportResult(await exportBundle({ ...opts, ...(databaseUrl ? { databaseUrl } : {}), clock: systemClock, logger: makeLogger(logLevel), ...(progress ? { progress } : {}) }), json === true);
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

process.exitCode = await runExportJob(process.argv[2]);
