// Content hashes of rules and rule sets, recorded in `rule.defined` and `run` leaves so any verdict can be tied to the logic that produced it.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Rule, Severity, SourceId } from '../core/types.js';
import { DEFAULT_MAX_INPUT_AGE_HOURS, effectiveParams } from './engine.js';

/** A rule's identity as evidence: JSON-safe, no functions. */
export interface RuleDefinition {
  id: string;
  title: string;
  source: SourceId;
  severity: Severity;
  mode: 'snapshot' | 'period';
  inputs: string[];
  permissions: string[];
  /** Parameter values in effect (defaults, merged with overrides when given). */
  params: Record<string, unknown>;
  maxInputAgeHours: number;
  /** sha-256 (hex) of `evaluate`'s source text. */
  logicSha256: string;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Round-trips through JSON so params with undefined or non-JSON values cannot make canonicalize throw or differ. */
function jsonSafe<T>(v: T): T {
  return JSON.parse(JSON.stringify(v ?? null)) as T;
}

/** The recorded definition of a rule. `overrides` are the operator's parameter overrides for it, if any. */
export function ruleDefinition(rule: Rule, overrides?: Record<string, unknown>): RuleDefinition {
  return {
    id: rule.id,
    title: rule.title,
    source: rule.source,
    severity: rule.severity,
    mode: rule.mode,
    inputs: [...rule.inputs],
    permissions: [...rule.permissions],
    params: jsonSafe(effectiveParams(rule, overrides)),
    maxInputAgeHours: rule.maxInputAgeHours ?? DEFAULT_MAX_INPUT_AGE_HOURS,
    logicSha256: sha256Hex(rule.evaluate.toString()),
  };
}

/**
 * Version of a set of rules: first 16 hex chars of sha-256 over the canonical JSON (RFC 8785) of their definitions
 * sorted by id. Order of `rules` does not matter; changing any rule's metadata, params or logic text changes it.
 */
export function ruleSetVersion(rules: readonly Rule[], params?: Record<string, Record<string, unknown>>): string {
  const defs = rules.map((r) => ruleDefinition(r, params?.[r.id])).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const text = canonicalize(defs);
  if (text === undefined) throw new Error('rule definitions are not serializable');
  return sha256Hex(text).slice(0, 16);
}
