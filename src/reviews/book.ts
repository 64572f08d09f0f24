// Access reviews as ledger leaves (`review.started|decided|closed`): their current state is a fold over them.
import type { Ledger } from '../ledger/ledger.js';
import type { LeafOf } from '../ledger/leaf-catalogue.js';
import type { Principal } from '../core/principal.js';
import type { AccountRow } from '../../rules/identity/accounts.js';

export const REVIEW_LEAF_TYPES = ['review.started', 'review.decided', 'review.closed'] as const;
export type ReviewLeaf = LeafOf<(typeof REVIEW_LEAF_TYPES)[number]>;
export const DECISIONS = ['keep', 'revoke', 'modify'] as const;
export type Decision = (typeof DECISIONS)[number];

/** One account of a frozen population (the blob a `review.started` leaf names): the account as read, and who reviews it. */
export interface PopulationAccount extends AccountRow {
  /** The person it belongs to (lower-cased email), or null for an account matched to nobody. */
  person: string | null;
  /** The person's HR record, when an HR roster was joined and lists them. */
  hr: { employeeId: string; status: string; manager: string | null; department: string | null } | null;
  /** Who may decide on this account: principal names (token names, `user@host` for the CLI). */
  reviewers: string[];
}

export interface Population {
  reviewId: string;
  name: string;
  frozenAt: string;
  sources: string[];
  runs: Array<{ source: string; scope: string; endedAt: string; resourcesSha256: string }>;
  /** Why a scope's latest run was not the one frozen (it could not read the accounts), if any. */
  notes: string[];
  accounts: PopulationAccount[];
}

export interface DecisionRecord {
  account: string;
  decision: Decision;
  reason: string;
  by: Principal;
  decidedAt: string;
  seq: number;
}

export interface ReviewState {
  id: string;
  name: string;
  status: 'open' | 'closed';
  sources: string[];
  assign: 'manager' | 'given';
  reviewers: string[];
  startedBy: Principal;
  startedAt: string;
  startedSeq: number;
  populationSha256: string;
  accounts: number;
  bySource: Record<string, number>;
  /** Latest decision per account. */
  decisions: Map<string, DecisionRecord>;
  closed?: LeafOf<'review.closed'> & { seq: number };
}

/** Every review, folded from the ledger in start order. */
export class ReviewBook {
  readonly all = new Map<string, ReviewState>();
  nextSeq = 0;

  apply(seq: number, body: ReviewLeaf): void {
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
    if (body.type === 'review.started') {
      const r = body.review;
      if (this.all.has(r.id)) return;
      this.all.set(r.id, {
        id: r.id, name: r.name, status: 'open', sources: r.sources, assign: r.assign, reviewers: r.reviewers, startedBy: r.startedBy as Principal,
        startedAt: String(body.observedAt), startedSeq: seq, populationSha256: r.populationSha256, accounts: r.accounts, bySource: r.bySource, decisions: new Map(),
      });
    } else if (body.type === 'review.decided') {
      const r = this.all.get(body.reviewId);
      if (!r || r.status !== 'open') return;
      r.decisions.set(body.account, { account: body.account, decision: body.decision, reason: body.reason, by: body.by as Principal, decidedAt: String(body.observedAt), seq });
    } else if (body.type === 'review.closed') {
      const r = this.all.get(body.reviewId);
      if (!r || r.status !== 'open') return;
      r.status = 'closed';
      r.closed = { ...body, seq };
    }
  }

  async catchUp(ledger: Ledger): Promise<this> {
    for await (const l of ledger.readLeaves({ fromSeq: this.nextSeq, types: REVIEW_LEAF_TYPES })) this.apply(l.seq, l.body);
    return this;
  }

  /**
   * `revoke` decisions still standing: per account, the latest decision across all reviews (open or closed), when it is
   * `revoke`. A later `keep` or `modify` on the same account (in a later review) ends the tracking.
   */
  revocations(): Array<{ reviewId: string; account: string; decidedAt: string; decidedBy: string; reason: string; seq: number }> {
    const latest = new Map<string, { reviewId: string; d: DecisionRecord }>();
    for (const r of this.all.values()) {
      for (const d of r.decisions.values()) {
        const prev = latest.get(d.account);
        if (!prev || prev.d.seq < d.seq) latest.set(d.account, { reviewId: r.id, d });
      }
    }
    return [...latest.values()]
      .filter((x) => x.d.decision === 'revoke')
      .map(({ reviewId, d }) => ({ reviewId, account: d.account, decidedAt: d.decidedAt, decidedBy: d.by.name, reason: d.reason, seq: d.seq }))
      .sort((a, b) => a.seq - b.seq);
  }
}

export async function loadReviews(ledger: Ledger): Promise<ReviewBook> {
  return new ReviewBook().catchUp(ledger);
}

/** A review's state as JSON (decisions as a list). */
export function reviewJson(r: ReviewState): Record<string, unknown> {
  const counts = { keep: 0, revoke: 0, modify: 0 };
  for (const d of r.decisions.values()) counts[d.decision]++;
  const { decisions, closed, ...rest } = r;
  return { ...rest, decided: decisions.size, undecided: r.accounts - decisions.size, counts, ...(closed ? { closed } : {}) };
}
