// Verify step for the export's appendix (rule replays, src/export/replay-appendix.ts): each file manifest.json lists is
// present, labelled a what-if, over the bundle's period, and quotes the recorded verdicts as the bundle's results hold
// them. The replayed verdicts cannot be recomputed here: the rule's code and the resource snapshots are not in a bundle.
import type { BundleFiles } from './bundle-files.js';
import type { BundleFault } from './bundle-steps.js';
import { REPLAY_APPENDIX_KIND, WHAT_IF_NOTICE, replayAppendixFile, type ReplayAppendix } from '../export/replay-appendix.js';

export interface AppendixSummary {
  /** Rule ids replayed. */
  replays: string[];
  /** Quoted recorded verdicts compared with the bundle's results blobs. */
  quotesChecked: number;
  /** Quotes whose run's results blob the bundle does not carry (withheld), so they could not be compared. */
  quotesUnchecked: number;
}

interface Quote {
  file: string;
  ruleId: string;
  source: string;
  slot: string;
  scope: string;
  resourceId: string;
  region?: string;
  recorded: string | null;
}

type Blobs = (sha: string) => Promise<Buffer | undefined>;

/** The appendix files named by manifest.json `appendix`, checked; undefined when the bundle has none. */
export async function checkAppendix(
  bundle: BundleFiles,
  present: Set<string>,
  manifest: Record<string, unknown>,
  period: { start: string; end: string },
  leafFiles: readonly string[],
  blobs: Blobs,
  fault: (f: BundleFault) => void,
): Promise<AppendixSummary | undefined> {
  const listed = manifest.appendix;
  const onDisk = [...present].filter((f) => f.startsWith('appendix/'));
  if (listed === undefined) {
    for (const f of onDisk) fault({ code: 'APPENDIX', file: f, message: 'file under appendix/ that manifest.json does not list' });
    return undefined;
  }
  if (!Array.isArray(listed)) {
    fault({ code: 'MANIFEST', file: 'manifest.json', message: 'appendix is not a list' });
    return undefined;
  }
  const summary: AppendixSummary = { replays: [], quotesChecked: 0, quotesUnchecked: 0 };
  const quotes: Quote[] = [];
  const names = new Set<string>();
  for (const entry of listed as Array<Record<string, unknown>>) {
    const file = replayAppendixFile(String(entry?.ruleId));
    if (entry?.kind !== 'rule-replay' || file === undefined || entry.file !== file) {
      fault({ code: 'MANIFEST', file: 'manifest.json', message: `appendix entry ${JSON.stringify(entry)} is not a rule replay at appendix/replay/<rule id>.json` });
      continue;
    }
    names.add(file);
    if (!present.has(file)) {
      fault({ code: 'APPENDIX_MISSING', file, message: 'appendix file listed in manifest.json is missing' });
      continue;
    }
    const a = readAppendix(bundle, file, String(entry.ruleId), period, fault);
    if (a === undefined) continue;
    summary.replays.push(a.ruleId);
    for (const d of a.report.days) for (const x of d.examples) quotes.push({ file, ruleId: a.ruleId, source: a.report.source, slot: x.slot, scope: x.scope, resourceId: x.resourceId, ...(x.region !== undefined ? { region: x.region } : {}), recorded: x.recorded });
  }
  for (const f of onDisk) if (!names.has(f)) fault({ code: 'APPENDIX', file: f, message: 'file under appendix/ that manifest.json does not list' });
  if (quotes.length > 0) await checkQuotes(bundle, leafFiles, quotes, blobs, fault, summary);
  return summary;
}

/** The file parsed and its label, rule and period checked; undefined (with a fault) when any is wrong. */
function readAppendix(bundle: BundleFiles, file: string, ruleId: string, period: { start: string; end: string }, fault: (f: BundleFault) => void): ReplayAppendix | undefined {
  let a: ReplayAppendix;
  try {
    a = JSON.parse(bundle.read(file).toString('utf8')) as ReplayAppendix;
  } catch (e) {
    fault({ code: 'APPENDIX', file, message: `unreadable: ${(e as Error).message}` });
    return undefined;
  }
  const problems: string[] = [];
  if (a.kind !== REPLAY_APPENDIX_KIND || a.whatIf !== true || a.notice !== WHAT_IF_NOTICE) problems.push('it does not carry the what-if label (kind, whatIf, notice)');
  if (a.ruleId !== ruleId || a.report?.ruleId !== ruleId) problems.push(`it is not the replay of ${ruleId}`);
  if (a.period?.start !== period.start || a.period?.end !== period.end) problems.push(`its period ${JSON.stringify(a.period)} is not the bundle's [${period.start}, ${period.end})`);
  if (!Array.isArray(a.report?.days) || typeof a.report.source !== 'string') problems.push('its report has no days or source');
  for (const p of problems) fault({ code: 'APPENDIX', file, message: p });
  return problems.length === 0 ? a : undefined;
}

/** Each quoted recorded verdict against the results blob of the run it names (the run's leaf must be in the bundle). */
async function checkQuotes(bundle: BundleFiles, leafFiles: readonly string[], quotes: Quote[], blobs: Blobs, fault: (f: BundleFault) => void, summary: AppendixSummary): Promise<void> {
  const runKey = (source: string, scope: string, slot: string) => `${source}\u0000${scope}\u0000${slot}`;
  const wanted = new Set(quotes.map((q) => runKey(q.source, q.scope, q.slot)));
  const results = new Map<string, string>();
  for (const f of leafFiles) {
    for await (const line of bundle.lines(f)) {
      if (!line.includes('"type":"run"')) continue;
      const b = JSON.parse(line) as { type?: unknown; source?: unknown; scope?: unknown; slot?: unknown; resultsSha256?: unknown };
      const k = runKey(String(b.source), String(b.scope), String(b.slot));
      if (b.type === 'run' && wanted.has(k) && typeof b.resultsSha256 === 'string') results.set(k, b.resultsSha256);
    }
  }
  const parsed = new Map<string, Array<{ ruleId?: unknown; resourceId?: unknown; region?: unknown; status?: unknown }> | undefined>();
  for (const q of quotes) {
    const where = `${q.ruleId} ${q.resourceId}${q.region !== undefined ? ` (${q.region})` : ''} in the run of ${q.source} ${q.scope} slot ${q.slot}`;
    const sha = results.get(runKey(q.source, q.scope, q.slot));
    if (sha === undefined) {
      fault({ code: 'APPENDIX_MISQUOTES', file: q.file, message: `quotes ${where}, a run the bundle's leaves do not hold` });
      continue;
    }
    if (!parsed.has(sha)) {
      const data = await blobs(sha);
      parsed.set(sha, data === undefined ? undefined : (JSON.parse(data.toString('utf8')) as Array<{ ruleId?: unknown; resourceId?: unknown; region?: unknown; status?: unknown }>));
    }
    const rows = parsed.get(sha);
    if (rows === undefined) {
      summary.quotesUnchecked++;
      continue;
    }
    const hit = rows.find((r) => r.ruleId === q.ruleId && r.resourceId === q.resourceId && (r.region ?? undefined) === q.region);
    const actual = hit === undefined ? null : String(hit.status);
    summary.quotesChecked++;
    if (actual !== q.recorded) fault({ code: 'APPENDIX_MISQUOTES', file: q.file, message: `says ${where} was recorded ${q.recorded ?? 'with no result'}; the bundle's results say ${actual ?? 'no result'}` });
  }
}
