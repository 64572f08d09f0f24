// Registry of the okta.* rules: one import per rule file.
import type { Rule } from '../../src/core/types.js';
import adminsApiTokensRestricted from './admins/api_tokens_restricted.js';
import adminsInventoryBounded from './admins/inventory_bounded.js';
import logsRetainedExternally from './logs/retained_externally.js';
import policyMfaEnforced from './policy/mfa_enforced.js';
import policyPasswordAndSession from './policy/password_and_session.js';
import usersInactive from './users/inactive.js';
import usersMfaEnrolled from './users/mfa_enrolled.js';

export const oktaRules: Rule[] = [
  usersMfaEnrolled,
  policyMfaEnforced,
  policyPasswordAndSession,
  adminsInventoryBounded,
  adminsApiTokensRestricted,
  usersInactive,
  logsRetainedExternally,
] as unknown as Rule[];
