// Exception routes: list every exception with its state; an approver or admin token requests one (recorded as that
// token's principal), a different approver or admin token approves it, and either rejects or revokes.
import type { FastifyRequest } from 'fastify';
import { approveException, loadExceptions, rejectException, requestException, revokeException, validateRequest } from '../../exceptions/exceptions.js';
import { checkFinding } from '../../exceptions/finding-check.js';
import { isAppError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { ApiError } from '../errors.js';
import type { HandlerDeps, Handlers } from '../options.js';

/** Fields a client may no longer send: who asked and who approved are the tokens, never typed names. */
const TYPED_NAMES = ['requester', 'approver', 'by'] as const;

function body(req: FastifyRequest): Record<string, unknown> {
  const b = (req.body ?? {}) as Record<string, unknown>;
  const typed = TYPED_NAMES.filter((f) => f in b);
  if (typed.length) {
    throw new ApiError('bad_request', `request body: ${typed.join(', ')} may not be given: the principal is the token making the request (approval is POST /v1/exceptions/:id/approve by a different approver or admin token)`);
  }
  return b;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const principalOf = (req: FastifyRequest): Principal => ({ kind: 'token', name: req.principal!.name, role: req.principal!.role });

/** Separation of duties refused is the caller's 403, not a bad body. */
async function sod<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (isAppError(e) && e.code === 'EXCEPTION_SOD') throw new ApiError('forbidden', e.message);
    throw e;
  }
}

export function exceptionHandlers(deps: HandlerDeps): Handlers {
  const { ledger, clock, logger } = deps.opts;
  return {
    'GET /v1/exceptions': async () => ({ exceptions: [...(await loadExceptions(ledger)).all.values()] }),
    'POST /v1/exceptions': async (req, reply) => {
      const b = body(req);
      if (b.force !== undefined && typeof b.force !== 'boolean') throw new ApiError('bad_request', 'request body: force must be true or false');
      const input = { ruleId: str(b.ruleId), resourceId: str(b.resourceId), reason: str(b.reason), expires: str(b.expires), origin: `api:${req.principal!.name}`, requestedBy: principalOf(req), ...(b.id !== undefined ? { id: b.id as string } : {}) };
      const r = validateRequest(input, clock.now(), 'request body', new Set(deps.opts.rules.map((x) => x.id)));
      const warning = await checkFinding(ledger, r.ruleId, r.resourceId, b.force === true, '"force": true');
      const rec = warning ? { ...r, forced: true } : r;
      const { seq } = await requestException(ledger, rec);
      logger.info({ exception: r.id, rule: r.ruleId, resource: r.resourceId, by: req.principal!.name, seq, forced: Boolean(warning) }, 'exception requested');
      return reply.code(201).send({ exception: rec, seq, status: 'pending', ...(warning ? { warning } : {}) });
    },
    'POST /v1/exceptions/:id/approve': async (req) => {
      body(req);
      const id = (req.params as { id: string }).id;
      const { seq, exception } = await sod(() => approveException(ledger, id, principalOf(req), clock.now()));
      logger.info({ exception: id, by: req.principal!.name, seq }, 'exception approved');
      return { exception, seq };
    },
    'POST /v1/exceptions/:id/reject': async (req) => {
      const b = body(req);
      const id = (req.params as { id: string }).id;
      const { seq } = await rejectException(ledger, id, principalOf(req), str(b.reason));
      return { rejected: id, seq };
    },
    'POST /v1/exceptions/:id/revoke': async (req) => {
      const b = body(req);
      const id = (req.params as { id: string }).id;
      const { seq } = await revokeException(ledger, id, principalOf(req), str(b.reason));
      return { revoked: id, seq };
    },
  };
}
