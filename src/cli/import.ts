// `vigil import --format ocsf|asff FILE`: another scanner's findings (Prowler's json-ocsf or json-asff output) recorded
// as runs of the `findings` source, one per scanner:provider:account, mapped to criteria by rules/imports/ (docs/findings-import.md).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import type { ArtifactRef, SourceId, Status } from '../core/types.js';
import { isAppError, UsageError } from '../core/errors.js';
import { openCollectRecorder, type AgentContext } from '../agent.js';
import { recordRun } from '../pipeline/record.js';
import type { EvidenceJob, RecordedResult } from '../pipeline/collect-stage.js';
import { loadConfiguredFramework, loadFramework, type Framework } from '../rules/frameworks.js';
import { FINDINGS_SOURCE, importedRuleId, loadImportMapping, soc2RequirementCriterion, type ImportedMapping, type ImportMapping } from '../rules/import-mapping.js';
import { FINDINGS_FORMATS, parseFindings, type FindingsFormat, type ImportedFinding } from '../../collectors/findings/parse.js';

/** Largest findings file read (a Prowler run over a large estate is tens of MB). */
export const MAX_FINDINGS_BYTES = 512 * 1024 * 1024;

export interface ImportOptions {
  format: string;
  scanner?: string;
  framework?: string;
  json?: boolean;
}

export function readFindingsFile(file: string): Buffer {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError('FINDINGS_FILE', `${file}: not a regular file`);
    if (st.size > MAX_FINDINGS_BYTES) throw new UsageError('FINDINGS_FILE', `${file}: ${st.size} bytes; at most ${MAX_FINDINGS_BYTES}`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new UsageError('FINDINGS_FILE', `${file}: cannot read it: ${why}`);
  }
}

/** Criteria of one check: the mapping file's, else the finding's own SOC 2 ids (Prowler's `unmapped.compliance.SOC2`). */
function criteriaOf(f: ImportedFinding, mapping: ImportMapping | undefined, fw: Framework): { mapped: ImportedMapping[]; by: 'mapping-file' | 'finding' | 'none' } {
  // Only criteria in scope count (config `criteria:`): a check mapped only to out-of-scope criteria is unmapped here.
  const known = new Set(fw.criteria.map((c) => c.id));
  const fromFile = mapping?.checks.get(f.checkId)?.filter((m) => known.has(m.criterion));
  if (fromFile && fromFile.length > 0) return { mapped: fromFile, by: 'mapping-file' };
  const own = [...new Set(f.soc2.map(soc2RequirementCriterion).filter((c): c is string => c !== undefined && known.has(c)))];
  return own.length > 0 ? { mapped: own.map((criterion) => ({ criterion, evidence: 'supporting' as const })), by: 'finding' } : { mapped: [], by: 'none' };
}

function reasonOf(f: ImportedFinding): string {
  const muted = f.muted ? ' (muted in the scanner)' : '';
  const head = f.status === 'error' ? `${f.scanner} could not decide (${f.scannerStatus})${muted}` : `${f.scanner} ${f.scannerStatus}${muted}`;
  return f.statusDetail ? `${head}: ${f.statusDetail}` : head;
}

export interface ScopePlan {
  scope: string;
  job: EvidenceJob;
}

/**
 * The runs a parsed file becomes: one per scanner:provider:account, slotted at its latest scanner time (so importing the
 * same file again records nothing new), with the raw file as its artifact and the mapping used recorded beside it.
 */
export function planImport(findings: ImportedFinding[], o: { format: FindingsFormat; file: string; rawSha256: string; size: number; readAt: string; fw: Framework; mappings: Map<string, ImportMapping | undefined> }): ScopePlan[] {
  const byScope = new Map<string, ImportedFinding[]>();
  for (const f of findings) {
    const scope = `${f.scanner}:${f.provider}:${f.account}`;
    byScope.set(scope, [...(byScope.get(scope) ?? []), f]);
  }
  return [...byScope.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([scope, list]) => {
    const counts: Record<Status, number> = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
    const mapped: Record<string, ImportedMapping[]> = {};
    const ids = new Set<string>();
    const results: RecordedResult[] = list.map((f) => {
      const ruleId = importedRuleId(f.scanner, f.checkId);
      const m = criteriaOf(f, o.mappings.get(f.scanner), o.fw);
      if (m.mapped.length > 0) mapped[ruleId] = m.mapped;
      // A resource judged twice by one check (one per region) keeps both results apart.
      let resourceId = f.resourceId;
      if (ids.has(`${ruleId}\u0000${resourceId}`)) resourceId = `${f.resourceId}@${f.region ?? f.uid}`;
      ids.add(`${ruleId}\u0000${resourceId}`);
      counts[f.status]++;
      return {
        ruleId,
        resourceId,
        status: f.status,
        reason: reasonOf(f),
        ...(f.region !== undefined ? { region: f.region } : {}),
        details: { imported: true, scanner: f.scanner, format: o.format, findingUid: f.uid, scannerStatus: f.scannerStatus, scannerTime: f.scannerTime, severity: f.severity, line: f.line, ...(f.muted ? { muted: true } : {}), mappedBy: m.by },
      };
    });
    const times = list.map((f) => f.scannerTime).sort();
    const mapping = o.mappings.get(list[0]!.scanner);
    // The raw file, by its hash (the bundle carries it as an attachment), with when the scanner judged and Vigil read.
    const artifact: ArtifactRef & Record<string, unknown> = {
      sha256: o.rawSha256,
      mediaType: 'application/json',
      size: o.size,
      label: `findings-file:${basename(o.file)}`,
      kind: 'findings-file',
      format: o.format,
      framework: o.fw.id,
      readAt: o.readAt,
      scannerTime: { from: times[0]!, to: times[times.length - 1]! },
      findings: list.length,
      ...(mapping ? { mapping: { file: mapping.file, sha256: mapping.sha256 } } : {}),
      mapped,
    };
    const job: EvidenceJob = {
      summary: {
        source: FINDINGS_SOURCE as SourceId,
        scope,
        slot: times[times.length - 1]!,
        startedAt: o.readAt,
        endedAt: o.readAt,
        ruleSetVersion: `findings-import:${o.fw.id}:${mapping ? mapping.sha256.slice(0, 16) : 'no-mapping-file'}`,
        populationSize: list.length,
        apiCalls: 0,
        counts,
        errors: [],
        artifacts: [artifact],
      },
      results,
      manual: true,
    };
    return { scope, job };
  });
}

/**
 * A scope's runs are its state in time order: a file whose scanner time is older than the scope's latest import would
 * replace newer results with older ones, so it is refused (exit 2) before anything is written. The same file again is
 * not refused: its runs are already recorded and nothing new is written.
 */
async function refuseOlderScans(ctx: AgentContext, plans: ScopePlan[]): Promise<void> {
  const { openLedger } = await import('../ledger/open-ledger.js');
  let ledger: Awaited<ReturnType<typeof openLedger>>;
  try {
    ledger = await openLedger(ctx, { readOnly: true });
  } catch (e) {
    if (isAppError(e) && e.code === 'LEDGER_NOT_FOUND') return; // no ledger yet: nothing recorded to be newer
    throw e;
  }
  try {
    for (const p of plans) {
      const prev = await ledger.lastLeaf({ type: 'run', source: FINDINGS_SOURCE, scope: p.scope });
      const prevSlot = prev?.body.slot;
      if (prevSlot !== undefined && Date.parse(p.job.summary.slot) < Date.parse(prevSlot)) {
        throw new UsageError('FINDINGS_OLDER_SCAN', `${p.scope}: this file's scanner time ${p.job.summary.slot} is older than the scope's latest import (${prevSlot}, leaf #${prev!.seq}); importing it would replace newer results with older ones`);
      }
    }
  } finally {
    await ledger.close();
  }
}

/** The options checked and the framework (whole, for the mapping file; scoped, for the results) they name. */
export function importSetup(ctx: AgentContext, o: ImportOptions): { format: FindingsFormat; full: Framework; fw: Framework } {
  if (!(FINDINGS_FORMATS as readonly string[]).includes(o.format)) throw new UsageError('BAD_FORMAT', `--format ${o.format}: expected one of ${FINDINGS_FORMATS.join(', ')}`);
  if (o.scanner !== undefined && !/^[a-z0-9-]+$/.test(o.scanner)) throw new UsageError('BAD_SCANNER', `--scanner ${o.scanner}: expected a lower-case name like prowler`);
  // The mapping file is checked against the whole framework; results map to the criteria in scope.
  const full = loadFramework(o.framework ?? ctx.loaded.config.frameworks[0] ?? 'soc2');
  return { format: o.format as FindingsFormat, full, fw: loadConfiguredFramework(ctx.loaded.config, full.id) };
}

/** One file's bytes parsed, checked and planned as runs; a UsageError naming the file, line and column when it is bad. */
export function planFile(raw: Buffer, file: string, o: ImportOptions, setup: ReturnType<typeof importSetup>, readAt: string): { findings: ImportedFinding[]; rawSha256: string; plans: ScopePlan[] } {
  const { format, full, fw } = setup;
  const findings = parseFindings(raw.toString('utf8'), format, file, o.scanner !== undefined ? { scanner: o.scanner } : {});
  if (format === 'ocsf' && o.scanner !== undefined) {
    const other = findings.find((f) => f.scanner !== o.scanner);
    if (other) throw new UsageError('BAD_SCANNER', `--scanner ${o.scanner}: ${file} line ${other.line} is a finding of ${other.scanner}`);
  }
  const mappings = new Map<string, ImportMapping | undefined>();
  for (const s of new Set(findings.map((f) => f.scanner))) mappings.set(s, loadImportMapping(s, full));
  const rawSha256 = createHash('sha256').update(raw).digest('hex');
  return { findings, rawSha256, plans: planImport(findings, { format, file, rawSha256, size: raw.length, readAt, fw, mappings }) };
}

export async function importCommand(ctx: AgentContext, file: string, o: ImportOptions): Promise<number> {
  const setup = importSetup(ctx, o);
  const format = setup.format;
  const raw = readFindingsFile(file);
  const readAt = ctx.clock.now().toISOString();
  // The whole file is read and checked before anything is written: a bad file is exit 2 with nothing recorded.
  const { findings, rawSha256, plans } = planFile(raw, file, o, setup, readAt);

  await refuseOlderScans(ctx, plans);
  const recorder = await openCollectRecorder(ctx);
  let runs: Array<Record<string, unknown>>;
  try {
    runs = await recordPlans(recorder.ledger, raw, rawSha256, plans);
  } finally {
    await recorder.close('import finished');
  }
  if (o.json) process.stdout.write(`${JSON.stringify({ file, format, sha256: rawSha256, readAt, runs }, null, 2)}\n`);
  else {
    process.stdout.write(`imported ${findings.length} finding${findings.length === 1 ? '' : 's'} from ${file} (${format}, sha256 ${rawSha256}), read at ${readAt}\n`);
    printRuns(runs);
  }
  return 0;
}

/** The raw file stored as a blob, then each planned run recorded; what each run became. */
export async function recordPlans(ledger: Parameters<typeof recordRun>[0], raw: Buffer, rawSha256: string, plans: ScopePlan[]): Promise<Array<Record<string, unknown>>> {
  const runs: Array<Record<string, unknown>> = [];
  const blob = await ledger.putBlob(raw, 'application/json');
  if (blob.sha256 !== rawSha256) throw new Error(`stored findings file hashed ${blob.sha256}, expected ${rawSha256}`);
  for (const p of plans) {
    // Straight to the run record (no scope retirement): an account missing from one scanner file says nothing about it.
    const outcome = await recordRun(ledger, p.job);
    const unmapped = [...new Set(p.job.results.filter((r) => r.details?.mappedBy === 'none').map((r) => r.ruleId))].sort();
    runs.push({ scope: p.scope, slot: p.job.summary.slot, seq: outcome.runSeq, duplicate: outcome.duplicate, counts: p.job.summary.counts, findings: p.job.results.length, muted: p.job.results.filter((r) => r.details?.muted === true).length, unmapped });
  }
  return runs;
}

/** Each run an import recorded, one line (and its unmapped checks). */
export function printRuns(runs: Array<Record<string, unknown>>): void {
  for (const r of runs) {
    const c = r.counts as Record<Status, number>;
    const dup = r.duplicate ? ' — already imported, nothing new recorded' : '';
    process.stdout.write(`  ${String(r.scope)}: scanner time ${String(r.slot)}: ${c.pass} pass, ${c.fail} fail, ${c.error} error (${String(r.muted)} muted) — run leaf #${String(r.seq)}${dup}\n`);
    const un = r.unmapped as string[];
    if (un.length > 0) process.stdout.write(`    not mapped to any criterion (recorded, counted nowhere): ${un.join(', ')}\n`);
  }
}
