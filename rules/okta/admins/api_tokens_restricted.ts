// okta.admins.api_tokens_restricted: no API token is owned by a super admin, and every token is limited to network zones.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { OktaApiTokenAttributes } from '../../../src/core/contracts/okta.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'okta.admins.api_tokens_restricted',
  title: 'Okta API tokens are not owned by super admins and are restricted to network zones',
  severity: 'high',
  source: 'okta',
  mode: 'snapshot',
  inputs: ['okta.api_token', 'okta.admin_role'],
  permissions: ['okta.apiTokens.read', 'okta.roles.read'],
  rationale:
    'An SSWS token acts with its creator\'s rights and no second factor. A super admin\'s token is an unrestricted key to the tenant that needs no second factor; one usable from anywhere turns any leak into a takeover.',
  remediation:
    'Recreate the token as a dedicated service user with the narrowest admin role (or move to an OAuth service app with scopes), and set Security › API › Tokens › network to specific zones.',
  params: {
    requireNetworkZone: { description: 'Fail tokens usable from any network.', default: true },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const t of resourcesOfType<OktaApiTokenAttributes>(snapshot, 'okta.api_token')) {
      const a = t.attributes;
      const owner = a.ownerLogin ?? a.ownerId;
      const problems: string[] = [];
      if (a.ownerRoles.includes('SUPER_ADMIN')) problems.push(`owned by super admin ${owner}`);
      if (params.requireNetworkZone && a.networkConnection !== null && a.networkConnection !== 'ZONE') problems.push(`usable from ${a.networkConnection === 'ANYWHERE' ? 'any network' : a.networkConnection}`);
      const details = { owner, ownerRoles: a.ownerRoles, networkConnection: a.networkConnection };
      if (a.networkConnection === null && params.requireNetworkZone && problems.length === 0) {
        // Okta did not say where the token may be used from: no pass on a setting nobody saw.
        out.push({ resourceId: t.id, status: 'error', reason: `API token "${t.name}": network restriction could not be read`, details });
        continue;
      }
      out.push(problems.length
        ? { resourceId: t.id, status: 'fail', reason: `API token "${t.name}" is ${problems.join(' and ')}`, details }
        : { resourceId: t.id, status: 'pass', reason: `API token "${t.name}" (owner ${owner}) is restricted to network zones and not held by a super admin`, details });
    }
    return out;
  },
});
