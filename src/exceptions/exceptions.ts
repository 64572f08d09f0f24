// Risk acceptance: an exception is requested by one principal and approved by a different one (`exception.requested`,
// `exception.approved|rejected`), or granted from the reviewed exceptions.yaml (`exception.granted`, typed names); it
// ends as `exception.revoked|expired`. The current set is a fold over these leaves.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument, LineCounter } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { describePrincipal, type Principal } from '../core/principal.js';
import { normaliseIdentity, sameIdentity } from '../core/identity-compare.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import type { LeafOf } from '../ledger/leaf-catalogue.js';

export const EXCEPTION_LEAF_TYPES = ['exception.granted', 'exception.requested', 'exception.approved', 'exception.rejected', 'exception.revoked', 'exception.expired'] as const;
/** An exception leaf as stored. */
export type ExceptionLeaf = LeafOf<(typeof EXCEPTION_LEAF_TYPES)[number]>;

/** API roles that may approve an exception (src/api/route-spec.ts). */
export const APPROVER_ROLES: readonly string[] = ['approver', 'admin'];

export interface ExceptionGrant {
  id: string;
  ruleId: string;
  resourceId: string;
  reason: string;
  /** A typed name (exceptions.yaml, grants before two-step approval) or the requesting principal, described. */
  requester: string;
  /** A typed name, the approving principal described, or '' while the request is pending. */
  approver: string;
  /** ISO 8601 instant after which the failure is no longer accepted. */
  expiresAt: string;
  /** Where it came from: `cli`, `api:<token>`, or `file:<path>` (the exceptions file). */
  origin: string;
  requestedBy?: Principal;
  approvedBy?: Principal;
}

/** A request as recorded in `exception.requested`. */
export interface ExceptionRequest {
  id: string;
  ruleId: string;
  resourceId: string;
  reason: string;
  expiresAt: string;
  origin: string;
  requestedBy: Principal;
  /** Requested with --force although the resource had no failing result for the rule. */
  forced?: boolean;
}

export type ExceptionStatus = 'pending' | 'active' | 'rejected' | 'revoked' | 'expired';

export interface ExceptionState extends ExceptionGrant {
  status: ExceptionStatus;
  requestedSeq: number;
  requestedAt: string;
  forced?: boolean;
  /** When it took effect: the approval (or the file grant). Absent while pending or once rejected. */
  grantedSeq?: number;
  grantedAt?: string;
  endedSeq?: number;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
}

const key = (ruleId: string, resourceId: string) => `${ruleId}\u0000${resourceId}`;

/** All exceptions ever requested or granted, folded from the ledger, in request order. */
export class ExceptionBook {
  readonly all = new Map<string, ExceptionState>();
  nextSeq = 0;

  /** Folds one exception leaf. */
  apply(seq: number, body: ExceptionLeaf): void {
    this.nextSeq = Math.max(this.nextSeq, seq + 1);
    const at = String(body.observedAt);
    if (body.type === 'exception.granted') {
      // The flat form the catalogue also accepts (no code writes it) has no `exception`, and fails here as it always has.
      const g = ('exception' in body ? body.exception : undefined) as ExceptionGrant;
      if (!this.all.has(g.id)) this.all.set(g.id, { ...g, status: 'active', requestedSeq: seq, requestedAt: at, grantedSeq: seq, grantedAt: at });
    } else if (body.type === 'exception.requested') {
      const { forced, requestedBy, ...r } = body.exception as ExceptionRequest;
      if (this.all.has(r.id)) return;
      this.all.set(r.id, { ...r, requester: describePrincipal(requestedBy), approver: '', requestedBy, status: 'pending', requestedSeq: seq, requestedAt: at, ...(forced ? { forced } : {}) });
    } else if (body.type === 'exception.approved') {
      const e = this.all.get(String(body.exceptionId));
      if (!e || e.status !== 'pending') return;
      const by = body.by as Principal;
      Object.assign(e, { status: 'active', approver: describePrincipal(by), approvedBy: by, grantedSeq: seq, grantedAt: at });
    } else if (body.type === 'exception.rejected') {
      const e = this.all.get(String(body.exceptionId));
      if (!e || e.status !== 'pending') return;
      Object.assign(e, { status: 'rejected', endedSeq: seq, endedAt: at, endedBy: describePrincipal(body.by as Principal), endReason: String(body.reason) });
    } else if (body.type === 'exception.revoked' || body.type === 'exception.expired') {
      const e = this.all.get(String(body.exceptionId));
      if (!e || e.status !== 'active') return;
      e.status = body.type === 'exception.revoked' ? 'revoked' : 'expired';
      e.endedSeq = seq;
      e.endedAt = at;
      if (typeof body.by === 'string') e.endedBy = body.by;
      if (typeof body.reason === 'string') e.endReason = body.reason;
    }
  }

  /** Reads the exception leaves appended since the last call. */
  async catchUp(ledger: Ledger): Promise<this> {
    for await (const l of ledger.readLeaves({ fromSeq: this.nextSeq, types: EXCEPTION_LEAF_TYPES })) {
      this.apply(l.seq, l.body);
    }
    return this;
  }

  /** Exceptions in force (approved or granted, not ended); a pending request is not one. */
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

/** The fields every exception needs: rule (known), resource, reason, an expiry in the future within `maxDays`, an id. */
function validateCommon(g: { ruleId: string; resourceId: string; reason: string; expires: string; id?: string }, now: Date, where: string, knownRules: Set<string> | undefined, maxDays: number): { id: string; expiresAt: string } {
  for (const f of ['ruleId', 'resourceId', 'reason', 'expires'] as const) {
    if (typeof g[f] !== 'string' || g[f].trim() === '') throw new UsageError('EXCEPTION_INVALID', `${where}: ${f} is required`);
  }
  if (knownRules && !knownRules.has(g.ruleId)) throw new UsageError('EXCEPTION_INVALID', `${where}: unknown rule id "${g.ruleId}" (see \`vigil rules list\`)`);
  const expiresAt = parseExpiry(g.expires, `${where}: expires`);
  if (Date.parse(expiresAt) <= now.getTime()) throw new UsageError('EXCEPTION_INVALID', `${where}: expires ${expiresAt} is not in the future`);
  if (Date.parse(expiresAt) - now.getTime() > maxDays * 86_400_000) throw new UsageError('EXCEPTION_INVALID', `${where}: expires ${expiresAt} is more than ${maxDays} days away`);
  const id = g.id ?? `exc_${randomBytes(6).toString('hex')}`;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw new UsageError('EXCEPTION_INVALID', `${where}: id must be 1-64 letters, digits, '.', '_' or '-'`);
  return { id, expiresAt };
}

/**
 * Checks a grant with typed names (an exceptions.yaml entry) before it is recorded: every field present, a future
 * expiry at most `maxDays` away, and an approver who is not the requester — compared as a person reads the names
 * (src/core/identity-compare.ts: `alice` = `alice\u200b` = `аlice` with a Cyrillic а = `Alice <alice@…>`).
 */
export function validateGrant(g: GrantInput, now: Date, where = 'exception', knownRules?: Set<string>, maxDays = 366): ExceptionGrant {
  for (const f of ['requester', 'approver'] as const) {
    if (typeof g[f] !== 'string' || normaliseIdentity(g[f]) === '') throw new UsageError('EXCEPTION_INVALID', `${where}: ${f} is required (a name with something visible in it)`);
  }
  const { id, expiresAt } = validateCommon(g, now, where, knownRules, maxDays);
  if (sameIdentity(g.approver, g.requester)) {
    throw new UsageError('EXCEPTION_SOD', `${where}: approver must differ from requester (${JSON.stringify(g.approver)} and ${JSON.stringify(g.requester)} name the same person once normalised)`);
  }
  return { id, ruleId: g.ruleId, resourceId: g.resourceId, reason: g.reason, requester: g.requester, approver: g.approver, expiresAt, origin: g.origin ?? 'cli' };
}

export interface RequestInput {
  ruleId: string;
  resourceId: string;
  reason: string;
  /** A date (YYYY-MM-DD, end of that UTC day) or an ISO 8601 instant. */
  expires: string;
  id?: string;
  origin: string;
  requestedBy: Principal;
  forced?: boolean;
}

/** Checks a request before it is recorded: as a grant, less the names (the requester is the principal asking). */
export function validateRequest(r: RequestInput, now: Date, where = 'exception', knownRules?: Set<string>, maxDays = 366): ExceptionRequest {
  const { id, expiresAt } = validateCommon(r, now, where, knownRules, maxDays);
  return { id, ruleId: r.ruleId, resourceId: r.resourceId, reason: r.reason, expiresAt, origin: r.origin, requestedBy: r.requestedBy, ...(r.forced ? { forced: true } : {}) };
}

export function grantLeaf(g: ExceptionGrant): LeafInput<'exception.granted'> {
  return { type: 'exception.granted', idempotencyKey: `exception.granted:${g.id}`, data: { exception: { ...g } } };
}

export function requestLeaf(r: ExceptionRequest): LeafInput<'exception.requested'> {
  return { type: 'exception.requested', idempotencyKey: `exception.requested:${r.id}`, data: { exception: { ...r } } };
}

/** The request an approval or rejection carries a copy of. */
function requestCopy(e: ExceptionState): ExceptionRequest & { requestedSeq: number; requestedAt: string } {
  const { id, ruleId, resourceId, reason, expiresAt, origin, requestedBy, forced, requestedSeq, requestedAt } = e;
  return { id, ruleId, resourceId, reason, expiresAt, origin, requestedBy: requestedBy!, ...(forced ? { forced } : {}), requestedSeq, requestedAt };
}

/**
 * An end leaf carries the grant it ends (with when it was granted), so a report whose slice starts after the grant can
 * still name the rule, resource, requester and approver of a revocation or expiry.
 */
export function endLeaf(kind: 'revoked' | 'expired', e: ExceptionState, by: string, reason: string, byPrincipal?: Principal): LeafInput<'exception.revoked' | 'exception.expired'> {
  const { id, ruleId, resourceId, reason: grantReason, requester, approver, expiresAt, origin, requestedBy, approvedBy } = e;
  const grantedSeq = e.grantedSeq ?? e.requestedSeq;
  const grantedAt = e.grantedAt ?? e.requestedAt;
  // A two-step exception also carries its principals, when it was requested and whether it was forced.
  const principals = { ...(requestedBy ? { requestedBy } : {}), ...(approvedBy ? { approvedBy } : {}), ...(requestedBy ? { requestedAt: e.requestedAt } : {}), ...(e.forced ? { forced: true } : {}) };
  return {
    type: `exception.${kind}`,
    idempotencyKey: `exception.${kind}:${id}`,
    data: {
      exceptionId: id,
      by,
      reason,
      exception: { id, ruleId, resourceId, reason: grantReason, requester, approver, expiresAt, origin, ...principals, grantedSeq, grantedAt },
      ...(byPrincipal ? { byPrincipal } : {}),
    },
  };
}

/** Records a grant from the exceptions file. An id already used is a usage error (ids are never reused, so history stays unambiguous). */
export async function grantException(ledger: Ledger, g: ExceptionGrant): Promise<{ seq: number }> {
  const book = await loadExceptions(ledger);
  if (book.all.has(g.id)) throw new UsageError('EXCEPTION_EXISTS', `exception ${g.id} already exists`);
  const [out] = await ledger.append([grantLeaf(g)]);
  return { seq: out!.seq };
}

/** Records a request; it has no effect until approved (approveException). */
export async function requestException(ledger: Ledger, r: ExceptionRequest): Promise<{ seq: number }> {
  const book = await loadExceptions(ledger);
  if (book.all.has(r.id)) throw new UsageError('EXCEPTION_EXISTS', `exception ${r.id} already exists`);
  const [out] = await ledger.append([requestLeaf(r)]);
  return { seq: out!.seq };
}

async function pending(ledger: Ledger, id: string): Promise<ExceptionState> {
  const e = (await loadExceptions(ledger)).all.get(id);
  if (!e) throw new UsageError('EXCEPTION_NOT_FOUND', `no exception with id ${id} (see \`vigil exceptions list --all\`)`);
  if (e.status !== 'pending') throw new UsageError('EXCEPTION_NOT_PENDING', `exception ${id} is ${e.status}, not a pending request`);
  return e;
}

/**
 * Why `by` may not approve `e`, or undefined when it may: approval needs an API token (or a session from one) of role
 * approver or admin, and a principal other than the requester (names compared as a person reads them).
 */
export function approvalRefusal(e: Pick<ExceptionState, 'id' | 'requestedBy' | 'requester'>, by: Principal): string | undefined {
  if (by.kind === 'local') return `approving needs an approver's API token (--token-file); the local account ${by.name} can request, reject and revoke but not approve`;
  if (!APPROVER_ROLES.includes(by.role)) return `token "${by.name}" has role ${by.role}; approving needs role approver or admin`;
  const requester = e.requestedBy?.name ?? e.requester;
  if (sameIdentity(requester, by.name)) return `exception ${e.id} was requested by ${e.requester}: ${describePrincipal(by)} is the same principal once names are normalised, and may not approve it`;
  return undefined;
}

/** Approves a pending request: it takes effect now. Refused (EXCEPTION_SOD) for the requester or a principal that may not approve. */
export async function approveException(ledger: Ledger, id: string, by: Principal, now: Date): Promise<{ seq: number; exception: ExceptionState }> {
  const e = await pending(ledger, id);
  const why = approvalRefusal(e, by);
  if (why) throw new UsageError('EXCEPTION_SOD', why);
  if (Date.parse(e.expiresAt) <= now.getTime()) throw new UsageError('EXCEPTION_INVALID', `exception ${id} expired at ${e.expiresAt} before it was approved; request it again`);
  const [out] = await ledger.append([{ type: 'exception.approved', idempotencyKey: `exception.approved:${id}`, data: { exceptionId: id, by, exception: requestCopy(e) } }]);
  return { seq: out!.seq, exception: { ...e, status: 'active', approver: describePrincipal(by), approvedBy: by } };
}

/** Rejects a pending request, with why (any principal: the requester withdrawing it, or an approver declining). */
export async function rejectException(ledger: Ledger, id: string, by: Principal, reason: string): Promise<{ seq: number }> {
  if (typeof reason !== 'string' || !reason.trim()) throw new UsageError('EXCEPTION_INVALID', 'reject needs a reason');
  const e = await pending(ledger, id);
  const [out] = await ledger.append([{ type: 'exception.rejected', idempotencyKey: `exception.rejected:${id}`, data: { exceptionId: id, by, reason, exception: requestCopy(e) } }]);
  return { seq: out!.seq };
}

/** Ends an active exception early, recording the principal that did. */
export async function revokeException(ledger: Ledger, id: string, by: Principal, reason: string): Promise<{ seq: number }> {
  if (typeof reason !== 'string' || !reason.trim()) throw new UsageError('EXCEPTION_INVALID', 'revoke needs a reason');
  const book = await loadExceptions(ledger);
  const e = book.all.get(id);
  if (!e) throw new UsageError('EXCEPTION_NOT_FOUND', `no exception with id ${id} (see \`vigil exceptions list\`)`);
  if (e.status !== 'active') throw new UsageError('EXCEPTION_NOT_ACTIVE', `exception ${id} is already ${e.status}`);
  const [out] = await ledger.append([endLeaf('revoked', e, describePrincipal(by), reason, by)]);
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
