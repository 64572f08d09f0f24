// `vigil exceptions add | list | revoke`: risk acceptance recorded as ledger leaves, with approver, requester and expiry.
import { activeRules, openLedger, type AgentContext } from '../agent.js';
import { CROSS_SOURCE_RULES } from '../../rules/index.js';
import { grantException, loadExceptions, revokeException, validateGrant } from '../exceptions/exceptions.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';

export async function exceptionsAddCommand(
  ctx: AgentContext,
  o: { rule: string; resource: string; reason: string; approver: string; requester: string; expires: string; id?: string; json?: boolean },
): Promise<number> {
  const g = validateGrant(
    { ruleId: o.rule, resourceId: o.resource, reason: o.reason, approver: o.approver, requester: o.requester, expires: o.expires, origin: 'cli', ...(o.id ? { id: o.id } : {}) },
    ctx.clock.now(),
    'vigil exceptions add',
    new Set([...activeRules(ctx.loaded), ...CROSS_SOURCE_RULES].map((r) => r.id)),
  );
  const ledger = await openLedger(ctx, { role: 'exceptions' });
  try {
    const { seq } = await grantException(ledger, g);
    process.stdout.write(o.json ? `${JSON.stringify({ exception: g, seq })}\n` : `granted ${g.id}: ${g.ruleId} on ${g.resourceId} until ${g.expiresAt} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function exceptionsListCommand(ctx: AgentContext, o: { json?: boolean; all?: boolean }): Promise<number> {
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const book = await loadExceptions(ledger);
    const now = ctx.clock.now().getTime();
    const list = [...book.all.values()].filter((e) => o.all || e.status === 'active');
    if (o.json) process.stdout.write(`${JSON.stringify({ exceptions: list }, null, 2)}\n`);
    else if (list.length === 0) process.stdout.write(o.all ? 'No exceptions recorded.\n' : 'No active exceptions.\n');
    else
      for (const e of list) {
        const due = e.status === 'active' && Date.parse(e.expiresAt) <= now ? ' (expiry reached, expiring at next tick)' : '';
        process.stdout.write(`${e.id}  ${e.status}${due}  ${e.ruleId}  ${e.resourceId}  until ${e.expiresAt}  requested by ${e.requester}, approved by ${e.approver}: ${e.reason}\n`);
      }
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function exceptionsRevokeCommand(ctx: AgentContext, id: string, o: { by: string; reason: string }): Promise<number> {
  // Nothing to revoke in a ledger that does not exist: say so rather than create one (and its key) to find that out.
  const file = join(ctx.dataDir, 'ledger.sqlite');
  if (!process.env.DATABASE_URL && !existsSync(file)) throw new UsageError('EXCEPTION_NOT_FOUND', `no exception with id ${id}: no ledger at ${file}`, { remediation: 'check --data-dir' });
  const ledger = await openLedger(ctx, { role: 'exceptions' });
  try {
    const { seq } = await revokeException(ledger, id, o.by, o.reason);
    process.stdout.write(`revoked ${id} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}
