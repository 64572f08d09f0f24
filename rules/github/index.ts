// Registry of the GitHub rules: an explicit list, checked by test/rules/registry.test.ts against the files on disk.
import type { Rule } from '../../src/core/types.js';
import code_scanning from './alerts/code_scanning.js';
import dependabot_sla from './alerts/dependabot_sla.js';
import secret_scanning_open from './alerts/secret_scanning_open.js';
import actions_hardened from './org/actions_hardened.js';
import admin_counts from './org/admin_counts.js';
import inactive_members from './org/inactive_members.js';
import member_privileges_restricted from './org/member_privileges_restricted.js';
import outside_collaborators_governed from './org/outside_collaborators_governed.js';
import saml_sso_enforced from './org/saml_sso_enforced.js';
import third_party_access_inventory from './org/third_party_access_inventory.js';
import two_factor_enforced from './org/two_factor_enforced.js';
import codeowners_enforced from './repo/codeowners_enforced.js';
import default_branch_protected from './repo/default_branch_protected.js';
import dependabot_alerts_enabled from './repo/dependabot_alerts_enabled.js';
import history_protected from './repo/history_protected.js';
import merged_changes_reviewed from './repo/merged_changes_reviewed.js';
import no_admin_bypass from './repo/no_admin_bypass.js';
import pr_review_required from './repo/pr_review_required.js';
import protection_overrides from './repo/protection_overrides.js';
import secret_scanning_enabled from './repo/secret_scanning_enabled.js';
import status_checks_required from './repo/status_checks_required.js';

export const githubRules: Rule[] = [
  two_factor_enforced,
  saml_sso_enforced,
  member_privileges_restricted,
  admin_counts,
  outside_collaborators_governed,
  inactive_members,
  actions_hardened,
  third_party_access_inventory,
  default_branch_protected,
  pr_review_required,
  status_checks_required,
  no_admin_bypass,
  history_protected,
  codeowners_enforced,
  merged_changes_reviewed,
  protection_overrides,
  dependabot_alerts_enabled,
  secret_scanning_enabled,
  dependabot_sla,
  secret_scanning_open,
  code_scanning,
];
