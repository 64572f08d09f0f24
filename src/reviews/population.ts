// Freezes an access review's population from the latest runs in the ledger: every account of the chosen sources with
// its privileges and last activity, the person it belongs to with their HR status, and who reviews it.
import { UsageError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { snapshotFromResources } from '../pipeline/collect-stage.js';
import { PEOPLE_INPUTS, type RunRef } from '../pipeline/people.js';
import { DEFAULT_MAX_INPUT_AGE_HOURS } from '../rules/engine.js';
import { joinPeople, type PeopleMapping } from '../../rules/identity/people.js';
import { accountsOf } from '../../rules/identity/accounts.js';
import type { Population, PopulationAccount } from './book.js';

/** Sources whose accounts a review may cover (every person-view source but the HR roster, which holds no accounts). */
export const REVIEWABLE_SOURCES: readonly string[] = Object.keys(PEOPLE_INPUTS).filter((s) => s !== 'hris');

/** Parses `aws,github,okta`: each must be a reviewable source; duplicates and blanks are refused. */
export function parseSources(list: string): string[] {
  const out = list.split(',').map((s) => s.trim());
  if (out.length === 0 || out.some((s) => s === '')) throw new UsageError('REVIEW_INVALID', `--sources: expected a comma-separated list of ${REVIEWABLE_SOURCES.join(', ')}, got ${JSON.stringify(list)}`);
  for (const s of out) if (!REVIEWABLE_SOURCES.includes(s)) throw new UsageError('REVIEW_UNKNOWN_SOURCE', `--sources: unknown source "${s}" (reviewable: ${REVIEWABLE_SOURCES.join(', ')})`);
  if (new Set(out).size !== out.length) throw new UsageError('REVIEW_INVALID', `--sources: ${list} names a source twice`);
  return out;
}

/** The latest run per source|scope that read the source's accounts completely, for these sources (plus the HR roster). */
async function latestRuns(ledger: Ledger, sources: readonly string[]): Promise<{ usable: Map<string, RunRef>; notes: string[] }> {
  const usable = new Map<string, RunRef>();
  const broken = new Map<string, RunRef>();
  const wanted = new Set([...sources, 'hris']);
  for await (const leaf of ledger.leaves({ types: ['run', 'scope.retired', 'scope.reinstated'] })) {
    const b = JSON.parse(leaf.body.toString('utf8')) as RunRef & { type: string };
    if (!wanted.has(b.source)) continue;
    const key = `${b.source}|${b.scope}`;
    if (b.type === 'scope.retired') {
      usable.delete(key);
      broken.delete(key);
      continue;
    }
    if (b.type !== 'run') continue;
    const input = PEOPLE_INPUTS[b.source]!;
    if (b.resourcesSha256 && !b.errors.some((e) => e.inputs.includes(input))) {
      usable.set(key, b);
      broken.delete(key);
    } else broken.set(key, b);
  }
  const notes = [...broken.values()].map((b) => `${b.source} ${b.scope}: the run of ${b.endedAt} could not read ${PEOPLE_INPUTS[b.source]}; ${usable.has(`${b.source}|${b.scope}`) ? `froze the run of ${usable.get(`${b.source}|${b.scope}`)!.endedAt}` : 'no complete run to freeze'}`);
  return { usable, notes };
}

export interface BuildOptions {
  reviewId: string;
  name: string;
  sources: string[];
  /** `manager`: each person's HR manager reviews their accounts, `reviewers` the rest; `given`: `reviewers` review all. */
  assign: 'manager' | 'given';
  reviewers: string[];
  mapping?: PeopleMapping;
  now: Date;
}

/**
 * Builds the population. Refused (UsageError) when a source has no complete run to freeze, or an account would have no
 * reviewer (no HR manager and no `--reviewer`).
 */
export async function buildPopulation(ledger: Ledger, o: BuildOptions): Promise<Population> {
  const { usable, notes } = await latestRuns(ledger, o.sources);
  for (const s of o.sources) {
    if (![...usable.values()].some((r) => r.source === s)) throw new UsageError('REVIEW_NO_RUN', `--sources: ${s} has no complete run in the ledger to freeze (run \`vigil collect --source ${s}\` first)`);
  }
  const runs = [...usable.values()].sort((a, b) => `${a.source}|${a.scope}`.localeCompare(`${b.source}|${b.scope}`));
  // A review of a stale read is still a review, but the population says how old each frozen read was.
  for (const r of runs) {
    const ageH = (o.now.getTime() - Date.parse(r.endedAt)) / 3_600_000;
    if (ageH > DEFAULT_MAX_INPUT_AGE_HOURS) notes.push(`${r.source} ${r.scope}: the frozen run of ${r.endedAt} is ${ageH.toFixed(1)} h old (rules treat reads older than ${DEFAULT_MAX_INPUT_AGE_HOURS} h as too old to judge by)`);
  }
  const snapshots = [];
  for (const run of runs) {
    const blob = await ledger.getBlob(run.resourcesSha256!);
    if (!blob) throw new Error(`${run.source} ${run.scope}: resources blob ${run.resourcesSha256} of the run of ${run.endedAt} is not in the ledger`);
    snapshots.push(snapshotFromResources(blob, { ...run, errors: [] }));
  }
  const view = joinPeople(snapshots, o.mapping);
  const owner = new Map<string, (typeof view.people)[number]>();
  for (const p of view.people) {
    for (const a of p.idp) owner.set(`${a.source}:${a.scope}/${a.login}`, p);
    for (const g of p.github) owner.set(`github:${g.org}/${g.login}`, p);
    for (const a of p.aws) owner.set(`aws:${a.account}/${a.userName}`, p);
  }
  // The roster names a manager by email, employee id or name: resolved to their work email when the roster lists them.
  const staff = new Map<string, string>();
  for (const p of view.people) if (p.hr) for (const k of [p.hr.employeeId, p.hr.name, p.hr.workEmail]) staff.set(k.toLowerCase(), p.hr.workEmail);
  const managerOf = (m: string) => staff.get(m.toLowerCase()) ?? m;
  const accounts: PopulationAccount[] = [];
  const orphans: string[] = [];
  for (const a of accountsOf(snapshots.filter((s) => s.source !== 'hris'))) {
    const p = owner.get(a.id);
    const hr = p?.hr ? { employeeId: p.hr.employeeId, status: p.hr.status, manager: p.hr.manager, department: p.hr.department } : null;
    const m = o.assign === 'manager' && hr?.manager ? managerOf(hr.manager) : null;
    const manager = m && !(p && m.toLowerCase() === p.email) ? [m] : [];
    const reviewers = manager.length ? manager : o.reviewers.filter((r) => !(p && r.toLowerCase() === p.email));
    if (reviewers.length === 0) orphans.push(a.id);
    accounts.push({ ...a, person: p?.email ?? null, hr, reviewers });
  }
  if (orphans.length > 0) {
    throw new UsageError('REVIEW_NO_REVIEWER', `${orphans.length} account(s) would have no reviewer (no HR manager${o.reviewers.length ? ' and only their own person among --reviewer' : ' and no --reviewer given'}): ${orphans.slice(0, 5).join(', ')}${orphans.length > 5 ? ', …' : ''}`);
  }
  return {
    reviewId: o.reviewId, name: o.name, frozenAt: o.now.toISOString(), sources: o.sources,
    runs: runs.map((r) => ({ source: r.source, scope: r.scope, endedAt: r.endedAt, resourcesSha256: r.resourcesSha256! })),
    notes, accounts,
  };
}
