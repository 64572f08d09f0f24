// Access review operations: start (freeze a population), decide (one account, by an assigned reviewer), close (sign-off).
// Each validates everything before it writes, so bad input leaves the ledger as it was.
import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { Ledger } from '../ledger/ledger.js';
import { canonicalBytes } from '../ledger/canonical.js';
import { DECISIONS, loadReviews, type Decision, type Population, type ReviewState } from './book.js';

/**
 * API token roles allowed to record review decisions, besides being an assigned reviewer of the account. The `approver`
 * role (two-step exceptions) joins here in one line; its route's role in src/api/routes.ts follows it.
 */
export const REVIEW_DECIDER_ROLES: readonly string[] = ['approver', 'admin'];

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function newReviewId(): string {
  return `rev_${randomBytes(6).toString('hex')}`;
}

/** Records a frozen population: its blob, then the `review.started` leaf that names it by hash. */
export async function startReview(ledger: Ledger, pop: Population, o: { assign: 'manager' | 'given'; reviewers: string[]; by: Principal }): Promise<{ seq: number; populationSha256: string }> {
  if (!pop.name.trim()) throw new UsageError('REVIEW_INVALID', 'vigil review start: --name is required');
  const book = await loadReviews(ledger);
  if (book.all.has(pop.reviewId)) throw new UsageError('REVIEW_EXISTS', `review ${pop.reviewId} already exists`);
  const blob = await ledger.putBlob(canonicalBytes(pop), 'application/json');
  const bySource: Record<string, number> = {};
  for (const a of pop.accounts) bySource[a.source] = (bySource[a.source] ?? 0) + 1;
  const [out] = await ledger.append([{
    type: 'review.started',
    idempotencyKey: `review.started:${pop.reviewId}`,
    data: {
      review: {
        id: pop.reviewId, name: pop.name, sources: pop.sources, assign: o.assign, reviewers: o.reviewers, startedBy: principalData(o.by),
        populationSha256: blob.sha256, accounts: pop.accounts.length, bySource, runs: pop.runs,
      },
    },
  }]);
  return { seq: out!.seq, populationSha256: blob.sha256 };
}

function principalData(p: Principal): Principal {
  return p.kind === 'local' ? { kind: 'local', name: p.name } : { kind: p.kind, name: p.name, role: p.role };
}

export async function openReview(ledger: Ledger, id: string): Promise<ReviewState> {
  const r = (await loadReviews(ledger)).all.get(id);
  if (!r) throw new UsageError('REVIEW_NOT_FOUND', `no review with id ${JSON.stringify(id)} (see \`vigil review list\`)`);
  return r;
}

export async function readPopulation(ledger: Ledger, r: ReviewState): Promise<Population> {
  const blob = await ledger.getBlob(r.populationSha256);
  if (!blob) throw new Error(`review ${r.id}: population blob ${r.populationSha256} is not in the ledger`);
  return JSON.parse(blob.toString('utf8')) as Population;
}

export interface DecideInput {
  reviewId: string;
  account: string;
  decision: string;
  reason: string;
}

/**
 * Records one decision. Refused (UsageError, nothing written): an unknown review or account, a closed review, a decision
 * other than keep|revoke|modify, no reason, a token whose role may not decide, a principal not assigned to the account,
 * or a reviewer deciding on their own account. Codes `REVIEW_FORBIDDEN` and `REVIEW_NOT_REVIEWER` are the API's 403.
 */
export async function decide(ledger: Ledger, input: DecideInput, by: Principal): Promise<{ seq: number; decision: Decision }> {
  for (const f of ['reviewId', 'account', 'decision', 'reason'] as const) {
    if (typeof input[f] !== 'string' || input[f].trim() === '') throw new UsageError('REVIEW_INVALID', `${f} is required`);
  }
  if (!(DECISIONS as readonly string[]).includes(input.decision)) throw new UsageError('REVIEW_INVALID', `decision must be one of ${DECISIONS.join(', ')}, got ${JSON.stringify(input.decision)}`);
  const r = await openReview(ledger, input.reviewId);
  if (r.status !== 'open') throw new UsageError('REVIEW_CLOSED', `review ${r.id} is closed (${r.closed?.completedAt ?? ''}); decisions are final`);
  const pop = await readPopulation(ledger, r);
  const account = pop.accounts.find((a) => a.id === input.account);
  if (!account) throw new UsageError('REVIEW_UNKNOWN_ACCOUNT', `review ${r.id} has no account ${JSON.stringify(input.account)} (see \`vigil review status --review ${r.id} --accounts\`)`);
  if (by.kind !== 'local' && !REVIEW_DECIDER_ROLES.includes(by.role)) {
    throw new UsageError('REVIEW_FORBIDDEN', `token "${by.name}" has role ${by.role}; review decisions need one of: ${REVIEW_DECIDER_ROLES.join(', ')}`);
  }
  if (!account.reviewers.some((x) => same(x, by.name))) {
    throw new UsageError('REVIEW_NOT_REVIEWER', `${by.name} is not a reviewer of ${account.id} in review ${r.id} (its reviewers: ${account.reviewers.join(', ')})`);
  }
  if (account.person && same(account.person, by.name)) throw new UsageError('REVIEW_NOT_REVIEWER', `${by.name} may not review their own account ${account.id}`);
  const [out] = await ledger.append([{ type: 'review.decided', data: { reviewId: r.id, account: account.id, decision: input.decision as Decision, reason: input.reason, by: principalData(by) } }]);
  return { seq: out!.seq, decision: input.decision as Decision };
}

/**
 * Signs a review off: the final decisions as a blob, then `review.closed`. Refused while accounts are undecided unless
 * `force` with a reason; the undecided accounts are then listed in the leaf.
 */
export async function closeReview(ledger: Ledger, id: string, by: Principal, o: { force?: boolean; reason?: string; now: Date }): Promise<{ seq: number; undecided: string[]; decisionsSha256: string }> {
  const r = await openReview(ledger, id);
  if (r.status !== 'open') throw new UsageError('REVIEW_CLOSED', `review ${r.id} is already closed`);
  if (o.force && !o.reason?.trim()) throw new UsageError('REVIEW_INVALID', 'close --force needs --reason (why undecided accounts are accepted)');
  const pop = await readPopulation(ledger, r);
  const undecided = pop.accounts.filter((a) => !r.decisions.has(a.id)).map((a) => a.id);
  if (undecided.length > 0 && !o.force) {
    throw new UsageError('REVIEW_UNDECIDED', `review ${r.id} has ${undecided.length} undecided account(s): ${undecided.slice(0, 5).join(', ')}${undecided.length > 5 ? ', …' : ''}; decide them, or close with --force --reason`);
  }
  const decisions = [...r.decisions.values()].sort((a, b) => a.seq - b.seq);
  const blob = await ledger.putBlob(canonicalBytes({ reviewId: r.id, populationSha256: r.populationSha256, decisions, undecided }), 'application/json');
  const counts = { accounts: pop.accounts.length, keep: 0, revoke: 0, modify: 0, undecided: undecided.length };
  for (const d of decisions) counts[d.decision]++;
  const signers = new Map<string, Principal>();
  for (const d of decisions) signers.set(`${d.by.kind}:${d.by.name}`, d.by);
  const [out] = await ledger.append([{
    type: 'review.closed',
    idempotencyKey: `review.closed:${r.id}`,
    data: {
      reviewId: r.id, name: r.name, populationSha256: r.populationSha256, decisionsSha256: blob.sha256, startedAt: r.startedAt, completedAt: o.now.toISOString(),
      counts, forced: undecided.length > 0, ...(undecided.length > 0 ? { forceReason: o.reason! } : {}), undecided,
      signedOff: [...signers.values()].map(principalData), closedBy: principalData(by),
    },
  }]);
  return { seq: out!.seq, undecided, decisionsSha256: blob.sha256 };
}
