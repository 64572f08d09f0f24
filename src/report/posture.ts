// Posture per criterion from the latest run of every source and scope in the ledger: what `vigil status` shows.
import type { Ledger } from '../ledger/ledger.js';
import type { Status } from '../core/types.js';
import type { Framework } from '../rules/frameworks.js';
import { loadResults } from '../pipeline/record.js';
import type { RecordedResult } from '../pipeline/collect-stage.js';
import { loadExceptions } from '../exceptions/exceptions.js';
import { latestScopeHealth, unhealthyFirst } from './health.js';

/** `accepted` counts the failures (already in `fail`) that an active exception accepts: shown as `fail (accepted)`. */
type Counts = Record<'pass' | 'fail' | 'error' | 'notApplicable' | 'accepted', number>;

export interface CriterionPosture extends Counts {
  id: string;
  title: string;
  /** automated: every mapped rule has results; partial: some do; no_data: rules mapped, none evaluated yet; manual: no rule maps here. */
  coverage: 'automated' | 'partial' | 'no_data' | 'manual';
  manual?: string;
  rules: Array<{ id: string } & Counts>;
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
}

const zero = (): Counts => ({ pass: 0, fail: 0, error: 0, notApplicable: 0, accepted: 0 });
const bump = (c: Counts, s: Status) => {
  if (s === 'not_applicable') c.notApplicable++;
  else c[s]++;
};

/** Latest run leaf per source and scope. */
export async function latestRuns(ledger: Ledger): Promise<Map<string, { seq: number; body: Record<string, unknown> }>> {
  const latest = new Map<string, { seq: number; body: Record<string, unknown> }>();
  for await (const leaf of ledger.readLeaves({ types: ['run'] })) {
    const body = leaf.body;
    latest.set(`${String(body.source)}|${String(body.scope)}`, { seq: leaf.seq, body });
  }
  return latest;
}

export async function computePosture(ledger: Ledger, framework: Framework, now: Date = new Date()): Promise<Posture> {
  const latest = await latestScopeHealth(ledger);
  const exceptions = await loadExceptions(ledger);
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
    const results: RecordedResult[] = (await loadResults(ledger, String(body.resultsSha256))) ?? [];
    for (const r of results) {
      const c = byRule.get(r.ruleId) ?? zero();
      bump(c, r.status);
      if (r.status === 'fail' && exceptions.acceptedBy(r.ruleId, r.resourceId, now)) c.accepted++;
      byRule.set(r.ruleId, c);
    }
  }
  const criteria = framework.criteria.map((cr): CriterionPosture => {
    const total = zero();
    const rules = cr.rules.map((m) => {
      const c = byRule.get(m.id) ?? zero();
      total.pass += c.pass;
      total.fail += c.fail;
      total.error += c.error;
      total.notApplicable += c.notApplicable;
      total.accepted += c.accepted;
      return { id: m.id, ...c };
    });
    const evaluated = rules.filter((r) => r.pass + r.fail + r.error + r.notApplicable > 0).length;
    const coverage = rules.length === 0 ? 'manual' : evaluated === 0 ? 'no_data' : evaluated === rules.length ? 'automated' : 'partial';
    return { id: cr.id, title: cr.title, ...total, coverage, ...(cr.manual ? { manual: cr.manual } : {}), rules };
  });
  runs.sort(unhealthyFirst);
  return { framework: framework.id, runs, criteria };
}
