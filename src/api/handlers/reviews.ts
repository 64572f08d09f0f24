// Access review routes: auditors read reviews and their frozen populations; a reviewer's token records decisions, bound
// to the token's name (never a name in the body).
import { isAppError } from '../../core/errors.js';
import { loadReviews, reviewJson } from '../../reviews/book.js';
import { decide, openReview, readPopulation } from '../../reviews/reviews.js';
import { ApiError } from '../errors.js';
import type { HandlerDeps, Handlers } from '../options.js';

export function reviewHandlers(deps: HandlerDeps): Handlers {
  const { ledger, logger } = deps.opts;
  const idOf = (req: { params: unknown }) => (req.params as { id: string }).id;
  return {
    'GET /v1/reviews': async () => ({ reviews: [...(await loadReviews(ledger)).all.values()].map(reviewJson) }),
    'GET /v1/reviews/:id': async (req) => {
      const r = await openReview(ledger, idOf(req));
      return { review: reviewJson(r), decisions: [...r.decisions.values()] };
    },
    'GET /v1/reviews/:id/population': async (req) => {
      const r = await openReview(ledger, idOf(req));
      const pop = await readPopulation(ledger, r);
      return { populationSha256: r.populationSha256, ...pop, accounts: pop.accounts.map((a) => ({ ...a, decision: r.decisions.get(a.id) ?? null })) };
    },
    'POST /v1/reviews/:id/decisions': async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
      const who = req.principal!;
      try {
        const { seq, decision } = await decide(ledger, { reviewId: idOf(req), account: str('account'), decision: str('decision'), reason: str('reason') }, { kind: 'token', name: who.name, role: who.role });
        logger.info({ review: idOf(req), account: str('account'), decision, by: who.name, seq }, 'review decision recorded');
        return reply.code(201).send({ reviewId: idOf(req), account: str('account'), decision, seq, by: { kind: 'token', name: who.name, role: who.role } });
      } catch (e) {
        // Not this reviewer's account, or a role that may not decide: the caller is known but not allowed.
        if (isAppError(e) && (e.code === 'REVIEW_FORBIDDEN' || e.code === 'REVIEW_NOT_REVIEWER')) throw new ApiError('forbidden', e.message);
        throw e;
      }
    },
  };
}
