// Okta admin roles: direct user assignments and group-held roles expanded to the group's members, so admin rules judge
// every person who holds a role, however it was granted.
import { OktaApiError } from './client.js';
import type { OktaReader } from './reader.js';
import { parseAssignees, parseGroup, parseRole, parseUser, asList, type RawRole } from './parse.js';

/** A role a user holds, with where it came from. */
export interface HeldRole extends RawRole {
  via: 'USER' | 'GROUP';
  groupId: string | null;
  groupName: string | null;
}

export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (i < items.length && !signal?.aborted) {
      const item = items[i++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
  signal?.throwIfAborted();
}

function pathOf(href: string, orgUrl: string, op: string): string {
  const u = new URL(href, orgUrl);
  if (u.origin !== new URL(orgUrl).origin) throw new OktaApiError(200, 'OFF_HOST_LINK', `next link points off the org host (${u.host})`, op, 'malformed');
  return u.pathname + u.search;
}

/**
 * Reads every role assignment: `/iam/assignees/users` then each listed user's roles, and every group's roles
 * (`/groups/{id}/roles`) with the members of each group that holds one. Throws on any failed or malformed read, so the
 * caller marks `okta.admin_role` incomplete as a whole: a missed group could hide a super admin.
 */
export async function readAdminRoles(r: OktaReader, orgUrl: string, concurrency: number, signal?: AbortSignal): Promise<Map<string, HeldRole[]>> {
  const held = new Map<string, HeldRole[]>();
  const add = (uid: string, role: HeldRole) => {
    const list = held.get(uid) ?? [];
    // A user's role list may itself show group-held roles (assignmentType GROUP): one entry per assignment id.
    if (!list.some((x) => x.id === role.id)) list.push(role);
    held.set(uid, list);
  };

  const ids: string[] = [];
  let next: string | null = '/api/v1/iam/assignees/users?limit=200';
  const seen = new Set<string>();
  for (let n = 1; next; n++) {
    if (seen.has(next) || n > 5_000) throw new OktaApiError(200, 'PAGING_LOOP', 'assignee paging does not end', 'okta:ListRoleAssignees', 'malformed');
    seen.add(next);
    const page = await r.page(next, 'okta:ListRoleAssignees', `okta:ListRoleAssignees#${n}`);
    const { ids: got, nextHref } = parseAssignees('okta:ListRoleAssignees', page.items);
    ids.push(...got);
    next = nextHref && got.length > 0 ? pathOf(nextHref, orgUrl, 'okta:ListRoleAssignees') : null;
  }
  await pool([...new Set(ids)], concurrency, async (id) => {
    const op = 'okta:ListRolesForUser';
    const page = await r.page(`/api/v1/users/${encodeURIComponent(id)}/roles`, op, `${op}:${id}`);
    for (const o of asList(op, page.items)) {
      const role = parseRole(op, o);
      add(id, { ...role, via: role.assignmentType === 'GROUP' ? 'GROUP' : 'USER', groupId: null, groupName: null });
    }
  }, signal);

  const groups = await r.listAll('/api/v1/groups?limit=200', 'okta:ListGroups', parseGroup);
  const roleGroups: Array<{ id: string; name: string; roles: RawRole[] }> = [];
  await pool(groups, concurrency, async (g) => {
    const op = 'okta:ListGroupAssignedRoles';
    const page = await r.page(`/api/v1/groups/${encodeURIComponent(g.id)}/roles`, op, `${op}:${g.id}`);
    const roles = asList(op, page.items).map((o) => parseRole(op, o));
    if (roles.length > 0) roleGroups.push({ ...g, roles });
  }, signal);
  for (const g of roleGroups) {
    const members = await r.listAll(`/api/v1/groups/${encodeURIComponent(g.id)}/users?limit=200`, 'okta:ListGroupUsers', parseUser);
    for (const m of members) for (const role of g.roles) add(m.id, { ...role, via: 'GROUP', groupId: g.id, groupName: g.name });
  }
  return held;
}
