// The source plug-ins this build ships, by id, loaded through collectors/manifest.ts (adding a source is a folder under
// collectors/ and one manifest line, nothing here). Only the production plug-ins load here; emulators never do.
import type { SourceDemo, SourcePlugin } from './core/source-plugin.js';
import type { SourceId } from './core/types.js';
import { SOURCE_MANIFEST, type ManifestSourceId } from '../collectors/manifest.js';

/**
 * Every plug-in, loaded once when this module is first imported (the composition root builds collectors synchronously
 * from it). A plug-in that cannot be loaded fails the import, naming nothing else: a build ships all its sources.
 */
export const sourcePlugins: Readonly<Partial<Record<SourceId, SourcePlugin<any>>>> = Object.fromEntries(
  await Promise.all(SOURCE_MANIFEST.map(async (s) => [s.id, (await s.plugin()).default] as const)),
);

/** One source with its emulator half, for `vigil demo`, tests and benchmarks. */
export interface DemoSource {
  id: ManifestSourceId;
  plugin: SourcePlugin<any>;
  demo: SourceDemo<any>;
}

/**
 * The emulator halves (collectors/<source>/demo.ts) of `ids` (every source by default), in manifest order. Only
 * `vigil demo`, tests and benchmarks call this; test/emulator-isolation.test.ts checks no other command reaches it.
 */
export async function loadSourceDemos(ids: readonly ManifestSourceId[] = SOURCE_MANIFEST.map((s) => s.id)): Promise<DemoSource[]> {
  const lines = SOURCE_MANIFEST.filter((s) => ids.includes(s.id));
  return Promise.all(lines.map(async (s) => ({ id: s.id, plugin: sourcePlugins[s.id]!, demo: (await s.demo()).default })));
}
