// The Entra (Microsoft Graph) emulator's resource routes: users, registration details, directory roles and PIM
// instances, Conditional Access, security defaults and directory audits, in Graph's JSON shapes.
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { EmuEntraUser, EntraTenant } from './emulator-tenants.js';

/** What the routes need from the server: the tenant, its base URL, and its reply, error and paging helpers. */
export interface GraphRouteContext {
  tenant: EntraTenant;
  base: string;
  send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
  graphError(res: ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>): void;
  paged<T>(res: ServerResponse, url: URL, items: T[], context: string, map?: (t: T) => unknown): void;
}

/** A policy as Graph serializes it: every collection of conditionalAccessUsers/Applications present, empty when unused. */
function caPolicyOut(p: EntraTenant['caPolicies'][number]): unknown {
  const c = (p.conditions ?? {}) as { users?: Record<string, unknown>; applications?: Record<string, unknown>; clientAppTypes?: string[] };
  const list = (o: Record<string, unknown> | undefined, k: string) => (Array.isArray(o?.[k]) ? o![k] : []);
  const users = Object.fromEntries(['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles'].map((k) => [k, list(c.users, k)]));
  const applications = Object.fromEntries(['includeApplications', 'excludeApplications', 'includeUserActions', 'includeAuthenticationContextClassReferences'].map((k) => [k, list(c.applications, k)]));
  const g = p.grantControls as Record<string, unknown> | null | undefined;
  return {
    ...p,
    conditions: { userRiskLevels: [], signInRiskLevels: [], platforms: null, locations: null, ...c, users, applications, clientAppTypes: c.clientAppTypes ?? ['all'] },
    grantControls: g ? { operator: 'OR', customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null, ...g, builtInControls: Array.isArray(g.builtInControls) ? g.builtInControls : [] } : null,
  };
}

const ruleTarget = (caller: string, level: string) => ({ caller, operations: ['all'], level, inheritableSettings: [], enforcedSettings: [] });

/** The rules of one directory role's PIM policy, as Graph lists them under `$expand=policy($expand=rules)`. */
function rolePolicyRules(p: EntraTenant['rolePolicies'][string]): unknown[] {
  return [
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_Admin_Eligibility', isExpirationRequired: false, maximumDuration: 'P365D', target: ruleTarget('Admin', 'Eligibility') },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_Admin_Assignment', isExpirationRequired: !p.permanentActiveAllowed, maximumDuration: 'P180D', target: ruleTarget('Admin', 'Assignment') },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_Admin_Assignment', enabledRules: ['Justification'], target: ruleTarget('Admin', 'Assignment') },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT8H', target: ruleTarget('EndUser', 'Assignment') },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification'], target: ruleTarget('EndUser', 'Assignment') },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule', id: 'Approval_EndUser_Assignment', target: ruleTarget('EndUser', 'Assignment'),
      setting: {
        isApprovalRequired: p.approvalRequired, isApprovalRequiredForExtension: false, isRequestorJustificationRequired: true, approvalMode: 'SingleStage',
        approvalStages: [{
          approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, isEscalationEnabled: false, escalationApprovers: [],
          primaryApprovers: p.approvers.map((id) => ({ '@odata.type': '#microsoft.graph.singleUser', userId: id, description: null })),
        }],
      },
    },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule', id: 'AuthenticationContext_EndUser_Assignment', isEnabled: false, claimValue: null, target: ruleTarget('EndUser', 'Assignment') },
    { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule', id: 'Notification_Admin_EndUser_Assignment', notificationType: 'Email', recipientType: 'Admin', notificationLevel: 'All', isDefaultRecipientsEnabled: true, notificationRecipients: [], target: ruleTarget('EndUser', 'Assignment') },
  ];
}

/** roleManagementPolicyAssignments: `$filter` on scopeId and scopeType is required, as Graph requires it; rules only when expanded. */
function rolePolicyAssignments(g: GraphRouteContext, res: ServerResponse, url: URL): void {
  const filter = url.searchParams.get('$filter') ?? '';
  if (!/scopeId eq '\/'/.test(filter) || !/scopeType eq '(DirectoryRole|Directory)'/.test(filter)) {
    return g.graphError(res, 400, 'BadRequest', 'The query specified in the URI is not valid. A filter on scopeId and scopeType is required.');
  }
  const expand = url.searchParams.get('$expand') ?? '';
  const tenantPart = `DirectoryRole_${g.tenant.tenantId}`;
  const items = g.tenant.roleDefinitions.map((d, i) => {
    const policyId = `${tenantPart}_${String(i + 1).padStart(8, '0')}-0000-4000-8000-0000000000aa`;
    const settings = g.tenant.rolePolicies[d.id] ?? { approvalRequired: false, approvers: [], permanentActiveAllowed: true };
    const policy = {
      id: policyId, displayName: 'DirectoryRole', description: 'DirectoryRole', isOrganizationDefault: false, scopeId: '/', scopeType: 'DirectoryRole',
      lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null },
      ...(expand.includes('$expand=rules') ? { rules: rolePolicyRules(settings) } : {}),
    };
    return { id: `${policyId}_${d.id}`, policyId, scopeId: '/', scopeType: 'DirectoryRole', roleDefinitionId: d.id, ...(expand.startsWith('policy') ? { policy } : {}) };
  });
  return g.paged(res, url, items, expand ? 'policies/roleManagementPolicyAssignments(policy(rules()))' : 'policies/roleManagementPolicyAssignments');
}

/** accessReviewScheduleDefinition list, and one definition's instances, in Graph's shapes. */
function accessReviews(g: GraphRouteContext, res: ServerResponse, url: URL): void {
  const inst = /\/definitions\/([^/]+)\/instances$/.exec(url.pathname);
  if (inst) {
    const d = g.tenant.accessReviews.find((x) => x.id === decodeURIComponent(inst[1]!));
    if (!d) return g.graphError(res, 404, 'NotFound', `Access review definition ${inst[1]} not found.`);
    return g.paged(res, url, d.instances, `identityGovernance/accessReviews/definitions('${d.id}')/instances`, (i) => ({
      ...i, scope: { '@odata.type': '#microsoft.graph.accessReviewQueryScope', query: d.query, queryType: 'MicrosoftGraph', queryRoot: null }, fallbackReviewers: [], reviewers: [],
    }));
  }
  return g.paged(res, url, g.tenant.accessReviews, 'identityGovernance/accessReviews/definitions', (d) => ({
    id: d.id, displayName: d.displayName, status: d.status, createdDateTime: '2025-01-10T09:00:00Z', lastModifiedDateTime: '2025-01-10T09:00:00Z', descriptionForAdmins: '',
    descriptionForReviewers: '', createdBy: { id: g.tenant.users[0]!.id, displayName: g.tenant.users[0]!.displayName, userPrincipalName: g.tenant.users[0]!.userPrincipalName },
    scope: { '@odata.type': '#microsoft.graph.accessReviewQueryScope', query: d.query, queryType: 'MicrosoftGraph', queryRoot: null },
    instanceEnumerationScope: null, reviewers: [], fallbackReviewers: [], backupReviewers: [],
    settings: {
      mailNotificationsEnabled: true, reminderNotificationsEnabled: true, justificationRequiredOnApproval: true, defaultDecisionEnabled: false, defaultDecision: 'None',
      instanceDurationInDays: 14, autoApplyDecisionsEnabled: true, recommendationsEnabled: true,
      recurrence: d.recurrence ? { pattern: { type: d.recurrence.type, interval: d.recurrence.interval, month: 0, dayOfMonth: 0, daysOfWeek: [], firstDayOfWeek: 'sunday', index: 'first' }, range: { type: 'noEnd', numberOfOccurrences: 0, recurrenceTimeZone: null, startDate: '2025-01-10', endDate: '9999-12-31' } } : null,
      applyActions: [],
    },
  }));
}

/** A GET that passed authentication, throttling, licence and permission checks: the resource in Graph's shape. */
export function serveGraph(g: GraphRouteContext, res: ServerResponse, url: URL, select: string[]): void {
  const path = url.pathname;
  const principalOf = (id: string): Record<string, unknown> | null => {
    const u = g.tenant.users.find((x) => x.id === id);
    if (u) return { '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName };
    const grp = g.tenant.groups.find((x) => x.id === id);
    if (grp) return { '@odata.type': '#microsoft.graph.group', id: grp.id, displayName: grp.displayName, isAssignableToRole: grp.isAssignableToRole };
    const sp = g.tenant.servicePrincipals.find((x) => x.id === id);
    if (sp) return { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, displayName: sp.displayName, appId: sp.appId };
    return null;
  };
  const expand = <T extends { principalId: string }>(a: T): T & { principal?: unknown } => (url.searchParams.get('$expand') === 'principal' ? { ...a, principal: principalOf(a.principalId) } : a);
  if (path.startsWith('/v1.0/identityGovernance/accessReviews/definitions')) return accessReviews(g, res, url);
  const groupMembers = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers$/.exec(path);
  if (groupMembers) {
    const grp = g.tenant.groups.find((x) => x.id === decodeURIComponent(groupMembers[1]!));
    if (!grp) return g.graphError(res, 404, 'Request_ResourceNotFound', `Resource '${groupMembers[1]}' does not exist or one of its queried reference-property objects are not present.`);
    return g.paged(res, url, grp.members, 'directoryObjects', (id) => principalOf(id));
  }

  const userOut = (u: EmuEntraUser) => {
    const full: Record<string, unknown> = { ...u };
    delete full.methods;
    const s = u.signInActivity;
    // A user with no recorded sign-in attempt has no signInActivity in the reply.
    if (!s.lastSignInDateTime && !s.lastNonInteractiveSignInDateTime && !s.lastSuccessfulSignInDateTime) delete full.signInActivity;
    else full.signInActivity = { ...s, lastSignInRequestId: randomUUID(), lastNonInteractiveSignInRequestId: randomUUID(), lastSuccessfulSignInRequestId: randomUUID() };
    if (select.length === 0) { delete full.signInActivity; return full; }
    return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
  };
  switch (path) {
    case '/v1.0/users': return g.paged(res, url, g.tenant.users, `users(${select.join(',')})`, userOut);
    case '/v1.0/reports/authenticationMethods/userRegistrationDetails':
      return g.paged(res, url, g.tenant.users, 'reports/authenticationMethods/userRegistrationDetails', (u) => {
        const admin = g.tenant.roleAssignments.some((a) => a.principalId === u.id);
        const mfa = u.methods.some((m) => m !== 'email' && m !== 'securityQuestion');
        return {
          id: u.id, userPrincipalName: u.userPrincipalName, userDisplayName: u.displayName, userType: u.userType === 'Guest' ? 'guest' : 'member',
          isAdmin: admin, isSsprRegistered: u.methods.length > 0, isSsprEnabled: true, isSsprCapable: u.methods.length > 0,
          isMfaRegistered: mfa, isMfaCapable: mfa, isPasswordlessCapable: u.methods.includes('fido2') || u.methods.includes('windowsHelloForBusiness'),
          methodsRegistered: u.methods, isSystemPreferredAuthenticationMethodEnabled: false, systemPreferredAuthenticationMethods: [],
          userPreferredMethodForSecondaryAuthentication: u.methods[0] ?? 'none', lastUpdatedDateTime: u.createdDateTime,
        };
      });
    case '/v1.0/roleManagement/directory/roleDefinitions': return g.paged(res, url, g.tenant.roleDefinitions, 'roleManagement/directory/roleDefinitions');
    case '/v1.0/roleManagement/directory/roleAssignments':
      return g.paged(res, url, g.tenant.roleAssignments, 'roleManagement/directory/roleAssignments(principal())', expand);
    case '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances':
      return g.paged(res, url, g.tenant.eligibilities, 'roleManagement/directory/roleEligibilityScheduleInstances(principal())', (e) => expand({
        ...e, appScopeId: null, memberType: 'Direct', roleEligibilityScheduleId: `${e.id}-schedule`,
      }));
    case '/v1.0/roleManagement/directory/roleAssignmentScheduleInstances': {
      // Every active assignment has an instance: the permanent ones ('Assigned', no end) and PIM activations ('Activated').
      const all = [
        ...g.tenant.roleAssignments.map((a) => ({ ...a, startDateTime: null, endDateTime: null, assignmentType: 'Assigned' })),
        ...g.tenant.pimActive.map((a) => ({ ...a, assignmentType: 'Activated' })),
      ];
      return g.paged(res, url, all, 'roleManagement/directory/roleAssignmentScheduleInstances(principal())', (a) => expand({
        ...a, appScopeId: null, memberType: 'Direct', roleAssignmentOriginId: a.id, roleAssignmentScheduleId: `${a.id}-schedule`,
      }));
    }
    case '/v1.0/identity/conditionalAccess/policies': return g.paged(res, url, g.tenant.caPolicies, 'identity/conditionalAccess/policies', caPolicyOut);
    case '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy':
      return g.send(res, 200, { '@odata.context': `${g.base}/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`, id: '00000000-0000-0000-0000-000000000005', displayName: 'Security Defaults', description: 'Security defaults is a set of basic identity security mechanisms recommended by Microsoft.', isEnabled: g.tenant.securityDefaults });
    case '/v1.0/policies/authorizationPolicy': {
      const a = g.tenant.authorization;
      return g.send(res, 200, {
        '@odata.context': `${g.base}/v1.0/$metadata#policies/authorizationPolicy/$entity`, id: 'authorizationPolicy', displayName: 'Authorization Policy',
        description: 'Used to manage authorization related settings across the company.', allowInvitesFrom: a.allowInvitesFrom,
        allowedToSignUpEmailBasedSubscriptions: true, allowedToUseSSPR: true, allowEmailVerifiedUsersToJoinOrganization: false, allowUserConsentForRiskyApps: false,
        blockMsolPowerShell: false, guestUserRoleId: a.guestUserRoleId,
        defaultUserRolePermissions: {
          allowedToCreateApps: true, allowedToCreateSecurityGroups: true, allowedToCreateTenants: true, allowedToReadBitlockerKeysForOwnedDevice: true,
          allowedToReadOtherUsers: true, permissionGrantPoliciesAssigned: a.permissionGrantPoliciesAssigned,
        },
      });
    }
    case '/v1.0/policies/adminConsentRequestPolicy':
      return g.send(res, 200, {
        '@odata.context': `${g.base}/v1.0/$metadata#policies/adminConsentRequestPolicy/$entity`, isEnabled: g.tenant.adminConsent.isEnabled,
        notifyReviewers: g.tenant.adminConsent.isEnabled, remindersEnabled: g.tenant.adminConsent.isEnabled, requestDurationInDays: g.tenant.adminConsent.isEnabled ? 30 : 0,
        version: 1, reviewers: g.tenant.adminConsent.reviewers,
      });
    case '/v1.0/policies/roleManagementPolicyAssignments': return rolePolicyAssignments(g, res, url);
    case '/v1.0/auditLogs/directoryAudits': {
      const filter = url.searchParams.get('$filter') ?? '';
      const ge = /activityDateTime ge ([0-9T:.Z-]+)/.exec(filter)?.[1];
      const names = new Set([...filter.matchAll(/activityDisplayName eq '([^']+)'/g)].map((m) => m[1]));
      const list = g.tenant.audits
        .filter((a) => (!ge || Date.parse(a.activityDateTime) >= Date.parse(ge)) && (names.size === 0 || names.has(a.activityDisplayName)))
        .sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
      return g.paged(res, url, list, 'auditLogs/directoryAudits');
    }
  }
  return g.graphError(res, 400, 'BadRequest', 'Unsupported');
}
