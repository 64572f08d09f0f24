// Tenant-wide Entra policies: the authorization policy with the admin consent workflow (guest and consent settings),
// and the PIM role management policies of directory roles (approval on activation, permanent assignments allowed).
// Each reply is checked against Graph's documented shape; a field that is missing is a malformed reply, never a default.
import { MalformedReplyError } from '../../src/core/failure.js';
import { redactSecrets } from '../../src/core/errors.js';
import type { EntraAccessReviewAttributes, EntraAuthorizationPolicyAttributes, EntraRolePolicyAttributes } from '../../src/core/contracts/entra.js';
import { GraphApiError } from './client.js';
import { isObj, type Obj } from './parse.js';
import { artifact, opOf, type EntraRun } from './reads.js';
import { PIM_UNLICENSED } from './roles.js';

const isStr = (x: unknown): x is string => typeof x === 'string';

/** One singleton GET, kept as an artifact and counted in the floor of calls. */
async function getOne(run: EntraRun, path: string, operation: string): Promise<Obj> {
  const { body, raw } = await run.client.get(path, operation);
  run.minApiCalls += 1;
  run.artifacts.push(artifact(operation, raw));
  if (!isObj(body)) throw new MalformedReplyError(operation, 'reply is not a JSON object');
  return body;
}

/** `authorizationPolicy` + `adminConsentRequestPolicy` as one `entra.authorization_policy` resource. */
export function authorizationAttributes(auth: Obj, consent: Obj): EntraAuthorizationPolicyAttributes {
  const op = 'entra:GetAuthorizationPolicy';
  if (!isStr(auth.allowInvitesFrom)) throw new MalformedReplyError(op, 'allowInvitesFrom missing or not a string');
  if (!isStr(auth.guestUserRoleId)) throw new MalformedReplyError(op, 'guestUserRoleId missing or not a string');
  const d = auth.defaultUserRolePermissions;
  const grants = isObj(d) ? d.permissionGrantPoliciesAssigned : undefined;
  if (!Array.isArray(grants) || !grants.every(isStr)) throw new MalformedReplyError(op, 'defaultUserRolePermissions.permissionGrantPoliciesAssigned missing or not a list of strings');
  const risky = auth.allowUserConsentForRiskyApps;
  if (risky !== undefined && risky !== null && typeof risky !== 'boolean') throw new MalformedReplyError(op, 'allowUserConsentForRiskyApps is not a boolean');
  const cop = 'entra:GetAdminConsentRequestPolicy';
  if (typeof consent.isEnabled !== 'boolean') throw new MalformedReplyError(cop, 'isEnabled missing or not a boolean');
  if (!Array.isArray(consent.reviewers)) throw new MalformedReplyError(cop, 'reviewers missing or not a list');
  return {
    allowInvitesFrom: auth.allowInvitesFrom, guestUserRoleId: auth.guestUserRoleId.toLowerCase(), permissionGrantPoliciesAssigned: [...grants].sort(),
    allowUserConsentForRiskyApps: typeof risky === 'boolean' ? risky : null,
    adminConsentWorkflowEnabled: consent.isEnabled, adminConsentReviewers: consent.reviewers.length,
  };
}

/** Reads both tenant policies; a failure of either leaves `entra.authorization_policy` unread, with its cause. */
export async function readAuthorizationPolicy(run: EntraRun): Promise<void> {
  if (run.tokenFailed) return;
  try {
    const auth = await getOne(run, '/v1.0/policies/authorizationPolicy', 'entra:GetAuthorizationPolicy');
    const consent = await getOne(run, '/v1.0/policies/adminConsentRequestPolicy', 'entra:GetAdminConsentRequestPolicy');
    const a = authorizationAttributes(auth, consent);
    const at = run.observed();
    run.resources.push({ source: 'entra', scope: run.tenant, type: 'entra.authorization_policy', id: run.tenant, name: 'authorizationPolicy', attributes: { ...a }, observedAt: at });
    run.inputs['entra.authorization_policy'] = { observedAt: at };
  } catch (e) {
    run.fail(e, opOf(e, 'entra:GetAuthorizationPolicy'), 'Policy.Read.All', ['entra.authorization_policy']);
  }
}

type Rule = Obj & { id: string };

/** The PIM settings Vigil judges, from one expanded `unifiedRoleManagementPolicyAssignment`; a missing rule is malformed. */
export function rolePolicyAttributes(x: Obj, operation: string): EntraRolePolicyAttributes {
  const id = String(x.id);
  if (!isStr(x.roleDefinitionId) || !isStr(x.policyId)) throw new MalformedReplyError(operation, `policy assignment ${id} without roleDefinitionId or policyId`);
  const policy = x.policy;
  if (!isObj(policy) || !Array.isArray(policy.rules)) throw new MalformedReplyError(operation, `policy assignment ${id} without an expanded policy and its rules`);
  const rules = new Map<string, Rule>();
  for (const r of policy.rules) if (isObj(r) && isStr(r.id)) rules.set(r.id, r as Rule);
  const approval = rules.get('Approval_EndUser_Assignment');
  const setting = approval?.setting;
  if (!isObj(setting) || typeof setting.isApprovalRequired !== 'boolean') throw new MalformedReplyError(operation, `policy ${x.policyId}: rule Approval_EndUser_Assignment without setting.isApprovalRequired`);
  const stages = Array.isArray(setting.approvalStages) ? setting.approvalStages : [];
  const approvers = stages.reduce<number>((n, s) => n + (isObj(s) && Array.isArray(s.primaryApprovers) ? s.primaryApprovers.length : 0), 0);
  const expiry = rules.get('Expiration_Admin_Assignment');
  if (!expiry || typeof expiry.isExpirationRequired !== 'boolean') throw new MalformedReplyError(operation, `policy ${x.policyId}: rule Expiration_Admin_Assignment without isExpirationRequired`);
  const activation = rules.get('Expiration_EndUser_Assignment');
  return {
    roleDefinitionId: x.roleDefinitionId, policyId: x.policyId, approvalRequired: setting.isApprovalRequired, approvers,
    permanentActiveAllowed: !expiry.isExpirationRequired,
    activationMaxDuration: activation && isStr(activation.maximumDuration) ? activation.maximumDuration : null,
  };
}

/** Role management policies of every directory role; without P2 the read fails naming the licence, never an empty list. */
export async function readRolePolicies(run: EntraRun): Promise<void> {
  if (run.tokenFailed) return;
  const op = 'entra:ListRoleManagementPolicyAssignments';
  try {
    const filter = encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'");
    const items = await run.list(`/v1.0/policies/roleManagementPolicyAssignments?$filter=${filter}&$expand=${encodeURIComponent('policy($expand=rules)')}`, op);
    // Every directory role has a policy, so an empty list means the reply lost them.
    if (items.length === 0) throw new MalformedReplyError(op, 'no role management policy listed (every directory role has one)');
    const at = run.observed();
    for (const [i, x] of items.entries()) {
      if (!isObj(x) || !isStr(x.id) || x.id === '') throw new MalformedReplyError(op, `item ${i} has no id`);
      const a = rolePolicyAttributes(x, op);
      run.resources.push({ source: 'entra', scope: run.tenant, type: 'entra.role_policy', id: x.id, name: a.roleDefinitionId, attributes: { ...a }, observedAt: at });
    }
    run.inputs['entra.role_policy'] = { observedAt: at };
  } catch (e) {
    if (e instanceof GraphApiError && e.status === 400 && e.code === PIM_UNLICENSED) {
      run.errors.push({
        operation: op, code: e.code, message: redactSecrets(e.summary), permission: 'Entra ID P2 or ID Governance licence', inputs: ['entra.role_policy'],
        cause: 'denied', retryable: false,
      });
      return;
    }
    run.fail(e, opOf(e, op), 'RoleManagement.Read.Directory', ['entra.role_policy']);
  }
}

/** Graph's answer on identity governance endpoints for a tenant without P2 or ID Governance (HTTP 403). */
const GOVERNANCE_UNLICENSED = 'NoLicense';

/** Which population a review's `scope.query` covers. */
export function reviewTarget(query: string): EntraAccessReviewAttributes['target'] {
  if (/\/roleManagement\/directory\//i.test(query)) return 'privileged_roles';
  if (/userType eq 'Guest'/i.test(query)) return 'guests';
  return 'other';
}

/** A definition and its instances as one resource; a definition or instance missing what the rule reads is malformed. */
export function accessReviewAttributes(d: Obj, instances: unknown[], operation: string): EntraAccessReviewAttributes {
  const id = String(d.id);
  if (!isStr(d.displayName) || !isStr(d.status)) throw new MalformedReplyError(operation, `definition ${id} without displayName or status`);
  const scope = d.scope;
  const query = isObj(scope) && isStr(scope.query) ? scope.query : null;
  if (query === null) throw new MalformedReplyError(operation, `definition ${id} without scope.query`);
  const settings = d.settings;
  if (!isObj(settings)) throw new MalformedReplyError(operation, `definition ${id} without settings`);
  const pattern = isObj(settings.recurrence) && isObj(settings.recurrence.pattern) ? settings.recurrence.pattern : null;
  let last: string | null = null;
  for (const [i, x] of instances.entries()) {
    if (!isObj(x) || !isStr(x.status) || !isStr(x.endDateTime) || Number.isNaN(Date.parse(x.endDateTime))) {
      throw new MalformedReplyError('entra:ListAccessReviewInstances', `definition ${id}: instance ${i} without status or endDateTime`);
    }
    if ((x.status === 'Completed' || x.status === 'Applied') && (last === null || Date.parse(x.endDateTime) > Date.parse(last))) last = x.endDateTime;
  }
  return {
    displayName: d.displayName, status: d.status, target: reviewTarget(query), scopeQuery: query,
    recurrence: pattern && isStr(pattern.type) ? `${pattern.type}/${typeof pattern.interval === 'number' ? pattern.interval : 1}` : null,
    lastCompletedAt: last, instances: instances.length,
  };
}

/** Access review definitions and their instances (P2 / ID Governance); without the licence the read is error, never empty. */
export async function readAccessReviews(run: EntraRun): Promise<void> {
  if (run.tokenFailed) return;
  const op = 'entra:ListAccessReviewDefinitions';
  try {
    const defs = await run.list('/v1.0/identityGovernance/accessReviews/definitions?$top=100', op);
    const at = run.observed();
    const resources = [];
    for (const [i, d] of defs.entries()) {
      if (!isObj(d) || !isStr(d.id) || d.id === '') throw new MalformedReplyError(op, `item ${i} has no id`);
      const instances = await run.list(`/v1.0/identityGovernance/accessReviews/definitions/${encodeURIComponent(d.id)}/instances?$top=100`, 'entra:ListAccessReviewInstances');
      const a = accessReviewAttributes(d, instances, op);
      resources.push({ source: 'entra' as const, scope: run.tenant, type: 'entra.access_review', id: d.id, name: a.displayName, attributes: { ...a }, observedAt: at });
    }
    run.resources.push(...resources);
    run.inputs['entra.access_review'] = { observedAt: at };
  } catch (e) {
    if (e instanceof GraphApiError && e.status === 403 && e.code === GOVERNANCE_UNLICENSED) {
      run.errors.push({
        operation: op, code: e.code, message: redactSecrets(e.summary), permission: 'Entra ID P2 or ID Governance licence', inputs: ['entra.access_review'],
        cause: 'denied', retryable: false,
      });
      return;
    }
    run.fail(e, opOf(e, op), 'AccessReview.Read.All', ['entra.access_review']);
  }
}
