// Registry of the google-workspace.* rules: one import per rule file.
import type { Rule } from '../../src/core/types.js';
import alertsRulesEnabled from './alerts/rules_enabled.js';
import adminsSuperAdminBounded from './admins/super_admin_bounded.js';
import policy2svEnforced from './policy/2sv_enforced.js';
import policyPasswordSessionRecovery from './policy/password_session_recovery.js';
import usersInactive from './users/inactive.js';
import users2svEnrolled from './users/2sv_enrolled.js';

export const googleWorkspaceRules: Rule[] = [
  users2svEnrolled,
  adminsSuperAdminBounded,
  usersInactive,
  policy2svEnforced,
  policyPasswordSessionRecovery,
  alertsRulesEnabled,
] as unknown as Rule[];
