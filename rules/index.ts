// Every rule Vigil ships, per source and cross-source: one import and one spread per source, so each source's list merges without conflicts.
import type { Rule } from '../src/core/types.js';
import { githubInactiveMembers, hrReconciliation, identityReconciliation, offboardingTimeliness, type CrossSourceRule } from './identity/xsys.js';
import { awsRules } from './aws/index.js';
import { githubRules } from './github/index.js';
import { oktaRules } from './okta/index.js';
import { entraRules } from './entra/index.js';
import { googleWorkspaceRules } from './google-workspace/index.js';
import { accessReviewRevocations } from './identity/access-review-revocations.js';

export const allRules: Rule[] = [
  ...awsRules,
  ...githubRules,
  ...oktaRules,
  ...entraRules,
  ...googleWorkspaceRules,
];

/**
 * Rules that read several sources at once (`xsys.*`). They are judged by the writer's identity run over the person
 * view (`evaluatePeople`), not by the per-source engine, so they are listed beside `allRules` rather than in it.
 */
export const CROSS_SOURCE_RULES: CrossSourceRule[] = [identityReconciliation, offboardingTimeliness, hrReconciliation, accessReviewRevocations, githubInactiveMembers];
