// The source plug-ins this build ships, by id. Adding a source = one import and one entry here.
import type { SourcePlugin } from './core/source-plugin.js';
import type { SourceId } from './core/types.js';
import { awsSource } from '../collectors/aws/index.js';
import { githubSource } from '../collectors/github/index.js';
import { oktaSource } from '../collectors/okta/index.js';
import { entraSource } from '../collectors/entra/index.js';
import { googleWorkspaceSource } from '../collectors/google-workspace/index.js';

export const sourcePlugins: Partial<Record<SourceId, SourcePlugin<any>>> = {
  aws: awsSource,
  github: githubSource,
  okta: oktaSource,
  'google-workspace': googleWorkspaceSource,
  entra: entraSource,
};
