// Graph reply items checked against the documented shapes: a whole list is malformed when an item has no id; an item
// with an id but a required field missing or null is reported per resource, never defaulted.
import { MalformedReplyError } from '../../src/core/failure.js';

export type Obj = Record<string, unknown>;

export const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isIso = (x: unknown): x is string => isStr(x) && !Number.isNaN(Date.parse(x));
const isNullableIso = (x: unknown): x is string | null | undefined => x === null || x === undefined || isIso(x);

/** Items of one list, split into those whose required fields all hold and those (by id) that lack one. */
export interface Checked<T> { ok: T[]; bad: Map<string, string> }

/**
 * Runs `problem` on each item: items must be objects with a string `id` (else the whole reply is malformed, as no
 * resource can be named); `problem` returns what is missing, or null when the item is complete.
 */
export function check<T>(items: unknown[], operation: string, problem: (x: Obj) => string | null): Checked<T> {
  const ok: T[] = [];
  const bad = new Map<string, string>();
  for (const [i, x] of items.entries()) {
    if (!isObj(x) || !isStr(x.id) || x.id === '') throw new MalformedReplyError(operation, `item ${i} has no id`);
    const p = problem(x);
    if (p === null) ok.push(x as T);
    else bad.set(x.id, p);
  }
  return { ok, bad };
}

export interface RawSignIn { lastSignInDateTime?: string | null; lastNonInteractiveSignInDateTime?: string | null; lastSuccessfulSignInDateTime?: string | null }
export interface RawUser {
  id: string; userPrincipalName: string; mail: string | null; displayName: string | null; accountEnabled: boolean;
  userType: string; createdDateTime: string | null; onPremisesSyncEnabled: boolean | null; signInActivity?: RawSignIn | null;
}

/** `user`: userPrincipalName, accountEnabled and userType are needed by every rule; signInActivity when selected. */
export function userProblem(withSignIn: boolean) {
  return (u: Obj): string | null => {
    if (!isStr(u.userPrincipalName)) return 'userPrincipalName missing';
    if (typeof u.accountEnabled !== 'boolean') return 'accountEnabled missing or null';
    if (!isStr(u.userType)) return 'userType missing or null';
    if (!isNullableIso(u.createdDateTime)) return 'createdDateTime unreadable';
    // Selected, Graph always sends it (null = never synced); absent, a synced Global Administrator would read as cloud-only.
    if (u.onPremisesSyncEnabled === undefined) return 'onPremisesSyncEnabled missing';
    if (u.onPremisesSyncEnabled !== null && typeof u.onPremisesSyncEnabled !== 'boolean') return 'onPremisesSyncEnabled unreadable';
    if (withSignIn && u.signInActivity !== undefined && u.signInActivity !== null) {
      const s = u.signInActivity;
      if (!isObj(s)) return 'signInActivity is not an object';
      for (const k of ['lastSignInDateTime', 'lastNonInteractiveSignInDateTime', 'lastSuccessfulSignInDateTime']) {
        if (!isNullableIso(s[k])) return `signInActivity.${k} unreadable`;
      }
    }
    return null;
  };
}

export interface RawRegistration { id: string; isMfaRegistered: boolean; isMfaCapable: boolean; methodsRegistered: string[] }
export function registrationProblem(r: Obj): string | null {
  if (typeof r.isMfaRegistered !== 'boolean') return 'isMfaRegistered missing or null';
  if (typeof r.isMfaCapable !== 'boolean') return 'isMfaCapable missing or null';
  if (!Array.isArray(r.methodsRegistered) || !r.methodsRegistered.every(isStr)) return 'methodsRegistered missing or not a list of strings';
  return null;
}

export interface RawRoleDefinition { id: string; displayName: string; templateId: string }
export function roleDefinitionProblem(d: Obj): string | null {
  return isStr(d.displayName) && isStr(d.templateId) ? null : 'displayName or templateId missing';
}

export interface RawPrincipal { '@odata.type': string; id: string; userPrincipalName?: string | null; displayName?: string | null }
export interface RawAssignment {
  id: string; principalId: string; roleDefinitionId: string; directoryScopeId: string; principal: RawPrincipal;
  startDateTime?: string | null; endDateTime?: string | null;
  /** Schedule instances only: `Assigned` (an admin's assignment) or `Activated` (a PIM activation of an eligibility). */
  assignmentType?: string | null;
}
/** Assignments and schedule instances, read with `$expand=principal`: the principal's type decides who holds the role. */
export function assignmentProblem(a: Obj): string | null {
  if (!isStr(a.principalId) || !isStr(a.roleDefinitionId) || !isStr(a.directoryScopeId)) return 'principalId, roleDefinitionId or directoryScopeId missing';
  if (!isObj(a.principal) || !isStr(a.principal['@odata.type']) || a.principal.id !== a.principalId) return 'expanded principal missing or without @odata.type';
  if (!isNullableIso(a.startDateTime) || !isNullableIso(a.endDateTime)) return 'schedule times unreadable';
  return null;
}
/** An active schedule instance must say whether it is assigned or activated: a standing grant must not pass as a timed one. */
export function activeInstanceProblem(a: Obj): string | null {
  if (a.assignmentType !== 'Assigned' && a.assignmentType !== 'Activated') return 'assignmentType missing or neither Assigned nor Activated';
  return assignmentProblem(a);
}

export interface RawMember { '@odata.type': string; id: string; userPrincipalName?: string | null; displayName?: string | null }
export function memberProblem(m: Obj): string | null {
  return isStr(m['@odata.type']) ? null : '@odata.type missing';
}

export interface RawCaPolicy { id: string; displayName: string; state: string; conditions: Obj; grantControls: Obj | null }
const isStrList = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
const CA_USER_LISTS = ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles'];

/**
 * `conditionalAccessPolicy`: state and conditions are always present, and Graph serializes every user and application
 * collection (empty when unused), so a missing exclusion list is a broken reply, not "no exclusions". grantControls is
 * null for session-only policies.
 */
export function caPolicyProblem(p: Obj): string | null {
  if (!isStr(p.displayName) || !isStr(p.state)) return 'displayName or state missing';
  const c = p.conditions;
  if (!isObj(c)) return 'conditions missing or null';
  if (!isObj(c.users) || !CA_USER_LISTS.every((k) => isStrList((c.users as Obj)[k]))) return 'conditions.users lists missing';
  if (!isObj(c.applications) || !isStrList(c.applications.includeApplications) || !isStrList(c.applications.excludeApplications)) return 'conditions.applications lists missing';
  if (!isStrList(c.clientAppTypes)) return 'conditions.clientAppTypes missing';
  if (p.grantControls !== null && !(isObj(p.grantControls) && isStrList(p.grantControls.builtInControls))) return 'grantControls missing or without builtInControls';
  return null;
}

export interface RawAudit {
  id: string; category: string; activityDisplayName: string; activityDateTime: string; result: string;
  initiatedBy?: { user?: { userPrincipalName?: string | null } | null; app?: { displayName?: string | null } | null } | null;
  targetResources: Array<{ id: string; type: string; userPrincipalName?: string | null; displayName?: string | null }>;
}
export function auditProblem(a: Obj): string | null {
  if (!isStr(a.activityDisplayName) || !isIso(a.activityDateTime) || !isStr(a.category) || !isStr(a.result)) return 'activity, time, category or result missing';
  if (!Array.isArray(a.targetResources) || !a.targetResources.every((t) => isObj(t) && isStr(t.id) && isStr(t.type))) return 'targetResources missing';
  return null;
}

/** The saved directory-audit cursor, or a description of why it cannot be used. */
export function parseAuditCursor(saved: string): { t: string; ids: string[] } | { corrupt: string } {
  let j: unknown;
  try { j = JSON.parse(saved); } catch { return { corrupt: 'not JSON' }; }
  if (!isObj(j) || !isIso(j.t) || !Array.isArray(j.ids) || !j.ids.every(isStr)) return { corrupt: 'not {t: ISO time, ids: string[]}' };
  return { t: j.t, ids: j.ids };
}
