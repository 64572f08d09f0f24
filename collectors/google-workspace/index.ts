// Google Workspace source plug-in: config schema, collector factory, emulator and demo config for the composition root.
import { generateKeyPairSync } from 'node:crypto';
import type { SourcePlugin } from '../../src/core/source-plugin.js';
import { createGoogleWorkspaceCollector } from './collector.js';
import { googleWorkspaceConfigSchema, type GoogleWorkspaceConfig } from './config.js';
import { startGwsEmulator } from './emulator.js';

export { GOOGLE_WORKSPACE_RESOURCE_TYPES } from '../../src/core/contracts/google-workspace.js';
export type { GoogleWorkspaceConfig } from './config.js';
export { startGwsEmulator, type GwsEmulator, type GwsEmulatorOptions } from './emulator.js';

let demoKey: string | undefined;
/** A throwaway RSA key for the emulator (it checks the assertion's claims, not its signature). */
export function emulatorPrivateKey(): string {
  demoKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return demoKey;
}

export const googleWorkspaceSource: SourcePlugin<GoogleWorkspaceConfig> = {
  id: 'google-workspace',
  configSchema: googleWorkspaceConfigSchema as unknown as SourcePlugin<GoogleWorkspaceConfig>['configSchema'],
  createCollector: createGoogleWorkspaceCollector,
  startEmulator: (opts) => startGwsEmulator({
    port: opts?.port,
    estate: opts?.estate === undefined || opts.estate === 'demo' ? 'demo' : (opts.estate as { users: number; seed?: number }),
  }),
  demoConfig: (emulator) => ({
    config: googleWorkspaceConfigSchema.parse({
      subject: 'vigil-reader@example.com',
      serviceAccount: { clientEmail: 'vigil@vigil-emulator.iam.gserviceaccount.com', privateKey: emulatorPrivateKey() },
      tokenUrl: `${emulator.url}/token`, rootUrl: emulator.url,
    }),
  }),
};
