// Registry of the AWS rules: an explicit list, checked by test/rules/registry.test.ts against the files on disk.
import type { Rule } from '../../src/core/types.js';
import access_keys_rotated from './iam/access_keys_rotated.js';
import console_users_mfa from './iam/console_users_mfa.js';
import no_dangerous_permissions from './iam/no_dangerous_permissions.js';
import no_direct_user_policies from './iam/no_direct_user_policies.js';
import no_full_admin_policies from './iam/no_full_admin_policies.js';
import password_policy_strong from './iam/password_policy_strong.js';
import privileged_users_mfa from './iam/privileged_users_mfa.js';
import role_trust_and_staleness from './iam/role_trust_and_staleness.js';
import root_credentials_minimized from './iam/root_credentials_minimized.js';
import root_mfa_enabled from './iam/root_mfa_enabled.js';
import root_recent_use from './iam/root_recent_use.js';
import unused_credentials_disabled from './iam/unused_credentials_disabled.js';

export const awsRules: Rule[] = [
  root_mfa_enabled,
  root_credentials_minimized,
  root_recent_use,
  console_users_mfa,
  privileged_users_mfa,
  password_policy_strong,
  access_keys_rotated,
  unused_credentials_disabled,
  no_direct_user_policies,
  no_full_admin_policies,
  no_dangerous_permissions,
  role_trust_and_staleness,
];
