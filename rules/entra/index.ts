// Registry of the entra.* rules: one import per rule file.
import type { Rule } from '../../src/core/types.js';
import caAdminsPhishingResistant from './ca/admins_phishing_resistant.js';
import caLegacyAuthBlocked from './ca/legacy_auth_blocked.js';
import caMfaRequiredAllUsers from './ca/mfa_required_all_users.js';
import governanceAccessReviewsConfigured from './governance/access_reviews_configured.js';
import policyExternalAccessRestricted from './policy/external_access_restricted.js';
import rolesGlobalAdminBounded from './roles/global_admin_bounded.js';
import rolesNoStandingPrivilege from './roles/no_standing_privilege.js';
import usersInactive from './users/inactive.js';
import usersMfaRegistered from './users/mfa_registered.js';

export const entraRules: Rule[] = [
  usersMfaRegistered,
  caMfaRequiredAllUsers,
  caLegacyAuthBlocked,
  caAdminsPhishingResistant,
  rolesGlobalAdminBounded,
  usersInactive,
  rolesNoStandingPrivilege,
  policyExternalAccessRestricted,
  governanceAccessReviewsConfigured,
] as unknown as Rule[];
