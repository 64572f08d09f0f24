// Shape checks for Admin SDK replies: a page is trusted only when its kind, list key and nextPageToken are what Google documents.
import { MalformedReplyError } from '../../src/core/failure.js';

export interface ListShape {
  /** The `kind` every page of this list carries, e.g. `admin#directory#users`; null for APIs without one (Cloud Identity). */
  kind: string | null;
  /** The list key: `users`, `items`, `members`. */
  field: string;
  /**
   * Google omits an empty list from the JSON. Only where an empty list is possible (a group without members, a quiet
   * Reports window) is a page with the right `kind`, no list key and no nextPageToken an empty page; where the
   * customer always has entries (users — the impersonated admin exists — roles, role assignments) it is malformed.
   */
  mayBeEmpty: boolean;
  /**
   * The Policy API may send a page with no items but a nextPageToken (observed by ScubaGoggles: blank pages before the
   * end), so there a missing list key on a page with a next page is an empty page, not a malformed one.
   */
  blankPagesContinue?: boolean;
}

export interface Page { items: Array<Record<string, unknown>>; next: string | undefined }

export function parsePage(body: Record<string, unknown>, shape: ListShape, operation: string): Page {
  if (shape.kind !== null && body.kind !== shape.kind) throw new MalformedReplyError(operation, `kind is ${JSON.stringify(body.kind)}, expected ${shape.kind}`);
  const next = body.nextPageToken;
  if (next !== undefined && (typeof next !== 'string' || next === '')) throw new MalformedReplyError(operation, 'nextPageToken is not a non-empty string');
  const list = body[shape.field];
  if (list === undefined) {
    if (!shape.mayBeEmpty) throw new MalformedReplyError(operation, `list key ${shape.field} missing`);
    if (next !== undefined && !shape.blankPagesContinue) throw new MalformedReplyError(operation, `list key ${shape.field} missing on a page that has a next page`);
    return { items: [], next };
  }
  if (!Array.isArray(list)) throw new MalformedReplyError(operation, `${shape.field} is not a list`);
  if (list.length === 0 && !shape.mayBeEmpty) throw new MalformedReplyError(operation, `${shape.field} is empty`);
  for (const [i, it] of list.entries()) {
    if (!it || typeof it !== 'object' || Array.isArray(it)) throw new MalformedReplyError(operation, `${shape.field}[${i}] is not an object`);
  }
  return { items: list as Array<Record<string, unknown>>, next };
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
export const time = (v: unknown): string | undefined => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined);

/** Required string fields of a list entry; a missing one makes the whole list unusable (the entry cannot even be named). */
export function need(item: Record<string, unknown>, fields: string[], operation: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = str(item[f]);
    if (v === undefined) throw new MalformedReplyError(operation, `${what} without ${f}`);
    out[f] = v;
  }
  return out;
}

export interface ParsedUser {
  id: string;
  primaryEmail: string;
  fullName: string | undefined;
  isAdmin: boolean | undefined;
  isDelegatedAdmin: boolean | undefined;
  lastLoginTime: string | undefined;
  creationTime: string | undefined;
  suspended: boolean | undefined;
  archived: boolean | undefined;
  isEnrolledIn2Sv: boolean | undefined;
  isEnforcedIn2Sv: boolean | undefined;
  orgUnitPath: string | undefined;
  /** Fields the rules need that the reply left out or gave the wrong type: the user is then an error, not a verdict. */
  missing: string[];
}

/** Fields a user must carry for its verdicts to stand. */
export const REQUIRED_USER_FIELDS = ['isAdmin', 'isDelegatedAdmin', 'lastLoginTime', 'creationTime', 'suspended', 'archived', 'isEnrolledIn2Sv', 'isEnforcedIn2Sv'] as const;

export function parseUser(u: Record<string, unknown>, operation: string): ParsedUser {
  const { id, primaryEmail } = need(u, ['id', 'primaryEmail'], operation, 'user') as { id: string; primaryEmail: string };
  const name = u.name && typeof u.name === 'object' ? (u.name as Record<string, unknown>) : undefined;
  const p: ParsedUser = {
    id, primaryEmail, fullName: str(name?.fullName),
    isAdmin: bool(u.isAdmin), isDelegatedAdmin: bool(u.isDelegatedAdmin), lastLoginTime: time(u.lastLoginTime), creationTime: time(u.creationTime),
    suspended: bool(u.suspended), archived: bool(u.archived), isEnrolledIn2Sv: bool(u.isEnrolledIn2Sv), isEnforcedIn2Sv: bool(u.isEnforcedIn2Sv),
    orgUnitPath: str(u.orgUnitPath), missing: [],
  };
  p.missing = REQUIRED_USER_FIELDS.filter((f) => p[f] === undefined);
  return p;
}
