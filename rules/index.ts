// Every rule Vigil ships: one import and one spread per source, so each source's list merges without conflicts.
import type { Rule } from '../src/core/types.js';
import { awsRules } from './aws/index.js';
import { githubRules } from './github/index.js';
import { oktaRules } from './okta/index.js';
import { entraRules } from './entra/index.js';
import { googleWorkspaceRules } from './google-workspace/index.js';

export const allRules: Rule[] = [
  ...awsRules,
  ...githubRules,
  ...oktaRules,
  ...entraRules,
  ...googleWorkspaceRules,
];
