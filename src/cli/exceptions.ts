// `vigil exceptions request | approve | reject | list | revoke`: risk acceptance as ledger leaves. A request is recorded
// by the principal running the CLI (the OS account, or an API token given with --token-file); approval needs an API
// token of role approver or admin, of a principal other than the requester.
import type { AgentContext } from '../agent-context.js';
import { openLedger } from '../ledger/open-ledger.js';
import { approveException, loadExceptions, rejectException, requestException, revokeException, validateRequest, type ExceptionState } from '../exceptions/exceptions.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { describePrincipal, localPrincipal, type Principal } from '../core/principal.js';
import { authenticate } from '../api/auth.js';

/**
 * The principal behind an API token read from a file (the token itself never on the command line), authenticated
 * against this config's api.tokens; without a file, the OS account running the CLI.
 */
export function cliPrincipal(ctx: AgentContext, tokenFile: string | undefined): Principal {
  if (tokenFile === undefined) return localPrincipal();
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (e) {
    throw new UsageError('TOKEN_FILE', `--token-file ${tokenFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!token || /\s/.test(token)) throw new UsageError('TOKEN_FILE', `--token-file ${tokenFile}: expected one API token on one line`);
  const tokens = ctx.loaded.config.api?.tokens ?? [];
  if (tokens.length === 0) throw new UsageError('TOKEN_FILE', `--token-file ${tokenFile}: the config has no api.tokens to check it against`, { remediation: 'add the token\'s SHA-256 to api.tokens (vigil api hash-token)' });
  const who = authenticate(`Bearer ${token}`, tokens);
  if (!who) throw new UsageError('TOKEN_FILE', `--token-file ${tokenFile}: not one of the config's api.tokens`);
  return { kind: 'token', name: who.name, role: who.role };
}

/** `vigil exceptions add` is gone: a grant with typed names let anyone write any approver. */
export function exceptionsAddRemoved(): never {
  throw new UsageError(
    'EXCEPTIONS_ADD_REMOVED',
    'vigil exceptions add was replaced by a two-step flow that records who asked and who approved: `vigil exceptions request --rule R --resource X --reason … --expires …`, then a different person runs `vigil exceptions approve ID --token-file F` with an approver or admin API token (or POST /v1/exceptions/ID/approve)',
  );
}

export async function exceptionsRequestCommand(
  ctx: AgentContext,
  o: { rule: string; resource: string; reason: string; expires: string; id?: string; force?: boolean; tokenFile?: string; json?: boolean },
): Promise<number> {
  const by = cliPrincipal(ctx, o.tokenFile);
  const input = { ruleId: o.rule, resourceId: o.resource, reason: o.reason, expires: o.expires, origin: 'cli', requestedBy: by, ...(o.id ? { id: o.id } : {}) };
  let r = validateRequest(input, ctx.clock.now(), 'vigil exceptions request', await knownRuleIds(ctx));
  const ledger = await openLedger(ctx, { role: 'exceptions' });
  try {
    const { checkFinding } = await import('../exceptions/finding-check.js');
    const warning = await checkFinding(ledger, r.ruleId, r.resourceId, o.force === true, '--force');
    // `forced` is recorded only when it was needed.
    if (warning) {
      process.stderr.write(`${warning}\n`);
      r = { ...r, forced: true };
    }
    const { seq } = await requestException(ledger, r);
    if (o.json) process.stdout.write(`${JSON.stringify({ exception: r, seq, status: 'pending' })}\n`);
    else
      process.stdout.write(
        `requested ${r.id} by ${describePrincipal(by)}: ${r.ruleId} on ${r.resourceId} until ${r.expiresAt} (leaf #${seq})\n` +
          `not in effect until approved by someone else: vigil exceptions approve ${r.id} --token-file <approver token file>, or POST /v1/exceptions/${r.id}/approve\n`,
      );
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function exceptionsApproveCommand(ctx: AgentContext, id: string, o: { tokenFile?: string; json?: boolean }): Promise<number> {
  const by = cliPrincipal(ctx, o.tokenFile);
  const ledger = await openExisting(ctx, id);
  try {
    const { seq, exception } = await approveException(ledger, id, by, ctx.clock.now());
    process.stdout.write(o.json ? `${JSON.stringify({ exception, seq })}\n` : `approved ${id} by ${describePrincipal(by)}: ${exception.ruleId} on ${exception.resourceId} accepted until ${exception.expiresAt} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function exceptionsRejectCommand(ctx: AgentContext, id: string, o: { reason: string; tokenFile?: string }): Promise<number> {
  const by = cliPrincipal(ctx, o.tokenFile);
  const ledger = await openExisting(ctx, id);
  try {
    const { seq } = await rejectException(ledger, id, by, o.reason);
    process.stdout.write(`rejected ${id} by ${describePrincipal(by)} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

const describe = (e: ExceptionState, now: number): string => {
  const passed = Date.parse(e.expiresAt) <= now;
  const due = e.status === 'active' && passed ? ' (expiry reached, expiring at next tick)' : e.status === 'pending' && passed ? ' (expiry passed before approval: can no longer be approved)' : '';
  const who = e.status === 'pending' || (e.status === 'rejected' && !e.approver) ? `requested by ${e.requester}, awaiting approval` : `requested by ${e.requester}, approved by ${e.approver}`;
  const ended = e.status === 'rejected' ? `; rejected by ${e.endedBy}: ${e.endReason}` : '';
  return `${e.id}  ${e.status}${due}  ${e.ruleId}  ${e.resourceId}  until ${e.expiresAt}  ${who}${e.forced ? ' (forced: no failing result when requested)' : ''}: ${e.reason}${ended}\n`;
};

export async function exceptionsListCommand(ctx: AgentContext, o: { json?: boolean; all?: boolean }): Promise<number> {
  const ledger = await openLedger(ctx, { readOnly: true });
  try {
    const book = await loadExceptions(ledger);
    const now = ctx.clock.now().getTime();
    const list = [...book.all.values()].filter((e) => o.all || e.status === 'active' || e.status === 'pending');
    if (o.json) process.stdout.write(`${JSON.stringify({ exceptions: list }, null, 2)}\n`);
    else if (list.length === 0) process.stdout.write(o.all ? 'No exceptions recorded.\n' : 'No active or pending exceptions.\n');
    else for (const e of list) process.stdout.write(describe(e, now));
  } finally {
    await ledger.close();
  }
  return 0;
}

export async function exceptionsRevokeCommand(ctx: AgentContext, id: string, o: { reason: string; tokenFile?: string; by?: string }): Promise<number> {
  if (o.by !== undefined) throw new UsageError('EXCEPTION_INVALID', `--by is no longer accepted: a revocation records the principal making it (the OS account running vigil, or the API token in --token-file), not a typed name`);
  const by = cliPrincipal(ctx, o.tokenFile);
  const ledger = await openExisting(ctx, id);
  try {
    const { seq } = await revokeException(ledger, id, by, o.reason);
    process.stdout.write(`revoked ${id} by ${describePrincipal(by)} (leaf #${seq})\n`);
  } finally {
    await ledger.close();
  }
  return 0;
}

/** Nothing to approve, reject or revoke in a ledger that does not exist: say so rather than create one (and its key) to find that out. */
async function openExisting(ctx: AgentContext, id: string) {
  const file = join(ctx.dataDir, 'ledger.sqlite');
  if (!process.env.DATABASE_URL && !existsSync(file)) throw new UsageError('EXCEPTION_NOT_FOUND', `no exception with id ${id}: no ledger at ${file}`, { remediation: 'check --data-dir' });
  return openLedger(ctx, { role: 'exceptions' });
}

/** Rule ids a request may name; the rule catalogue (and the composition root) load only for the commands that write. */
async function knownRuleIds(ctx: AgentContext): Promise<Set<string>> {
  const { activeRules } = await import('../agent.js');
  const { CROSS_SOURCE_RULES } = await import('../../rules/index.js');
  return new Set([...activeRules(ctx.loaded), ...CROSS_SOURCE_RULES].map((r) => r.id));
}
