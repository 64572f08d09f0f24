// The Google Workspace emulator and the config that points the collector at it: for `vigil demo`, tests and benchmarks
// only, loaded lazily through collectors/manifest.ts so no agent process loads emulator code.
import { generateKeyPairSync } from 'node:crypto';
import { tenantEstate, type SourceDemo } from '../../src/core/source-plugin.js';
import { googleWorkspaceConfigSchema, type GoogleWorkspaceConfig } from './config.js';
import { startGwsEmulator } from './emulator.js';

export { startGwsEmulator, type GwsEmulator, type GwsEmulatorOptions } from './emulator.js';

let demoKey: string | undefined;
/** A throwaway RSA key for the emulator (it checks the assertion's claims, not its signature). */
export function emulatorPrivateKey(): string {
  demoKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return demoKey;
}

export const googleWorkspaceDemo: SourceDemo<GoogleWorkspaceConfig> = {
  startEmulator: (opts) => startGwsEmulator({ port: opts?.port, estate: tenantEstate(opts) }),
  demoConfig: (emulator) => ({
    config: googleWorkspaceConfigSchema.parse({
      subject: 'vigil-reader@example.com',
      serviceAccount: { clientEmail: 'vigil@vigil-emulator.iam.gserviceaccount.com', privateKey: emulatorPrivateKey() },
      tokenUrl: `${emulator.url}/token`, rootUrl: emulator.url, policyRootUrl: emulator.url,
    }),
  }),
};

export default googleWorkspaceDemo;
