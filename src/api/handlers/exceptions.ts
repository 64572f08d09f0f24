// Exception routes: list every exception with its state; admins grant (approver ≠ requester, expiry required) and revoke.
import { grantException, loadExceptions, revokeException, validateGrant } from '../../exceptions/exceptions.js';
import type { HandlerDeps, Handlers } from '../options.js';

export function exceptionHandlers(deps: HandlerDeps): Handlers {
  const { ledger, clock, logger } = deps.opts;
  return {
    'GET /v1/exceptions': async () => ({ exceptions: [...(await loadExceptions(ledger)).all.values()] }),
    'POST /v1/exceptions': async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const g = validateGrant(
        { ruleId: b.ruleId!, resourceId: b.resourceId!, reason: b.reason!, requester: b.requester!, approver: b.approver!, expires: b.expires!, origin: `api:${req.principal!.name}`, ...(b.id ? { id: b.id } : {}) },
        clock.now(),
        'request body',
        new Set(deps.opts.rules.map((r) => r.id)),
      );
      const { seq } = await grantException(ledger, g);
      logger.info({ exception: g.id, rule: g.ruleId, resource: g.resourceId, by: req.principal!.name, seq }, 'exception granted');
      return reply.code(201).send({ exception: g, seq });
    },
    'POST /v1/exceptions/:id/revoke': async (req) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const id = (req.params as { id: string }).id;
      const { seq } = await revokeException(ledger, id, b.by ?? req.principal!.name, b.reason ?? '');
      return { revoked: id, seq };
    },
  };
}
