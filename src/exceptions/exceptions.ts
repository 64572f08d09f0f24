// Risk acceptance: exceptions are ledger leaves (`exception.granted|revoked|expired`); their current set is a fold over them.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument, LineCounter } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';

export const EXCEPTION_LEAF_TYPES = ['exception.granted', 'exception.revoked', 'exception.expired'] as const;

export interface ExceptionGrant {
  id: string;
  ruleId: string;
  resourceId: string;
  reason: string;
  requester: string;
  approver: string;
  /** ISO 8601 instant after which the failure is no longer accepted. */
  expiresAt: string;
  /** Where it came from: `cli`, `api`, or the exceptions file path. */
  origin: string;
}

export interface ExceptionState extends ExceptionGrant {
  status: 'active' | 'revoked' | 'expired';
  grantedSeq: number;
  grantedAt: string;
  endedSeq?: number;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
}

const key = (ruleId: string, resourceId: string) => `${ruleId}\u0000${resourceId}`;

/** All exceptions ever granted, folded from the ledger, in grant order. */
export class ExceptionBook {
  readonly all = new Map<string, ExceptionState>();
  nextSeq = 0;

  /** Folds one ledger leaf body; ignores other types. */
  apply(seq: number, body: Record<string, unknown>): void {
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
    const type = body.type;
    if (type === 'exception.granted') {
      const g = body.exception as ExceptionGrant;
      if (!this.all.has(g.id)) this.all.set(g.id, { ...g, status: 'active', grantedSeq: seq, grantedAt: String(body.observedAt) });
    } else if (type === 'exception.revoked' || type === 'exception.expired') {
      const e = this.all.get(String(body.exceptionId));
      if (!e || e.status !== 'active') return;
      e.status = type === 'exception.revoked' ? 'revoked' : 'expired';
      e.endedSeq = seq;
      e.endedAt = String(body.observedAt);
      if (typeof body.by === 'string') e.endedBy = body.by;
      if (typeof body.reason === 'string') e.endReason = body.reason;
    }
  }

  /** Reads the exception leaves appended since the last call. */
  async catchUp(ledger: Ledger): Promise<this> {
    for await (const l of ledger.leaves({ fromSeq: this.nextSeq, types: [...EXCEPTION_LEAF_TYPES] })) {
      this.apply(l.seq, JSON.parse(l.body.toString('utf8')) as Record<string, unknown>);
    }
    return this;
  }

  active(): ExceptionState[] {
    return [...this.all.values()].filter((e) => e.status === 'active');
  }

  /** The active exception accepting a failure of this rule on this resource at `now` (expired-but-not-yet-recorded ones do not count). */
  acceptedBy(ruleId: string, resourceId: string, now: Date): ExceptionState | undefined {
    for (const e of this.all.values()) {
      if (e.status === 'active' && e.ruleId === ruleId && (e.resourceId === resourceId || e.resourceId === '*') && Date.parse(e.expiresAt) > now.getTime()) return e;
    }
    return undefined;
  }

  activeKeys(now: Date): Set<string> {
    return new Set(this.active().filter((e) => Date.parse(e.expiresAt) > now.getTime()).map((e) => key(e.ruleId, e.resourceId)));
  }
}

export async function loadExceptions(ledger: Ledger): Promise<ExceptionBook> {
  return new ExceptionBook().catchUp(ledger);
}

export interface GrantInput {
  ruleId: string;
  resourceId: string;
  reason: string;
  requester: string;
  approver: string;
  /** A date (YYYY-MM-DD, end of that UTC day) or an ISO 8601 instant. */
  expires: string;
  id?: string;
  origin?: string;
}

/** Parses an expiry: a bare date means the end of that UTC day. */
export function parseExpiry(s: string, where = 'expires'): string {
  const m = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T23:59:59.999Z` : s;
  const t = Date.parse(m);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(t)) throw new UsageError('EXCEPTION_EXPIRY', `${where}: expected a date (YYYY-MM-DD) or ISO 8601 instant, got ${JSON.stringify(s)}`);
  return new Date(t).toISOString();
}

/** Checks a grant before it is recorded: every field present, approver ≠ requester, expiry in the future and at most `maxDays` away. */
export function validateGrant(g: GrantInput, now: Date, where = 'exception', knownRules?: Set<string>, maxDays = 366): ExceptionGrant {
  for (const f of ['ruleId', 'resourceId', 'reason', 'requester', 'approver', 'expires'] as const) {
    if (typeof g[f] !== 'string' || g[f].trim() === '') throw new UsageError('EXCEPTION_INVALID', `${where}: ${f} is required`);
  }
  if (knownRules && !knownRules.has(g.ruleId)) throw new UsageError('EXCEPTION_INVALID', `${where}: unknown rule id "${g.ruleId}" (see \`vigil rules list\`)`);
  if (g.approver.trim().toLowerCase() === g.requester.trim().toLowerCase()) {
    throw new UsageError('EXCEPTION_INVALID', `${where}: approver must differ from requester (both are "${g.approver}")`);
  }
  const expiresAt = parseExpiry(g.expires, `${where}: expires`);
  if (Date.parse(expiresAt) <= now.getTime()) throw new UsageError('EXCEPTION_INVALID', `${where}: expires ${expiresAt} is not in the future`);
  if (Date.parse(expiresAt) - now.getTime() > maxDays * 86_400_000) throw new UsageError('EXCEPTION_INVALID', `${where}: expires ${expiresAt} is more than ${maxDays} days away`);
  const id = g.id ?? `exc_${randomBytes(6).toString('hex')}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new UsageError('EXCEPTION_INVALID', `${where}: id must be 1-64 letters, digits, '.', '_' or '-'`);
  return { id, ruleId: g.ruleId, resourceId: g.resourceId, reason: g.reason, requester: g.requester, approver: g.approver, expiresAt, origin: g.origin ?? 'cli' };
}

export function grantLeaf(g: ExceptionGrant): LeafInput {
  return { type: 'exception.granted', idempotencyKey: `exception.granted:${g.id}`, data: { exception: { ...g } } };
}

/**
 * An end leaf carries the grant it ends (with when it was granted), so a report whose slice starts after the grant can
 * still name the rule, resource, requester and approver of a revocation or expiry.
 */
export function endLeaf(kind: 'revoked' | 'expired', e: ExceptionState, by: string, reason: string): LeafInput {
  const { id, ruleId, resourceId, reason: grantReason, requester, approver, expiresAt, origin, grantedSeq, grantedAt } = e;
  return {
    type: `exception.${kind}`,
    idempotencyKey: `exception.${kind}:${id}`,
    data: { exceptionId: id, by, reason, exception: { id, ruleId, resourceId, reason: grantReason, requester, approver, expiresAt, origin, grantedSeq, grantedAt } },
  };
}

/** Records a grant. An id already granted is a usage error (ids are never reused, so history stays unambiguous). */
export async function grantException(ledger: Ledger, g: ExceptionGrant): Promise<{ seq: number }> {
  const book = await loadExceptions(ledger);
  if (book.all.has(g.id)) throw new UsageError('EXCEPTION_EXISTS', `exception ${g.id} already exists`);
  const [out] = await ledger.append([grantLeaf(g)]);
  return { seq: out!.seq };
}

export async function revokeException(ledger: Ledger, id: string, by: string, reason: string): Promise<{ seq: number }> {
  if (!by.trim() || !reason.trim()) throw new UsageError('EXCEPTION_INVALID', 'revoke needs --by and --reason');
  const book = await loadExceptions(ledger);
  const e = book.all.get(id);
  if (!e) throw new UsageError('EXCEPTION_NOT_FOUND', `no exception with id ${id} (see \`vigil exceptions list\`)`);
  if (e.status !== 'active') throw new UsageError('EXCEPTION_NOT_ACTIVE', `exception ${id} is already ${e.status}`);
  const [out] = await ledger.append([endLeaf('revoked', e, by, reason)]);
  return { seq: out!.seq };
}

const fileEntry = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
    rule: z.string().min(1),
    resource: z.string().min(1),
    reason: z.string().min(1),
    requester: z.string().min(1),
    approver: z.string().min(1),
    expires: z.union([z.string(), z.date()]).transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v)),
  })
  .strict();
const fileSchema = z.object({ exceptions: z.array(fileEntry).default([]) }).strict();

/** Reads a reviewed exceptions.yaml. Entry ids default to a hash of the entry, so an edited entry is a new grant. */
export function readExceptionsFile(file: string, now: Date, knownRules?: Set<string>): ExceptionGrant[] {
  if (!existsSync(file)) throw new UsageError('EXCEPTIONS_FILE', `${file}: no such exceptions file`);
  const lc = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) throw new UsageError('EXCEPTIONS_FILE', `${file}:${lc.linePos(doc.errors[0]!.pos[0]).line}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UsageError('EXCEPTIONS_FILE', `${file}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  const seen = new Set<string>();
  return parsed.data.exceptions.map((e, i) => {
    const line = (() => {
      const node = doc.getIn(['exceptions', i], true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lc.linePos(node.range[0]).line : undefined;
    })();
    const where = `${file}${line ? `:${line}` : ''}: exceptions[${i}]`;
    const id = e.id ?? `file_${createHash('sha256').update(JSON.stringify([e.rule, e.resource, e.reason, e.requester, e.approver, e.expires])).digest('hex').slice(0, 12)}`;
    if (seen.has(id)) throw new UsageError('EXCEPTIONS_FILE', `${where}: duplicate id ${id}`);
    seen.add(id);
    // An entry that already expired is validated without the future check: it is simply not granted.
    const expiresAt = parseExpiry(e.expires, `${where}: expires`);
    const probeNow = Date.parse(expiresAt) <= now.getTime() ? new Date(Date.parse(expiresAt) - 1000) : now;
    return validateGrant({ id, ruleId: e.rule, resourceId: e.resource, reason: e.reason, requester: e.requester, approver: e.approver, expires: e.expires, origin: `file:${file}` }, probeNow, where, knownRules);
  });
}

/**
 * Makes the ledger agree with the reviewed file: new entries are granted, entries removed from the file are revoked
 * (by `exceptions-file`). Entries past their expiry are not granted. Returns the leaves appended.
 */
export async function syncExceptionsFile(ledger: Ledger, file: string, now: Date, knownRules?: Set<string>): Promise<{ granted: string[]; revoked: string[] }> {
  const wanted = readExceptionsFile(file, now, knownRules);
  const book = await loadExceptions(ledger);
  const leaves: LeafInput[] = [];
  const granted: string[] = [];
  const revoked: string[] = [];
  const ids = new Set(wanted.map((w) => w.id));
  for (const w of wanted) {
    if (book.all.has(w.id) || Date.parse(w.expiresAt) <= now.getTime()) continue;
    leaves.push(grantLeaf(w));
    granted.push(w.id);
  }
  for (const e of book.active()) {
    if (e.origin === `file:${file}` && !ids.has(e.id)) {
      leaves.push(endLeaf('revoked', e, 'exceptions-file', `removed from ${file}`));
      revoked.push(e.id);
    }
  }
  if (leaves.length) await ledger.append(leaves);
  return { granted, revoked };
}
