// Shape checks for Okta replies: each list endpoint's documented JSON, the fields rules need, nothing defaulted.
import { MalformedReplyError } from '../../src/core/failure.js';

export interface RawUser {
  id: string;
  status: string;
  created: string | null;
  statusChanged: string | null;
  /** Okta sends `null` for a user who never signed in; `undefined` means the field was missing (unknown). */
  lastLogin: string | null | undefined;
  profile: { login: string; email: string | null; firstName: string | null; lastName: string | null; displayName: string | null };
}
export interface RawFactor { factorType: string; provider: string; status: string }
export interface RawRole { id: string; type: string; label: string; status: string | null; assignmentType: string | null }
export interface RawGroup { id: string; name: string }
export interface RawPolicy { id: string; name: string; type: string; status: string; priority: number | null; system: boolean | null; settings: Record<string, unknown> | null }
export interface RawRule { id: string; name: string; status: string; priority: number | null; system: boolean | null; conditions: unknown; actions: unknown }
export interface RawLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  actor: { id: string; type: string; alternateId: string } | null;
  target: Array<{ id: string; type: string; alternateId: string; displayName: string }>;
  outcome: string | null;
}
export interface RawToken { id: string; name: string; userId: string; networkConnection: string | null; expiresAt: string | null; lastUpdated: string | null }
export interface RawStream { id: string; name: string; type: string; status: string }

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const optStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const optNum = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const optBool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

/** A list endpoint answers a JSON array; anything else (`{}`, `null`, an error object) is malformed. */
export function asList(op: string, v: unknown): Obj[] {
  if (!Array.isArray(v)) throw new MalformedReplyError(op, `expected a JSON array, got ${v === null ? 'null' : typeof v}`);
  return v.map((x, i) => {
    if (!isObj(x)) throw new MalformedReplyError(op, `item ${i} is not an object`);
    return x;
  });
}

function need(op: string, o: Obj, keys: string[], what: string): void {
  for (const k of keys) if (!str(o[k])) throw new MalformedReplyError(op, `${what} lacks ${k}`);
}

export function parseUser(op: string, o: Obj): RawUser {
  need(op, o, ['id', 'status'], 'user');
  const p = o.profile;
  if (!isObj(p) || !str(p.login)) throw new MalformedReplyError(op, `user ${String(o.id)} lacks profile.login`);
  return {
    id: o.id as string,
    status: o.status as string,
    created: optStr(o.created),
    statusChanged: optStr(o.statusChanged),
    lastLogin: o.lastLogin === null ? null : typeof o.lastLogin === 'string' ? o.lastLogin : undefined,
    profile: { login: p.login, email: optStr(p.email), firstName: optStr(p.firstName), lastName: optStr(p.lastName), displayName: optStr(p.displayName) },
  };
}

export function parseFactor(op: string, o: Obj): RawFactor {
  need(op, o, ['factorType', 'provider', 'status'], 'factor');
  return { factorType: o.factorType as string, provider: o.provider as string, status: o.status as string };
}

export function parseRole(op: string, o: Obj): RawRole {
  need(op, o, ['id', 'type'], 'role assignment');
  return { id: o.id as string, type: o.type as string, label: optStr(o.label) ?? (o.type as string), status: optStr(o.status), assignmentType: optStr(o.assignmentType) };
}

export function parseGroup(op: string, o: Obj): RawGroup {
  need(op, o, ['id'], 'group');
  const p = o.profile;
  return { id: o.id as string, name: isObj(p) && str(p.name) ? p.name : (o.id as string) };
}

/** `GET /api/v1/iam/assignees/users`: `{ value: [{id}], _links: { next?: { href } } }`. */
export function parseAssignees(op: string, v: unknown): { ids: string[]; nextHref: string | null } {
  if (!isObj(v) || !Array.isArray(v.value)) throw new MalformedReplyError(op, 'expected an object with a value list');
  const ids = v.value.map((x, i) => {
    if (!isObj(x) || !str(x.id)) throw new MalformedReplyError(op, `assignee ${i} lacks id`);
    return x.id;
  });
  const links = v._links;
  const next = isObj(links) && isObj(links.next) ? links.next.href : undefined;
  if (next !== undefined && !str(next)) throw new MalformedReplyError(op, '_links.next has no href');
  return { ids, nextHref: next ?? null };
}

export function parsePolicy(op: string, o: Obj): RawPolicy {
  need(op, o, ['id', 'name', 'type', 'status'], 'policy');
  const settings = isObj(o.settings) ? o.settings : null;
  return {
    id: o.id as string, name: o.name as string, type: o.type as string, status: o.status as string,
    priority: optNum(o.priority), system: optBool(o.system), settings,
  };
}

export function parseRule(op: string, o: Obj): RawRule {
  need(op, o, ['id', 'name', 'status'], 'policy rule');
  return {
    id: o.id as string, name: o.name as string, status: o.status as string, priority: optNum(o.priority), system: optBool(o.system),
    conditions: o.conditions ?? null, actions: o.actions ?? null,
  };
}

export function parseStream(op: string, o: Obj): RawStream {
  need(op, o, ['id', 'name', 'type', 'status'], 'log stream');
  return { id: o.id as string, name: o.name as string, type: o.type as string, status: o.status as string };
}

export function parseToken(op: string, o: Obj): RawToken {
  need(op, o, ['id', 'name', 'userId'], 'API token');
  const n = o.network;
  return {
    id: o.id as string, name: o.name as string, userId: o.userId as string,
    // Missing network settings are unknown, not "anywhere": the rule says it could not tell.
    networkConnection: isObj(n) && str(n.connection) ? n.connection : null,
    expiresAt: optStr(o.expiresAt), lastUpdated: optStr(o.lastUpdated),
  };
}

export function parseLogEvent(op: string, o: Obj): RawLogEvent {
  need(op, o, ['uuid', 'published', 'eventType'], 'System Log event');
  if (Number.isNaN(Date.parse(o.published as string))) throw new MalformedReplyError(op, `event ${String(o.uuid)} has an unreadable published time`);
  const a = o.actor;
  const targets = o.target === null || o.target === undefined ? [] : o.target;
  if (!Array.isArray(targets)) throw new MalformedReplyError(op, `event ${String(o.uuid)} target is not a list`);
  // A target that is not an object cannot be read; dropping it would hide who was deactivated or granted a role.
  const bad = targets.findIndex((t) => !isObj(t));
  if (bad >= 0) throw new MalformedReplyError(op, `event ${String(o.uuid)} target ${bad} is not an object`);
  return {
    uuid: o.uuid as string, published: o.published as string, eventType: o.eventType as string,
    actor: isObj(a) && str(a.id) ? { id: a.id, type: optStr(a.type) ?? '', alternateId: optStr(a.alternateId) ?? '' } : null,
    target: (targets as Obj[]).map((t) => ({ id: optStr(t.id) ?? '', type: optStr(t.type) ?? '', alternateId: optStr(t.alternateId) ?? '', displayName: optStr(t.displayName) ?? '' })),
    outcome: isObj(o.outcome) ? optStr(o.outcome.result) : null,
  };
}
