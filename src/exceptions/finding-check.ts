// Whether an exception would accept anything: the latest results of every scope in scope, looked up for the rule and
// resource asked about. An exception on a resource that does not fail that rule needs --force (API: `force: true`).
import type { Ledger } from '../ledger/ledger.js';
import { latestRuns } from '../report/posture.js';
import { loadResults } from '../pipeline/record.js';
import { UsageError } from '../core/errors.js';

/** The latest statuses of `ruleId` on `resourceId` (any resource for `*`) across the latest run of each scope. */
export async function latestStatuses(ledger: Ledger, ruleId: string, resourceId: string): Promise<string[]> {
  const out: string[] = [];
  for (const { body } of (await latestRuns(ledger)).values()) {
    const results = await loadResults(ledger, String(body.resultsSha256));
    // A run whose results blob is missing cannot say whether the resource fails: it is not evidence either way.
    if (!results) continue;
    for (const r of results) if (r.ruleId === ruleId && (resourceId === '*' || r.resourceId === resourceId)) out.push(r.status);
  }
  return out;
}

/**
 * Refuses (exit 2 / HTTP 400) an exception on a resource with no failing latest result for the rule unless `force`;
 * returns the warning to show when forced, or undefined when there is a failure to accept.
 */
export async function checkFinding(ledger: Ledger, ruleId: string, resourceId: string, force: boolean, flag: string): Promise<string | undefined> {
  const statuses = await latestStatuses(ledger, ruleId, resourceId);
  if (statuses.includes('fail')) return undefined;
  const seen = statuses.length === 0 ? 'no result at all in the latest runs' : `latest result${statuses.length > 1 ? 's' : ''}: ${[...new Set(statuses)].join(', ')}`;
  const what = `${resourceId} has no failing result for ${ruleId} (${seen}), so the exception would accept nothing today`;
  if (!force) throw new UsageError('EXCEPTION_NO_FINDING', `${what}; pass ${flag} to request it anyway`);
  return `warning: ${what}; requested anyway (${flag})`;
}
