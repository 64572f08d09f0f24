// Runs pure rules over one snapshot and turns missing, failed or stale inputs into `error` results before any rule sees them.
import { STATUSES } from '../core/types.js';
import type { CollectionError, Result, Rule, RuleOutcome, Snapshot } from '../core/types.js';
import { UsageError, redactSecrets } from '../core/errors.js';
import { describeCollectionError } from '../core/failure.js';

/** Inputs older than this (hours) at evaluation time make a rule `error`, unless the rule sets `maxInputAgeHours`. */
export const DEFAULT_MAX_INPUT_AGE_HOURS = 26;

export interface EvaluateOptions {
  /** The evaluation instant handed to rules and used for staleness. */
  now: Date;
  /** Parameter overrides by rule id; every key must be a declared param of that rule. */
  params?: Record<string, Record<string, unknown>>;
}

/**
 * The resourceId of results about a whole scope rather than one resource (input errors, nothing in scope):
 * `<source>:<scope>`, e.g. `aws:123456789012`, `github:acme`.
 */
export function scopeResourceId(snapshot: Pick<Snapshot, 'source' | 'scope'>): string {
  return `${snapshot.source}:${snapshot.scope}`;
}

/**
 * Checks parameter overrides against the rules' declarations: unknown rule id (when `requireKnownRules`), unknown key,
 * or a value whose type differs from the default's. Throws a UsageError naming rule and key.
 */
export function validateParamOverrides(
  rules: readonly Rule[],
  params: Record<string, Record<string, unknown>> | undefined,
  opts: { requireKnownRules?: boolean } = {},
): void {
  if (!params) return;
  const byId = new Map(rules.map((r) => [r.id, r]));
  for (const [ruleId, overrides] of Object.entries(params)) {
    const rule = byId.get(ruleId);
    if (!rule) {
      if (opts.requireKnownRules) throw new UsageError('UNKNOWN_RULE', `params: no rule with id "${ruleId}"`, { remediation: 'Check the rule id with `vigil rules list`.' });
      continue;
    }
    if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
      throw new UsageError('BAD_RULE_PARAMS', `params.${ruleId}: expected a mapping of parameter names to values`);
    }
    for (const [key, value] of Object.entries(overrides)) {
      const spec = Object.prototype.hasOwnProperty.call(rule.params, key) ? rule.params[key] : undefined;
      if (!spec) {
        const known = Object.keys(rule.params);
        throw new UsageError(
          'UNKNOWN_RULE_PARAM',
          `params.${ruleId}.${key}: rule ${ruleId} has no parameter "${key}" (known: ${known.length ? known.join(', ') : 'none'})`,
        );
      }
      const want = kindOf(spec.default);
      const got = kindOf(value);
      if (want !== got) {
        throw new UsageError('BAD_RULE_PARAM', `params.${ruleId}.${key}: expected a ${want} like ${JSON.stringify(spec.default)}, got ${got}`);
      }
    }
  }
}

/** The kind of a parameter value as messages name it: null, list, or its typeof. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

/** Declared defaults merged with overrides: the params a rule is evaluated with. */
export function effectiveParams(rule: Rule, overrides?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(rule.params)) out[k] = spec.default;
  return { ...out, ...(overrides ?? {}) };
}

/** Why a rule cannot be evaluated on this snapshot, or undefined when every input is usable. */
function inputProblem(snapshot: Snapshot, rule: Rule, now: Date): { reason: string; details: Record<string, unknown> } | undefined {
  // Per-resource failures (`resources` set) leave the rest of the input complete: handled after evaluation.
  const hits: CollectionError[] = snapshot.errors.filter((e) => !e.resources && e.inputs.some((i) => rule.inputs.includes(i)));
  if (hits.length > 0) {
    const parts = hits.map((e) => {
      const missing = e.inputs.filter((i) => rule.inputs.includes(i));
      return `${describeCollectionError(e)} (leaves ${missing.join(', ')} incomplete)`;
    });
    return {
      reason: `could not evaluate: ${parts.join('; ')}`,
      details: {
        errors: hits.map((e) => ({
          operation: e.operation,
          code: e.code,
          cause: e.cause ?? 'internal',
          ...(e.permission ? { permission: e.permission } : {}),
          inputs: e.inputs.filter((i) => rule.inputs.includes(i)),
        })),
      },
    };
  }
  const missing = rule.inputs.filter((i) => !Object.prototype.hasOwnProperty.call(snapshot.inputs, i));
  if (missing.length > 0) {
    return {
      reason: `could not evaluate: ${missing.map((i) => `input ${i} was not collected`).join('; ')}`,
      details: { missingInputs: missing },
    };
  }
  const maxAgeHours = rule.maxInputAgeHours ?? DEFAULT_MAX_INPUT_AGE_HOURS;
  const stale: Array<{ input: string; observedAt: string }> = [];
  for (const i of rule.inputs) {
    const observedAt = snapshot.inputs[i]?.observedAt ?? '';
    const t = Date.parse(observedAt);
    // An unreadable time is treated as stale: evidence we cannot date is not evidence of the current state.
    if (Number.isNaN(t) || now.getTime() - t > maxAgeHours * 3_600_000) stale.push({ input: i, observedAt });
  }
  if (stale.length > 0) {
    return {
      reason: `could not evaluate: stale input ${stale.map((s) => `${s.input} observed at ${s.observedAt || '(no time)'}`).join(', ')} is older than the ${maxAgeHours} h limit`,
      details: { staleInputs: stale, maxInputAgeHours: maxAgeHours },
    };
  }
  return undefined;
}

/** Failures limited to single resources (CollectionError.resources) that touch this rule's inputs, by resource id. */
function resourceProblems(snapshot: Snapshot, rule: Rule): Map<string, CollectionError[]> {
  const out = new Map<string, CollectionError[]>();
  for (const e of snapshot.errors) {
    if (!e.resources || !e.inputs.some((i) => rule.inputs.includes(i))) continue;
    for (const id of e.resources) {
      const list = out.get(id) ?? [];
      list.push(e);
      out.set(id, list);
    }
  }
  return out;
}

function isValidOutcome(o: unknown): o is RuleOutcome {
  if (o === null || typeof o !== 'object') return false;
  const r = o as Record<string, unknown>;
  return (
    typeof r.resourceId === 'string' &&
    r.resourceId.length > 0 &&
    typeof r.status === 'string' &&
    (STATUSES as readonly string[]).includes(r.status) &&
    typeof r.reason === 'string' &&
    (r.region === undefined || typeof r.region === 'string') &&
    (r.details === undefined || (typeof r.details === 'object' && r.details !== null && !Array.isArray(r.details)))
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order: rule id, resource id, then region, status and reason so equal keys still sort the same way. */
export function compareResults(a: Result, b: Result): number {
  return cmp(a.ruleId, b.ruleId) || cmp(a.resourceId, b.resourceId) || cmp(a.region ?? '', b.region ?? '') || cmp(a.status, b.status) || cmp(a.reason, b.reason);
}

/**
 * Evaluates every rule of the snapshot's source. Each rule yields its own outcomes, or exactly one `error` result
 * (input failed, missing or stale; rule threw or returned garbage) or one `not_applicable` result (nothing in scope)
 * on the scope id `<source>:<scope>`. Throws UsageError on a bad parameter override, before evaluating anything.
 */
export function evaluateSnapshot(snapshot: Snapshot, rules: readonly Rule[], opts: EvaluateOptions): Result[] {
  validateParamOverrides(rules, opts.params);
  const observedAt = snapshot.endedAt;
  const scopeId = scopeResourceId(snapshot);
  const out: Result[] = [];
  for (const rule of rules) {
    if (rule.source !== snapshot.source) continue;
    const scopeResult = (status: 'error' | 'not_applicable', reason: string, details?: Record<string, unknown>): Result => ({
      ruleId: rule.id,
      resourceId: scopeId,
      status,
      reason,
      observedAt,
      ...(details ? { details } : {}),
    });
    const problem = inputProblem(snapshot, rule, opts.now);
    if (problem) {
      out.push(scopeResult('error', problem.reason, problem.details));
      continue;
    }
    let outcomes: unknown;
    try {
      outcomes = rule.evaluate(snapshot, { now: opts.now, params: effectiveParams(rule, opts.params?.[rule.id]) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // A thrown message may quote data; it is the one free text here that did not come from scrubbed inputs.
      out.push(scopeResult('error', `rule failed: ${redactSecrets(message)}`));
      continue;
    }
    if (!Array.isArray(outcomes) || !outcomes.every(isValidOutcome)) {
      out.push(scopeResult('error', 'rule failed: evaluate returned something other than a list of outcomes {resourceId, status, reason}'));
      continue;
    }
    if (outcomes.length === 0) {
      out.push(scopeResult('not_applicable', `no ${rule.inputs.join(' or ')} in scope`));
      continue;
    }
    const partial = resourceProblems(snapshot, rule);
    for (const o of outcomes) {
      const problem = o.status === 'fail' ? undefined : partial.get(o.resourceId);
      if (problem) {
        // A verdict on a resource whose inputs were read only in part is "could not tell" — a fail seen on what was read stands.
        out.push({
          ruleId: rule.id,
          resourceId: o.resourceId,
          status: 'error',
          reason: `could not evaluate: ${problem.map((e) => describeCollectionError(e)).join('; ')} (this resource was read incompletely)`,
          observedAt,
          ...(o.region !== undefined ? { region: o.region } : {}),
          details: { errors: problem.map((e) => ({ operation: e.operation, code: e.code, cause: e.cause ?? 'internal', ...(e.permission ? { permission: e.permission } : {}) })) },
        });
        continue;
      }
      out.push({
        ruleId: rule.id,
        resourceId: o.resourceId,
        status: o.status,
        // Not redacted: rules read normalized, already-scrubbed data, and the redactor would eat phrases like "password last used".
        reason: o.reason,
        observedAt,
        ...(o.region !== undefined ? { region: o.region } : {}),
        ...(o.details !== undefined ? { details: o.details } : {}),
        ...(typeof o.occurredAt === 'string' ? { occurredAt: o.occurredAt } : {}),
      });
    }
  }
  return out.sort(compareResults);
}
