// The OU tree (Directory orgunits.list) and the security settings bound to it (Cloud Identity Policy API
// policies.list), as resources the google-workspace.policy.* rules resolve inheritance over. Collected, never judged.
import type { Resource } from '../../src/core/types.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GoogleWorkspaceOrgUnitAttributes, GoogleWorkspacePolicyAttributes } from '../../src/core/contracts/google-workspace.js';
import { GOOGLE_WORKSPACE_SCOPES } from './config.js';
import { need, str, type ListShape } from './parse.js';
import type { ListAll } from './roles.js';

/**
 * The setting types read, in one `setting.type` clause (the API allows one): every `settings/security.*` type (2SV,
 * password, session, account recovery, …) and the system-defined alert rules (`settings/rule.system_defined_alerts`).
 */
export const POLICY_FILTER = "setting.type.matches('^settings/(security\\..*|rule\\.system_defined_alerts)$')";

const ORG_UNITS: ListShape = { kind: 'admin#directory#orgUnits', field: 'organizationUnits', mayBeEmpty: false };
const POLICIES: ListShape = { kind: null, field: 'policies', mayBeEmpty: true, blankPagesContinue: true };

export const POLICY_PERMS = {
  permission: `${GOOGLE_WORKSPACE_SCOPES.orgunits} and ${GOOGLE_WORKSPACE_SCOPES.policies} (admin privileges Organizational units › Read and Security settings)`,
  inputs: ['google-workspace.org_unit', 'google-workspace.policy'],
};

const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** One policies.list item as a resource; a policy without its setting type, value or sort order is a malformed reply. */
export function policyResource(p: Record<string, unknown>, scope: string, at: string, operation: string): Resource {
  const { name } = need(p, ['name'], operation, 'policy') as { name: string };
  const setting = p.setting;
  const type = isObj(setting) ? str(setting.type) : undefined;
  if (!type || !type.startsWith('settings/')) throw new MalformedReplyError(operation, `policy ${name} without setting.type settings/…`);
  if (!isObj(setting) || !isObj(setting.value)) throw new MalformedReplyError(operation, `policy ${name} without setting.value`);
  const q = p.policyQuery;
  if (!isObj(q) || typeof q.sortOrder !== 'number') throw new MalformedReplyError(operation, `policy ${name} without policyQuery.sortOrder`);
  const ou = str(q.orgUnit);
  const group = str(q.group);
  const a: GoogleWorkspacePolicyAttributes = {
    settingType: type.slice('settings/'.length), value: setting.value, orgUnitId: ou ? ou.replace(/^orgUnits\//, '') : null,
    groupId: group ? group.replace(/^groups\//, '') : null, sortOrder: q.sortOrder, policyType: str(p.type) ?? 'ADMIN',
  };
  return { source: 'google-workspace', scope, type: 'google-workspace.policy', id: name, name: a.settingType, attributes: { ...a }, observedAt: at };
}

/** The OU tree, root included; exactly one root, and every other OU names its parent. */
export function orgUnitResources(items: Array<Record<string, unknown>>, scope: string, at: string, operation: string): Resource[] {
  const out = items.map((o): Resource => {
    const { orgUnitId, orgUnitPath } = need(o, ['orgUnitId', 'orgUnitPath'], operation, 'org unit') as { orgUnitId: string; orgUnitPath: string };
    const parent = str(o.parentOrgUnitId);
    if (orgUnitPath !== '/' && !parent) throw new MalformedReplyError(operation, `org unit ${orgUnitPath} without parentOrgUnitId`);
    const a: GoogleWorkspaceOrgUnitAttributes = { orgUnitPath, parentOrgUnitId: orgUnitPath === '/' ? null : parent!.replace(/^id:/, '') };
    return { source: 'google-workspace', scope, type: 'google-workspace.org_unit', id: orgUnitId.replace(/^id:/, ''), name: orgUnitPath, attributes: { ...a }, observedAt: at };
  });
  if (out.filter((o) => o.name === '/').length !== 1) throw new MalformedReplyError(operation, 'the root org unit (/) is not listed exactly once (type=all_including_parent includes it)');
  return out;
}

/** Reads both lists; any failure is thrown to the caller, which records it on both inputs (settings without their tree mean nothing). */
export async function readPolicies(listAll: ListAll, cust: string, policyRoot: string, scope: string, at: () => string): Promise<Resource[]> {
  const ouOp = 'admin.directory.orgunits.list';
  const ous = orgUnitResources(
    await listAll(`/admin/directory/v1/customer/${cust}/orgunits?type=all_including_parent`, ORG_UNITS, GOOGLE_WORKSPACE_SCOPES.orgunits, ouOp), scope, at(), ouOp);
  const op = 'cloudidentity.policies.list';
  const raw = await listAll(`${policyRoot.replace(/\/+$/, '')}/v1/policies?filter=${encodeURIComponent(POLICY_FILTER)}&pageSize=100`, POLICIES, GOOGLE_WORKSPACE_SCOPES.policies, op);
  // Every customer has security settings; an empty list cannot be told apart from a reply that lost them.
  if (raw.length === 0) throw new MalformedReplyError(op, 'no security policy listed');
  const now = at();
  const policies = raw.map((p) => policyResource(p, scope, now, op));
  if (new Set(policies.map((p) => p.id)).size !== policies.length) throw new MalformedReplyError(op, 'the same policy on two pages');
  return [...ous, ...policies];
}
