// The config schema of each source in this build, without the collectors: loading a config file (every command) does
// not load the AWS, GitHub or IdP client libraries. src/sources.ts holds the whole plug-ins; a test checks both agree.
import type { z } from 'zod';
import type { SourceId } from './core/types.js';
import { awsSourceConfigSchema } from '../collectors/aws/config.js';
import { githubConfigSchema } from '../collectors/github/config.js';
import { oktaConfigSchema } from '../collectors/okta/config.js';
import { entraConfigSchema } from '../collectors/entra/config.js';
import { googleWorkspaceConfigSchema } from '../collectors/google-workspace/config.js';

export const sourceConfigSchemas: Partial<Record<SourceId, z.ZodType>> = {
  aws: awsSourceConfigSchema,
  github: githubConfigSchema,
  okta: oktaConfigSchema,
  'google-workspace': googleWorkspaceConfigSchema,
  entra: entraConfigSchema,
};
