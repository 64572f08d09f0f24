// Access review routes: auditors read reviews and their frozen populations; a reviewer's token records decisions, bound
// to the token's name (never a name in the body).
import { isAppError } from '../../core/errors.js';
import { loadReviews, reviewJson } from '../../reviews/book.js';
import { decide, openReview, readPopulation } from '../../reviews/reviews.js';
import { closeFromRequest, startFromRequest } from '../../reviews/lifecycle.js';
import { ApiError } from '../errors.js';
import type { HandlerDeps, Handlers } from '../options.js';

export function reviewHandlers(deps: HandlerDeps): Handlers {
  const { ledger, logger } = deps.opts;
  const idOf = (req: { params: unknown }) => (req.params as { id: string }).id;
  const principal = (req: { principal?: { name: string; role: string } }) => ({ kind: 'token' as const, name: req.principal!.name, role: req.principal!.role });
  return {
    'POST /v1/reviews': async (req, reply) => {
      const b = bodyOf(req.body);
      const q = { name: text(b, 'name') ?? '', sources: text(b, 'sources') ?? '', ...opt('assign', text(b, 'assign')), ...opt('reviewers', list(b, 'reviewers')), ...opt('id', text(b, 'id')) };
      const by = principal(req);
      const r = await startFromRequest(ledger, q, by, { now: deps.opts.clock.now(), ...(deps.opts.peopleMapping ? { mapping: deps.opts.peopleMapping } : {}), field: (f) => (f === 'reviewer' ? 'reviewers' : f) });
      logger.info({ review: r.id, accounts: r.pop.accounts.length, by: by.name, seq: r.seq }, 'review started');
      return reply.code(201).send({ reviewId: r.id, seq: r.seq, populationSha256: r.populationSha256, accounts: r.pop.accounts.length, notes: r.pop.notes, by });
    },
    'POST /v1/reviews/:id/close': async (req, reply) => {
      const b = bodyOf(req.body);
      if (b.force !== undefined && typeof b.force !== 'boolean') throw new ApiError('bad_request', 'request body: force must be true or false');
      const q = { review: idOf(req), ...(b.force === true ? { force: true } : {}), ...opt('reason', text(b, 'reason')), ...opt('evidence', list(b, 'evidence')) };
      const by = principal(req);
      const r = await closeFromRequest(ledger, q, by, { now: deps.opts.clock.now(), fw: deps.opts.framework, owners: deps.opts.evidence?.owners ?? {}, field: (f) => f, where: 'request body: evidence' });
      logger.info({ review: q.review, undecided: r.undecided.length, by: by.name, seq: r.seq }, 'review closed');
      return reply.code(201).send({ reviewId: q.review, seq: r.seq, undecided: r.undecided, decisionsSha256: r.decisionsSha256, evidence: r.evidence, by });
    },
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

const bodyOf = (b: unknown): Record<string, unknown> => (b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {});
const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

/** A text field of the body, or undefined when absent; anything but text is a 400 naming it. */
function text(b: Record<string, unknown>, k: string): string | undefined {
  if (b[k] === undefined) return undefined;
  if (typeof b[k] !== 'string') throw new ApiError('bad_request', `request body: ${k} must be text`);
  return b[k] as string;
}

/** A list of text (or comma-separated text) field of the body, or undefined when absent. */
function list(b: Record<string, unknown>, k: string): string[] | undefined {
  const v = b[k];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new ApiError('bad_request', `request body: ${k} must be a list of text`);
}
