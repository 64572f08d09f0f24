// Pure helpers the entra.ca.* rules share: which Conditional Access policies are enforced and whom they cover.
import type { EntraCaPolicyAttributes } from '../../core/contracts/entra.js';
import type { Typed } from './resources.js';

export function enforced(p: Typed<EntraCaPolicyAttributes>): boolean {
  return p.attributes.state === 'enabled';
}

export function allApps(p: Typed<EntraCaPolicyAttributes>): boolean {
  return (p.attributes.conditions.applications?.includeApplications ?? []).includes('All');
}

export function allUsers(p: Typed<EntraCaPolicyAttributes>): boolean {
  return (p.attributes.conditions.users?.includeUsers ?? []).includes('All');
}

/** Users, groups and roles a policy leaves out. */
export function exclusions(p: Typed<EntraCaPolicyAttributes>): string[] {
  const u = p.attributes.conditions.users ?? {};
  return [...(u.excludeUsers ?? []), ...(u.excludeGroups ?? []), ...(u.excludeRoles ?? [])];
}

export function requiresMfa(p: Typed<EntraCaPolicyAttributes>): boolean {
  const g = p.attributes.grantControls;
  return !!g && ((g.builtInControls ?? []).includes('mfa') || !!g.authenticationStrength);
}
