// github.org.two_factor_enforced: the org requires 2FA and no member or outside collaborator lacks it.
import { defineRule } from '../../../src/rules/define.js';
import { listSome, resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubMemberAttributes, GithubOrgAttributes, GithubOutsideCollaboratorAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.org.two_factor_enforced',
  title: 'The organization requires two-factor authentication and every member and outside collaborator has it',
  severity: 'critical',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.org', 'github.member', 'github.outside_collaborator'],
  permissions: ['read:org (classic, as an organization owner)', 'Organization administration: read', 'Members: read'],
  rationale:
    'A GitHub password alone gives whoever phishes it push access to source code and CI secrets. Requiring 2FA at the org level removes members who do not enrol; listing those without it catches the window before enforcement or the accounts GitHub exempts.',
  remediation:
    'Organization settings → Authentication security → "Require two-factor authentication for everyone". Ask the listed accounts to enrol first, since enabling the requirement removes them from the org.',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const o of resourcesOfType<GithubOrgAttributes>(snapshot, 'github.org')) {
      const a = o.attributes;
      const noMembers = resourcesOfType<GithubMemberAttributes>(snapshot, 'github.member').filter((m) => m.attributes.twoFactorDisabled === true).map((m) => m.id);
      // Every judged account needs a known 2FA state: null (the filter was unreadable) or absent is "could not tell" for
      // outside collaborators as much as for members.
      const unknown = [
        ...resourcesOfType<GithubMemberAttributes>(snapshot, 'github.member'),
        ...resourcesOfType<GithubOutsideCollaboratorAttributes>(snapshot, 'github.outside_collaborator'),
      ].filter((m) => typeof m.attributes.twoFactorDisabled !== 'boolean').map((m) => m.id);
      const noOutside = resourcesOfType<GithubOutsideCollaboratorAttributes>(snapshot, 'github.outside_collaborator').filter((m) => m.attributes.twoFactorDisabled === true).map((m) => m.id);
      const details = { twoFactorRequirementEnabled: a.twoFactorRequirementEnabled, membersWithout2fa: noMembers, outsideCollaboratorsWithout2fa: noOutside, ...(unknown.length ? { twoFactorUnknown: unknown } : {}) };
      const problems: string[] = [];
      if (a.twoFactorRequirementEnabled === false) problems.push('the organization does not require 2FA');
      if (noMembers.length > 0) problems.push(`${noMembers.length} member(s) without 2FA: ${noMembers.join(', ')}`);
      if (noOutside.length > 0) problems.push(`${noOutside.length} outside collaborator(s) without 2FA: ${noOutside.join(', ')}`);
      if (problems.length > 0) out.push({ resourceId: o.id, status: 'fail', reason: `org ${a.login}: ${problems.join('; ')}`, details });
      else if (a.twoFactorRequirementEnabled === null || unknown.length > 0) {
        const what = [a.twoFactorRequirementEnabled === null ? 'the 2FA requirement' : '', unknown.length ? `the 2FA state of ${unknown.length} account(s) (${listSome(unknown)})` : ''].filter(Boolean).join(' and ');
        out.push({ resourceId: o.id, status: 'error', reason: `org ${a.login}: could not tell: ${what} could not be read; the 2FA requirement and the 2fa_disabled lists are visible to organization owners only (read:org as an owner, or Organization administration: read)`, details });
      } else out.push({ resourceId: o.id, status: 'pass', reason: `org ${a.login}: 2FA required and no member or outside collaborator lacks it`, details });
    }
    return out;
  },
});
