// `vigil import --format ocsf|asff --folder DIR`: every findings file dropped in a folder that the ledger has not seen
// (by content hash) is imported as `vigil import FILE` would; a file that cannot be imported is recorded as an `error`
// run of the folder's scope naming the file and position, never skipped in silence (docs/findings-import.md).
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ArtifactRef, SourceId } from '../core/types.js';
import { isAppError, UsageError } from '../core/errors.js';
import { openCollectRecorder, type AgentContext } from '../agent.js';
import { recordRun } from '../pipeline/record.js';
import type { EvidenceJob } from '../pipeline/collect-stage.js';
import { FINDINGS_SOURCE } from '../rules/import-mapping.js';
import { importSetup, planFile, printRuns, readFindingsFile, recordPlans, type ImportOptions, type ScopePlan } from './import.js';

/** A file of the folder and what became of it. */
interface FolderFile {
  file: string;
  sha256: string;
  size: number;
  raw: Buffer;
  state: 'imported' | 'already-recorded' | 'rejected';
  plans?: ScopePlan[];
  /** Why it could not be imported: the parser's words (file, line, column) or the older-scan refusal. */
  problem?: string;
}

/** What the ledger already holds of the `findings` source: every file hash recorded, and each scope's latest scanner time. */
async function recordedState(ctx: AgentContext): Promise<{ hashes: Set<string>; latest: Map<string, string> }> {
  const hashes = new Set<string>();
  const latest = new Map<string, string>();
  const { openLedger } = await import('../ledger/open-ledger.js');
  let ledger: Awaited<ReturnType<typeof openLedger>>;
  try {
    ledger = await openLedger(ctx, { readOnly: true });
  } catch (e) {
    if (isAppError(e) && e.code === 'LEDGER_NOT_FOUND') return { hashes, latest };
    throw e;
  }
  try {
    for await (const l of ledger.readLeaves({ types: ['run'], source: FINDINGS_SOURCE })) {
      for (const a of (l.body.artifacts ?? []) as ArtifactRef[]) hashes.add(a.sha256);
      // Only import runs set a scope's state; a folder's error runs are slotted at read time, not scanner time.
      if (!String(l.body.scope).startsWith('folder:')) latest.set(String(l.body.scope), String(l.body.slot));
    }
  } finally {
    await ledger.close();
  }
  return { hashes, latest };
}

/** The folder's regular `.json` files, by name; a folder that is missing or not a folder is a usage error. */
function folderFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError('FINDINGS_FOLDER', `--folder ${dir}: not a folder`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError('FINDINGS_FOLDER', `--folder ${dir}: cannot read it: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
  }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.') && statSync(join(dir, n)).isFile()).sort().map((n) => join(dir, n));
}

/**
 * Each new file parsed and planned, oldest scan first; a scan older than its scope's latest import (recorded, or earlier
 * in this folder) is rejected like a malformed one, since importing it would replace newer results with older ones.
 */
function triage(paths: string[], o: ImportOptions, setup: ReturnType<typeof importSetup>, readAt: string, state: { hashes: Set<string>; latest: Map<string, string> }): FolderFile[] {
  const files: FolderFile[] = paths.map((file) => {
    const raw = readFindingsFile(file);
    const sha256 = createHash('sha256').update(raw).digest('hex');
    if (state.hashes.has(sha256)) return { file, sha256, size: raw.length, raw, state: 'already-recorded' };
    try {
      return { file, sha256, size: raw.length, raw, state: 'imported', plans: planFile(raw, file, o, setup, readAt).plans };
    } catch (e) {
      // A bad file (exit-2 errors: malformed, truncated, a check or criterion the mapping refuses) is this file's problem.
      if (!isAppError(e) || e.exitCode !== 2) throw e;
      return { file, sha256, size: raw.length, raw, state: 'rejected', problem: e.message };
    }
  });
  const newest = (f: FolderFile) => f.plans!.map((p) => p.job.summary.slot).sort().pop()!;
  for (const f of files.filter((x) => x.state === 'imported').sort((a, b) => newest(a).localeCompare(newest(b)))) {
    const older = f.plans!.find((p) => state.latest.has(p.scope) && Date.parse(p.job.summary.slot) < Date.parse(state.latest.get(p.scope)!));
    if (older) {
      Object.assign(f, { state: 'rejected', problem: `${f.file}: ${older.scope}: scanner time ${older.job.summary.slot} is older than the scope's latest import (${state.latest.get(older.scope)}); importing it would replace newer results with older ones` });
      delete f.plans;
      continue;
    }
    for (const p of f.plans!) state.latest.set(p.scope, p.job.summary.slot);
  }
  return files;
}

/** One `error` run of the folder's scope naming every file that could not be imported, each kept as an artifact. */
function rejectionJob(scope: string, rejected: FolderFile[], o: ImportOptions, readAt: string, framework: string): EvidenceJob {
  return {
    summary: {
      source: FINDINGS_SOURCE as SourceId,
      scope,
      slot: readAt,
      startedAt: readAt,
      endedAt: readAt,
      ruleSetVersion: `findings-import:${framework}:folder`,
      populationSize: 0,
      apiCalls: 0,
      counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 },
      errors: rejected.map((f) => ({ operation: 'findings.import', code: 'FindingsFileRejected', message: f.problem!, cause: 'malformed', inputs: [] })),
      artifacts: rejected.map((f) => ({ sha256: f.sha256, mediaType: 'application/json', size: f.size, label: `findings-file:${basename(f.file)}`, kind: 'findings-file-rejected', format: o.format, readAt }) as ArtifactRef),
    },
    results: [],
    manual: true,
  };
}

/** Imports the folder's new files; exit 0 when every one imported (or was already recorded), 1 naming those rejected. */
export async function importFolderCommand(ctx: AgentContext, dir: string, o: ImportOptions): Promise<number> {
  const setup = importSetup(ctx, o);
  const folder = resolve(dir);
  const paths = folderFiles(folder);
  const readAt = ctx.clock.now().toISOString();
  const files = triage(paths, o, setup, readAt, await recordedState(ctx));
  const scope = `folder:${basename(folder)}`;
  const todo = files.filter((f) => f.state !== 'already-recorded');
  const runs: Array<Record<string, unknown>> = [];
  let rejectedSeq: number | undefined;
  if (todo.length > 0) {
    const recorder = await openCollectRecorder(ctx);
    try {
      for (const f of todo.filter((x) => x.state === 'imported')) runs.push(...(await recordPlans(recorder.ledger, f.raw, f.sha256, f.plans!)).map((r) => ({ file: f.file, ...r })));
      const rejected = todo.filter((x) => x.state === 'rejected');
      if (rejected.length > 0) {
        for (const f of rejected) await recorder.ledger.putBlob(f.raw, 'application/json');
        rejectedSeq = (await recordRun(recorder.ledger, rejectionJob(scope, rejected, o, readAt, setup.fw.id))).runSeq;
      }
    } finally {
      await recorder.close('import finished');
    }
  }
  printFolderImport(o, folder, readAt, files, runs, rejectedSeq);
  return files.some((f) => f.state === 'rejected') ? 1 : 0;
}

function printFolderImport(o: ImportOptions, folder: string, readAt: string, files: FolderFile[], runs: Array<Record<string, unknown>>, rejectedSeq: number | undefined): void {
  const out = files.map((f) => ({ file: f.file, sha256: f.sha256, state: f.state, ...(f.problem ? { problem: f.problem } : {}) }));
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ folder, format: o.format, readAt, files: out, runs, ...(rejectedSeq !== undefined ? { rejectedRunSeq: rejectedSeq } : {}) }, null, 2)}\n`);
    return;
  }
  const n = (s: FolderFile['state']) => files.filter((f) => f.state === s).length;
  process.stdout.write(`${folder}: ${files.length} file(s): ${n('imported')} imported, ${n('already-recorded')} already recorded (same content), ${n('rejected')} rejected; read at ${readAt}\n`);
  printRuns(runs);
  for (const f of files.filter((x) => x.state === 'rejected')) process.stdout.write(`  rejected: ${f.problem}\n`);
  if (rejectedSeq !== undefined) process.stdout.write(`  recorded as an error run of folder:${basename(folder)} (leaf #${rejectedSeq}); fix or remove the file(s) and drop a complete scan\n`);
}
