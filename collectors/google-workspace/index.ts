// Google Workspace source plug-in: config schema and collector factory for the composition root. The emulator is in demo.ts.
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createGoogleWorkspaceCollector } from './collector.js';
import { googleWorkspaceConfigSchema, type GoogleWorkspaceConfig } from './config.js';

export { GOOGLE_WORKSPACE_RESOURCE_TYPES } from '../../src/core/contracts/google-workspace.js';
export type { GoogleWorkspaceConfig } from './config.js';

export const googleWorkspaceSource: SourcePlugin<GoogleWorkspaceConfig> = {
  id: 'google-workspace',
  configSchema: googleWorkspaceConfigSchema as unknown as SourcePlugin<GoogleWorkspaceConfig>['configSchema'],
  createCollector: createGoogleWorkspaceCollector,
};

export default googleWorkspaceSource;
