// The one decision of what a criterion's evidence amounts to (satisfied, not-satisfied, partial, not-assessed), shared by `vigil status`, /v1/posture, OSCAL and report.html.
import type { ManualRequirement } from './requirements.js';
import type { RequirementCoverage } from './manual-evidence.js';

/** How a mapped rule's result bears on a criterion (the `evidence:` field of a framework mapping). */
export type EvidenceRole = 'direct' | 'supporting';
export const EVIDENCE_ROLES: readonly EvidenceRole[] = ['direct', 'supporting'];

/** The words every output uses for a criterion. */
export type CriterionState = 'satisfied' | 'not-satisfied' | 'partial' | 'not-assessed';
export const CRITERION_STATES: readonly CriterionState[] = ['satisfied', 'not-satisfied', 'partial', 'not-assessed'];

/**
 * What one rule's results over the window amount to (Type 2: the period; Type 1 and status: the latest runs).
 * - `passed`: at least one pass, no fail, no error, and (Type 2) evidence on every day with no gap of its source;
 * - `failed`: at least one fail (a risk acceptance does not turn a fail into a pass);
 * - `incomplete`: no fail, but errors, gaps or days without evidence;
 * - `no-data`: its source is in scope but no result was recorded;
 * - `not-applicable`: every result was not_applicable (nothing of that kind to judge);
 * - `out-of-scope`: its source is not configured and it has no result, so its absence says nothing. A rule with
 *   results is judged on them even when its source is not configured (now, or in the config export was run with):
 *   recorded evidence is never set aside.
 */
export type RuleOutcome = 'passed' | 'failed' | 'incomplete' | 'no-data' | 'not-applicable' | 'out-of-scope';

export interface RuleTally {
  pass: number;
  fail: number;
  error: number;
  notApplicable: number;
  /** False when the window has a gap of the rule's source or a day with no evidence (Type 2). @defaultValue true */
  complete?: boolean;
  /** False when the rule's source is not configured. @defaultValue true */
  inScope?: boolean;
}

export function ruleOutcome(t: RuleTally): RuleOutcome {
  const none = t.pass + t.fail + t.error + t.notApplicable === 0;
  if (t.inScope === false && none) return 'out-of-scope';
  if (t.fail > 0) return 'failed';
  if (none) return 'no-data';
  if (t.error > 0 || t.complete === false) return 'incomplete';
  if (t.pass === 0) return 'not-applicable';
  return 'passed';
}

export interface CriterionInput {
  /** Outcomes of the rules mapped `direct`. Supporting rules never decide the state. */
  direct: RuleOutcome[];
  /** The framework names manual evidence requirements for the criterion. */
  manualRequired: boolean;
  /** Every requirement has evidence that counts for the window (src/rules/manual-evidence.ts; a per-hire one never does yet). */
  manualPresent: boolean;
}

export interface CriterionDecision {
  state: CriterionState;
  /** Why, in words a reader can act on; the first says what decided the state. */
  reasons: string[];
}

/**
 * The decision table (docs/export.md "Criterion states" repeats it):
 * 1. a direct rule `failed`                                              → not-satisfied
 * 2. no direct rule that counts (none mapped, or all out-of-scope or not-applicable) → not-assessed
 * 3. every direct rule that counts has `no-data`                         → not-assessed
 * 4. every direct rule that counts `passed`, and manual evidence is not required or is present → satisfied
 * 5. every direct rule that counts `passed`, manual evidence required and absent → partial
 * 6. otherwise (some direct rule incomplete or without data, none failed) → partial
 */
export function decideCriterion(c: CriterionInput): CriterionDecision {
  const manualMissing = c.manualRequired && !c.manualPresent;
  const manualNote = manualMissing ? ['manual evidence needed'] : [];
  const failed = c.direct.filter((o) => o === 'failed').length;
  if (failed > 0) return { state: 'not-satisfied', reasons: [`${failed} direct rule${failed === 1 ? '' : 's'} failed`, ...manualNote] };
  const counted = c.direct.filter((o) => o !== 'out-of-scope' && o !== 'not-applicable');
  if (counted.length === 0) {
    const why = c.direct.length === 0 ? 'no direct automated evidence is mapped' : 'no direct rule applies to the sources in scope';
    return { state: 'not-assessed', reasons: [why, ...manualNote] };
  }
  if (counted.every((o) => o === 'no-data')) return { state: 'not-assessed', reasons: ['no results recorded for the direct rules', ...manualNote] };
  if (counted.every((o) => o === 'passed')) {
    return manualMissing ? { state: 'partial', reasons: ['direct rules passed', ...manualNote] } : { state: 'satisfied', reasons: ['direct rules passed'] };
  }
  const incomplete = counted.filter((o) => o === 'incomplete').length;
  const noData = counted.filter((o) => o === 'no-data').length;
  const parts = [
    ...(incomplete > 0 ? [`${incomplete} direct rule${incomplete === 1 ? '' : 's'} with errors, gaps or days without evidence`] : []),
    ...(noData > 0 ? [`${noData} direct rule${noData === 1 ? '' : 's'} without results`] : []),
  ];
  return { state: 'partial', reasons: [...parts, ...manualNote] };
}

/** The source whose runs judge a rule: the first segment of its id (`xsys.*` rules are judged on the person view, `identity`). */
export function ruleSource(ruleId: string): string {
  const head = ruleId.split('.')[0] ?? ruleId;
  return head === 'xsys' ? 'identity' : head;
}

/** A scanner's finding imported by `vigil import` (`findings.<scanner>.<check>`, docs/findings-import.md), not a rule Vigil evaluates. */
export function isImportedRuleId(ruleId: string): boolean {
  return ruleId.startsWith('findings.');
}

/** Sources the person view (`identity` runs) needs at least one of: it joins accounts to an identity provider. */
const IDENTITY_PROVIDERS = ['okta', 'google-workspace', 'entra'];

/**
 * Person-view rules that judge nothing unless one more source is configured: `xsys.hr_reconciliation` records no result
 * without an HR roster (rules/identity/xsys.ts), so without one it is out of scope rather than a rule lacking results.
 */
const IDENTITY_RULES_NEEDING: Readonly<Record<string, string>> = { 'xsys.hr_reconciliation': 'hris' };

/** Whether a rule's source is configured. `configured` undefined means unknown: every source counts as in scope. */
export function ruleInScope(ruleId: string, configured: readonly string[] | undefined): boolean {
  if (configured === undefined) return true;
  const source = ruleSource(ruleId);
  const needs = IDENTITY_RULES_NEEDING[ruleId];
  if (source === 'identity') return configured.some((s) => IDENTITY_PROVIDERS.includes(s)) && (needs === undefined || configured.includes(needs));
  return configured.includes(source);
}

/** A criterion as every output shows it: its state, why, its evidence split by role, and each manual requirement with what evidences it. */
export interface CriterionAssessment extends CriterionDecision {
  id: string;
  title: string;
  manual?: RequirementCoverage[];
  direct: Array<{ id: string; outcome: RuleOutcome }>;
  supporting: Array<{ id: string; outcome: RuleOutcome }>;
}

/** A framework criterion as far as coverage needs it; a mapping without `evidence` (older bundles) counts as supporting. */
export interface CoverageCriterion {
  id: string;
  title: string;
  rules: Array<{ id: string; evidence?: EvidenceRole }>;
  manual?: readonly ManualRequirement[];
}

/**
 * Assesses one criterion from each mapped rule's outcome and, when it has manual requirements, how each stands for the
 * window (`manualOf`: src/rules/manual-evidence.ts requirementCoverage over the records; absent: no evidence counts).
 */
export function assessCriterion(
  c: CoverageCriterion,
  outcomeOf: (ruleId: string) => RuleOutcome,
  manualOf?: (criterion: string, reqs: readonly ManualRequirement[]) => RequirementCoverage[],
): CriterionAssessment {
  const direct = c.rules.filter((r) => r.evidence === 'direct').map((r) => ({ id: r.id, outcome: outcomeOf(r.id) }));
  const supporting = c.rules.filter((r) => r.evidence !== 'direct').map((r) => ({ id: r.id, outcome: outcomeOf(r.id) }));
  const reqs = c.manual ?? [];
  const manual = reqs.length === 0 ? undefined : manualOf ? manualOf(c.id, reqs) : reqs.map((q): RequirementCoverage => ({ id: q.id, title: q.title, cadence: q.cadence, ...(q.owner !== undefined ? { owner: q.owner } : {}), state: 'missing', evidence: [] }));
  const manualPresent = manual !== undefined && manual.every((m) => m.state === 'evidenced');
  const decision = decideCriterion({ direct: direct.map((r) => r.outcome), manualRequired: manual !== undefined, manualPresent });
  return { id: c.id, title: c.title, ...decision, ...(manual !== undefined ? { manual } : {}), direct, supporting };
}

/** The requirements still needing evidence, as one phrase (`code-of-conduct (missing), hiring-checks (not-assessed)`). */
export function manualNeeded(manual: readonly RequirementCoverage[] | undefined): string {
  return (manual ?? []).filter((m) => m.state !== 'evidenced').map((m) => `${m.id} (${m.state === 'missing' ? (m.hires !== undefined ? 'missing: hires overdue' : 'missing') : m.state === 'error' ? 'error: HR roster' : 'not assessed: per hire'})`).join(', ');
}

/** One line: the state and its reasons, with the manual requirements named when they are what is missing. */
export function describeAssessment(a: CriterionAssessment): string {
  const needed = manualNeeded(a.manual);
  const evidenced = (a.manual ?? []).filter((m) => m.state === 'evidenced').map((m) => `${m.id} by ${m.evidence.join(', ')}`);
  const manual = `${needed ? `; manual evidence needed: ${needed}` : ''}${evidenced.length > 0 ? `; manual evidence: ${evidenced.join('; ')}` : ''}`;
  return `${a.state}: ${a.reasons.filter((r) => r !== 'manual evidence needed').join('; ') || 'see rules'}${manual}`;
}
