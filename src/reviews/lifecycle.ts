// Starting and closing an access review on a request from either front end (`vigil review start|close`, or the API the
// dashboard calls), for whichever principal makes it: the checks both share (UsageError, nothing written), the population
// frozen, and on close the decisions file recorded as evidence of the framework's access-review requirement.
import { UsageError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Framework } from '../rules/frameworks.js';
import type { PeopleMapping } from '../../rules/identity/people.js';
import { prepareEvidence, recordEvidence } from '../evidence/evidence.js';
import { closeReview, newReviewId, startReview } from './reviews.js';
import type { Population } from './book.js';

/** How a field is named to the one who gave it: `--name` on the command line, `name` in a request body. */
export type FieldName = (field: string) => string;

export interface StartRequest {
  name: string;
  /** Comma-separated reviewable sources. */
  sources: string;
  assign?: string;
  reviewers?: string[];
  id?: string;
}

/** Freezes the population and records `review.started`; refused (nothing written) on any bad field. */
export async function startFromRequest(ledger: Ledger, q: StartRequest, by: Principal, o: { now: Date; mapping?: PeopleMapping; field: FieldName }): Promise<{ id: string; seq: number; populationSha256: string; pop: Population }> {
  // Loaded here, not at import: it reads the identity rules, which light CLI commands must not load.
  const { buildPopulation, parseSources } = await import('./population.js');
  if (!q.name.trim()) throw new UsageError('REVIEW_INVALID', `${o.field('name')} must not be empty`);
  const sources = parseSources(q.sources);
  const assign = q.assign ?? 'manager';
  if (assign !== 'manager' && assign !== 'given') throw new UsageError('REVIEW_INVALID', `${o.field('assign')}: expected manager or given, got ${JSON.stringify(assign)}`);
  const reviewers = (q.reviewers ?? []).map((r) => r.trim());
  if (reviewers.some((r) => r === '')) throw new UsageError('REVIEW_INVALID', `${o.field('reviewer')}: a name must not be empty`);
  if (assign === 'given' && reviewers.length === 0) throw new UsageError('REVIEW_INVALID', `${o.field('assign')} given needs at least one ${o.field('reviewer')}`);
  const id = q.id ?? newReviewId();
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new UsageError('REVIEW_INVALID', `${o.field('id')} must be 1-64 letters, digits, '.', '_' or '-'`);
  const pop = await buildPopulation(ledger, { reviewId: id, name: q.name, sources, assign, reviewers, now: o.now, ...(o.mapping ? { mapping: o.mapping } : {}) });
  const r = await startReview(ledger, pop, { assign, reviewers, by });
  return { id, ...r, pop };
}

/**
 * The evidence requirements a closed review evidences: the given CRITERION/REQUIREMENT list, `none`, or by default every
 * requirement with id `access-review` in the framework.
 */
export function reviewEvidenceTargets(fw: Framework, given: string[] | undefined, field: FieldName): Array<{ criterion: string; requirement: string }> {
  if (given?.length === 1 && given[0] === 'none') return [];
  if (given === undefined || given.length === 0) return fw.criteria.flatMap((c) => c.manual.filter((q) => q.id === 'access-review').map((q) => ({ criterion: c.id, requirement: q.id })));
  return given.map((g) => {
    const [criterion, requirement] = g.split('/');
    if (!criterion || !requirement) throw new UsageError('REVIEW_INVALID', `${field('evidence')} ${JSON.stringify(g)}: expected CRITERION/REQUIREMENT (e.g. CC6.3/access-review) or none`);
    return { criterion, requirement };
  });
}

export interface CloseRequest {
  review: string;
  force?: boolean;
  reason?: string;
  /** CRITERION/REQUIREMENT ids, or ['none']. @defaultValue the framework's access-review requirements */
  evidence?: string[];
}

/**
 * Signs a review off (refused while accounts are undecided unless forced with a reason) and records its decisions file
 * as evidence of each target requirement, uploaded by the closing principal. The evidence is checked before anything is
 * written, so a bad target refuses the close too.
 */
export async function closeFromRequest(ledger: Ledger, q: CloseRequest, by: Principal, o: { now: Date; fw: Framework; owners: Readonly<Record<string, string>>; field: FieldName; where: string }) {
  if (q.reason !== undefined && !q.force) throw new UsageError('REVIEW_INVALID', `${o.field('reason')} is for ${o.field('force')} (why undecided accounts are accepted)`);
  const targets = reviewEvidenceTargets(o.fw, q.evidence, o.field);
  const prepared = (data: Buffer, title: string) =>
    targets.map((t) => prepareEvidence(o.fw, { criterion: t.criterion, requirement: t.requirement, title, fileName: `review-${q.review}-decisions.json`, data, mediaType: 'application/json' }, o.now, by, o.owners, o.where));
  // Checked now, with a stand-in for the file (the decisions blob exists only once the review is closed).
  prepared(Buffer.from('{}'), 'check');
  const r = await closeReview(ledger, q.review, by, { ...(q.force ? { force: true } : {}), ...(q.reason !== undefined ? { reason: q.reason } : {}), now: o.now });
  const bytes = await ledger.getBlob(r.decisionsSha256);
  if (bytes === undefined) throw new Error(`decisions blob ${r.decisionsSha256} of review ${q.review} is not in the ledger`);
  const evidence = [];
  for (const ev of prepared(bytes, `Access review ${q.review} closed${r.undecided.length ? ` (${r.undecided.length} undecided, forced)` : ''}`)) {
    const x = await recordEvidence(ledger, bytes, ev);
    evidence.push({ id: x.evidence.id, criterion: x.evidence.criterion, requirement: x.evidence.requirement, seq: x.seq });
  }
  return { ...r, evidence, targets };
}
