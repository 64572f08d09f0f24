// Posture per criterion from the latest run of every source and scope in the ledger: what `vigil status` shows.
import { describePrincipal } from '../core/principal-text.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Framework } from '../rules/frameworks.js';
import { loadResults } from '../pipeline/record.js';
import type { RecordedResult } from '../pipeline/collect-stage.js';
import { loadExceptions } from '../exceptions/exceptions.js';
import { latestScopeHealth, unhealthyFirst, type ScopeHealth } from './health.js';
import { RetiredScopes, RETIREMENT_TYPES, type Retirement } from '../ledger/retired-scopes.js';
import { assessCriterion, ruleInScope, ruleOutcome, type CriterionState, type EvidenceRole, type RuleOutcome } from '../rules/coverage.js';
import { loadEvidence } from '../evidence/evidence.js';
import { loadRoster } from '../evidence/roster.js';
import { FINDINGS_SOURCE, importedRuleMap, withImportedRules } from '../rules/import-mapping.js';
import { DEFAULT_WARN_DAYS, dueStates, requirementCoverage, type DueState, type EvidenceRecord, type RequirementCoverage } from '../rules/manual-evidence.js';

/** `accepted` counts the failures (already in `fail`) that an active exception accepts: shown as `fail (accepted)`. */
type Counts = Record<'pass' | 'fail' | 'error' | 'notApplicable' | 'accepted', number>;

export interface CriterionPosture extends Counts {
  id: string;
  title: string;
  /** automated: every mapped rule has results; partial: some do; no_data: rules mapped, none evaluated yet; manual: no rule maps here. */
  coverage: 'automated' | 'partial' | 'no_data' | 'manual';
  /** The criterion's state from its direct rules and manual evidence (src/rules/coverage.ts), the words export uses too. */
  state: CriterionState;
  /** Why the state is what it is; "manual evidence needed" when the criterion's manual evidence is not on record. */
  reasons: string[];
  /** Each manual requirement: evidenced now or not, by which records, and whether it is due (src/rules/manual-evidence.ts). */
  manual?: ManualPosture[];
  /** `imported`: a scanner's finding imported by `vigil import` (docs/findings-import.md), not a rule Vigil evaluated. */
  rules: Array<{ id: string; evidence: EvidenceRole; outcome: RuleOutcome; imported?: true } & Counts>;
}

/** A manual requirement as status shows it: what evidences it now and when it is due. */
export interface ManualPosture extends RequirementCoverage {
  due: DueState;
  dueReason: string;
  /** The records that count now. */
  records: Array<Pick<EvidenceRecord, 'id' | 'title' | 'fileName' | 'sha256' | 'effectiveAt' | 'recordedAt' | 'expiresAt' | 'confidential'> & { uploader: string }>;
}

export interface Posture {
  framework: string;
  /** Latest run per source and scope; scopes that could not be read at all come first, with the cause. */
  runs: Array<{
    source: string;
    scope: string;
    slot: string;
    seq: number;
    outcome: string;
    observedAt: string;
    health: 'healthy' | 'failing';
    /** Consecutive failing runs up to this one (0 when healthy). */
    failedRuns: number;
    failingSince?: string;
    /** Causes of the run's collection errors (failing, or partial), most frequent first. */
    causes?: string[];
    /** Collection errors the run recorded. */
    errors: number;
    reason?: string;
  }>;
  criteria: CriterionPosture[];
  /** Scopes retired (removed from config, or not seen): out of scope, so neither in `runs` nor counted; their history stays. */
  retired: Retirement[];
}

const zero = (): Counts => ({ pass: 0, fail: 0, error: 0, notApplicable: 0, accepted: 0 });

/** Latest run leaf per source and scope in scope (a retired scope is left out). */
export async function latestRuns(ledger: Ledger): Promise<Map<string, { seq: number; body: Record<string, unknown> }>> {
  const latest = new Map<string, { seq: number; body: Record<string, unknown> }>();
  const retired = new RetiredScopes();
  for await (const leaf of ledger.readLeaves({ types: ['run', ...RETIREMENT_TYPES] })) {
    const body = leaf.body;
    if (body.type === 'run') latest.set(`${String(body.source)}|${String(body.scope)}`, { seq: leaf.seq, body });
    else retired.leaf(leaf.seq, body);
  }
  for (const r of retired.list()) latest.delete(`${r.source}|${r.scope}`);
  return latest;
}

export interface PostureOptions {
  /** Configured sources: rules of any other source are out of scope rather than "no data". @defaultValue every source */
  sources?: readonly string[];
  /** A requirement is due this many days before its evidence expires (config `evidence.warnDays`). @defaultValue 30 */
  evidenceWarnDays?: number;
  /** The latest run per scope and the retirements, when the caller keeps them (the API's LedgerView). @defaultValue read from the ledger */
  scopes?: { latest: Map<string, ScopeHealth>; retired: Retirement[] };
  /** A results blob's tally, when the caller caches them by hash. @defaultValue tallyResults of the blob */
  tally?: (resultsSha256: string) => Promise<BlobTally>;
}

/** One results blob summed per rule, with its failures (the only results an exception can accept). */
export interface BlobTally {
  byRule: Map<string, Omit<Counts, 'accepted'>>;
  fails: Array<{ ruleId: string; resourceId: string }>;
}

export function tallyResults(results: readonly RecordedResult[]): BlobTally {
  const byRule = new Map<string, Omit<Counts, 'accepted'>>();
  const fails: BlobTally['fails'] = [];
  for (const r of results) {
    const c = byRule.get(r.ruleId) ?? { pass: 0, fail: 0, error: 0, notApplicable: 0 };
    if (r.status === 'not_applicable') c.notApplicable++;
    else c[r.status]++;
    if (r.status === 'fail') fails.push({ ruleId: r.ruleId, resourceId: r.resourceId });
    byRule.set(r.ruleId, c);
  }
  return { byRule, fails };
}

export async function computePosture(ledger: Ledger, framework: Framework, now: Date = new Date(), opts: PostureOptions = {}): Promise<Posture> {
  const retiredFold = new RetiredScopes();
  const latest = opts.scopes?.latest ?? (await latestScopeHealth(ledger, retiredFold));
  const retired = opts.scopes?.retired ?? retiredFold.list();
  const tally = opts.tally ?? (async (sha: string) => tallyResults((await loadResults(ledger, sha)) ?? []));
  const exceptions = await loadExceptions(ledger);
  const evidence = await loadEvidence(ledger);
  // Per-hire requirements are judged on the HR roster when a hris source is configured (unknown: when one has run).
  const roster = await loadRoster(ledger, now, opts.sources !== undefined ? { configured: opts.sources.includes('hris') } : {});
  const due = new Map(dueStates(framework.criteria, evidence, now, opts.evidenceWarnDays ?? DEFAULT_WARN_DAYS, roster).map((d) => [`${d.criterion}\u0000${d.requirement}`, d]));
  const byId = new Map(evidence.map((r) => [r.id, r]));
  const manualOf = (criterion: string, reqs: Parameters<typeof requirementCoverage>[1]): ManualPosture[] =>
    requirementCoverage(criterion, reqs, evidence, { at: now.toISOString() }, roster).map((q) => {
      const d = due.get(`${criterion}\u0000${q.id}`)!;
      const records = q.evidence.map((id) => byId.get(id)!).map((r) => ({
        id: r.id,
        title: r.title,
        fileName: r.fileName,
        sha256: r.sha256,
        effectiveAt: r.effectiveAt,
        recordedAt: r.recordedAt,
        expiresAt: r.expiresAt,
        confidential: r.confidential,
        uploader: describePrincipal(r.uploader),
      }));
      return { ...q, due: d.state, dueReason: d.reason, records };
    });
  const byRule = new Map<string, Counts>();
  const runs: Posture['runs'] = [];
  for (const { seq, body, health, failedRuns, failingSince } of latest.values()) {
    runs.push({
      source: String(body.source),
      scope: String(body.scope),
      slot: String(body.slot),
      seq,
      outcome: String(body.outcome ?? 'complete'),
      observedAt: String(body.endedAt ?? body.observedAt),
      health: health.state,
      failedRuns,
      errors: health.errorCount,
      ...(health.causes.length > 0 ? { causes: health.causes } : {}),
      ...(health.state === 'failing' ? { failingSince: failingSince!, reason: health.reason! } : {}),
    });
    const t = await tally(String(body.resultsSha256));
    for (const [rule, n] of t.byRule) {
      const c = byRule.get(rule) ?? zero();
      c.pass += n.pass;
      c.fail += n.fail;
      c.error += n.error;
      c.notApplicable += n.notApplicable;
      byRule.set(rule, c);
    }
    for (const f of t.fails) if (exceptions.acceptedBy(f.ruleId, f.resourceId, now)) byRule.get(f.ruleId)!.accepted++;
  }
  // Imported scanner results count under the criteria their import mapped them to (recorded in the run's artifact).
  const imported = importedRuleMap([...latest.values()].filter((l) => l.body.source === FINDINGS_SOURCE).map((l) => l.body), framework.id);
  const fw = withImportedRules(framework, imported, (id, m) => ({ id, rationale: 'imported scanner finding', evidence: m.evidence, imported: true as const }));
  const criteria = fw.criteria.map((cr): CriterionPosture => {
    const total = zero();
    const rules = cr.rules.map((m) => {
      const c = byRule.get(m.id) ?? zero();
      total.pass += c.pass;
      total.fail += c.fail;
      total.error += c.error;
      total.notApplicable += c.notApplicable;
      total.accepted += c.accepted;
      // The latest run of each scope is the window: a failing source shows as error results, so no completeness flag.
      const outcome = ruleOutcome({ ...c, inScope: ruleInScope(m.id, opts.sources) });
      return { id: m.id, evidence: m.evidence ?? 'supporting', outcome, ...(m.imported ? { imported: true as const } : {}), ...c };
    });
    const evaluated = rules.filter((r) => r.pass + r.fail + r.error + r.notApplicable > 0).length;
    const coverage = rules.length === 0 ? 'manual' : evaluated === 0 ? 'no_data' : evaluated === rules.length ? 'automated' : 'partial';
    const outcomes = new Map(rules.map((r) => [r.id, r.outcome]));
    let manual: ManualPosture[] | undefined;
    const { state, reasons } = assessCriterion(cr, (id) => outcomes.get(id)!, (id, reqs) => (manual = manualOf(id, reqs)));
    return { id: cr.id, title: cr.title, ...total, coverage, state, reasons, ...(manual ? { manual } : {}), rules };
  });
  runs.sort(unhealthyFirst);
  return { framework: framework.id, runs, criteria, retired };
}
