// Every source this build ships, one line each: adding a source is one folder under collectors/ plus one line here.
//
// Everything that names the sources derives from this list: the source ids (the `SourceId` type in src/core/types.ts,
// SOURCE_IDS below), the config schema's `sources:` keys (src/config/schema.ts) and each block's schema, the plug-ins
// (src/sources.ts), `vigil init`'s template, `vigil demo`'s emulators, the person view's inputs (src/pipeline/people.ts)
// and the tests that loop over sources. It lives at the top of collectors/ because it is the one module that sees every
// source folder; the import-direction test (test/architecture.test.ts) lets it import only collectors/ and src/core/,
// and nothing in src/core/ imports it. The plug-in and the emulator are behind `import()`: the agent loads collectors
// only, and the emulator code (collectors/<source>/demo.ts) is loaded by `vigil demo`, tests and benchmarks alone.
import type { z } from 'zod';
import type { SourceDemo, SourcePlugin } from '../src/core/source-plugin.js';
import { awsSourceConfigSchema, AWS_CONFIG_TEMPLATE } from './aws/config.js';
import { githubConfigSchema, GITHUB_CONFIG_TEMPLATE } from './github/config.js';
import { oktaConfigSchema, OKTA_CONFIG_TEMPLATE } from './okta/config.js';
import { googleWorkspaceConfigSchema, GOOGLE_WORKSPACE_CONFIG_TEMPLATE } from './google-workspace/config.js';
import { entraConfigSchema, ENTRA_CONFIG_TEMPLATE } from './entra/config.js';
import { hrisConfigSchema, HRIS_CONFIG_TEMPLATE } from './hris/config.js';

/**
 * What a source reads: a cloud account, a code host, an identity provider (whose users anchor the person view), or an
 * HR roster (employment status joined to the people, never a person view on its own).
 */
export type SourceKind = 'cloud' | 'code' | 'identity-provider' | 'hr';

export interface SourceManifestLine {
  /** The key under `sources:`, the folder under collectors/ and rules/, and the prefix of its resource and rule ids. */
  id: string;
  /** How people name it, in docs and messages. */
  name: string;
  kind: SourceKind;
  /** Schema of its block under `sources:` (collectors/<id>/config.ts: loading a config needs no collector code). */
  configSchema: z.ZodType;
  /** Its section of the config `vigil init` writes, as YAML at column 0 (collectors/<id>/config.ts). */
  configTemplate: string;
  /** The resource type whose complete read it contributes to the person view (src/pipeline/people.ts), if any. */
  peopleInput?: string;
  /** collectors/<id>/index.ts, default-exporting the production plug-in (config schema, collector factory). */
  plugin: () => Promise<{ default: SourcePlugin<any> }>;
  /** collectors/<id>/demo.ts, default-exporting the emulator and its demo config. `vigil demo`, tests and benchmarks only. */
  demo: () => Promise<{ default: SourceDemo<any> }>;
}

export const SOURCE_MANIFEST = [
  { id: 'aws', name: 'AWS', kind: 'cloud', configSchema: awsSourceConfigSchema, configTemplate: AWS_CONFIG_TEMPLATE, peopleInput: 'aws.iam.user', plugin: () => import('./aws/index.js'), demo: () => import('./aws/demo.js') },
  { id: 'github', name: 'GitHub', kind: 'code', configSchema: githubConfigSchema, configTemplate: GITHUB_CONFIG_TEMPLATE, peopleInput: 'github.member', plugin: () => import('./github/index.js'), demo: () => import('./github/demo.js') },
  { id: 'okta', name: 'Okta', kind: 'identity-provider', configSchema: oktaConfigSchema, configTemplate: OKTA_CONFIG_TEMPLATE, peopleInput: 'okta.user', plugin: () => import('./okta/index.js'), demo: () => import('./okta/demo.js') },
  { id: 'google-workspace', name: 'Google Workspace', kind: 'identity-provider', configSchema: googleWorkspaceConfigSchema, configTemplate: GOOGLE_WORKSPACE_CONFIG_TEMPLATE, peopleInput: 'google-workspace.user', plugin: () => import('./google-workspace/index.js'), demo: () => import('./google-workspace/demo.js') },
  { id: 'entra', name: 'Microsoft Entra ID', kind: 'identity-provider', configSchema: entraConfigSchema, configTemplate: ENTRA_CONFIG_TEMPLATE, peopleInput: 'entra.user', plugin: () => import('./entra/index.js'), demo: () => import('./entra/demo.js') },
  { id: 'hris', name: 'HR roster', kind: 'hr', configSchema: hrisConfigSchema, configTemplate: HRIS_CONFIG_TEMPLATE, peopleInput: 'hris.employee', plugin: () => import('./hris/index.js'), demo: () => import('./hris/demo.js') },
] as const satisfies readonly SourceManifestLine[];

/** The id of a source that is collected (every manifest line); `SourceId` adds the derived `identity`. */
export type ManifestSourceId = (typeof SOURCE_MANIFEST)[number]['id'];

// src/core/types.ts declares an empty `CollectedSources` and derives `SourceId` from its keys; this fills it from the
// lines above, so the core type names every source without core importing collectors/ (declaration merging).
declare module '../src/core/types.js' {
  interface CollectedSources extends Record<ManifestSourceId, true> {}
}

/** Every collected source, in manifest order. */
export const SOURCE_IDS: readonly ManifestSourceId[] = SOURCE_MANIFEST.map((s) => s.id);

/** The manifest line of `id`, or undefined for an id this build does not ship (`identity`, a typo). */
export function sourceLine(id: string): (typeof SOURCE_MANIFEST)[number] | undefined {
  return SOURCE_MANIFEST.find((s) => s.id === id);
}
