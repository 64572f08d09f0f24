// collectors/manifest.ts is the only list of sources: the config schema, the plug-ins, the demo's emulators, the person
// view's inputs, `vigil init`'s template and the SourceId type all give back exactly its ids.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SOURCE_IDS, SOURCE_MANIFEST, sourceLine, type ManifestSourceId } from '../../collectors/manifest.js';
import type { SourceId } from '../../src/core/types.js';
import { configSchema } from '../../src/config/schema.js';
import { parseConfigText } from '../../src/config/load.js';
import { loadSourceDemos, sourcePlugins } from '../../src/sources.js';
import { PEOPLE_INPUTS } from '../../src/pipeline/people.js';
import { CONFIG_TEMPLATE, configTemplate } from '../../src/cli/init.js';
import { IDENTITY_USER_TYPES } from '../../src/core/contracts/identity.js';
import { CROSS_SOURCE_RULES } from '../../rules/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ids = [...SOURCE_IDS].sort();

// Compile-time: the core type (filled in by declaration merging) is exactly the manifest's ids, plus `identity`.
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sourceIdIsTheManifest: Equal<Exclude<SourceId, 'identity'>, ManifestSourceId> = true;

/** Environment variables the templates reference, so a section rendered active can be loaded. */
const TEMPLATE_ENV = { ENTRA_CLIENT_SECRET: 'not-a-secret', GITHUB_TOKEN: 'ghp_example', OKTA_API_TOKEN: 'x', GOOGLE_SA_KEY: 'x' };
const load = (text: string) => parseConfigText(text, '/etc/vigil/vigil.config.yaml', TEMPLATE_ENV);

describe('the source manifest', () => {
  it('lists each source once, with a folder holding its plug-in, emulator half and config', () => {
    expect(sourceIdIsTheManifest).toBe(true);
    expect(new Set(SOURCE_IDS).size).toBe(SOURCE_MANIFEST.length);
    expect(SOURCE_IDS).not.toContain('identity');
    for (const id of SOURCE_IDS) {
      for (const file of ['index.ts', 'demo.ts', 'config.ts']) expect(existsSync(`${ROOT}collectors/${id}/${file}`), `collectors/${id}/${file}`).toBe(true);
    }
    expect(sourceLine('identity')).toBeUndefined();
  });

  it('the config schema accepts exactly the manifest ids under sources:', () => {
    const sources = (configSchema.shape.sources as unknown as z.ZodDefault<z.ZodObject>).unwrap();
    expect(Object.keys(sources.shape).sort()).toEqual(ids);
    for (const id of SOURCE_IDS) expect(configSchema.safeParse({ sources: { [id]: { enabled: false } } }).success, id).toBe(true);
    expect(configSchema.safeParse({ sources: { gitlab: {} } }).success).toBe(false);
    expect(configSchema.safeParse({ sources: { identity: {} } }).success).toBe(false);
  });

  it('the plug-ins are keyed by the manifest ids, each naming itself, with the schema config loading uses', () => {
    expect(Object.keys(sourcePlugins).sort()).toEqual(ids);
    for (const s of SOURCE_MANIFEST) {
      expect(sourcePlugins[s.id]!.id).toBe(s.id);
      expect(sourcePlugins[s.id]!.configSchema, s.id).toBe(s.configSchema);
    }
  });

  it('the demo gets one emulator half per manifest source, and only the ones asked for', async () => {
    expect((await loadSourceDemos()).map((d) => d.id)).toEqual([...SOURCE_IDS]);
    const some = await loadSourceDemos(['okta', 'aws']);
    expect(some.map((d) => d.id)).toEqual(SOURCE_IDS.filter((id) => id === 'okta' || id === 'aws'));
    for (const d of some) {
      expect(typeof d.demo.startEmulator).toBe('function');
      expect(d.plugin).toBe(sourcePlugins[d.id]);
    }
  });

  it('the person view joins the sources with a peopleInput, and every identity provider is one of them', () => {
    expect(Object.keys(PEOPLE_INPUTS).sort()).toEqual(SOURCE_MANIFEST.filter((s) => 'peopleInput' in s).map((s) => s.id).sort());
    for (const s of SOURCE_MANIFEST.filter((x) => x.kind === 'identity-provider')) expect(PEOPLE_INPUTS[s.id], s.id).toBeDefined();
  });

  // Core and rules may not import collectors/, so these two lists cannot derive from the manifest; they must agree with it.
  it("core's identity-user types and the cross-source rules' inputs agree with the manifest", () => {
    const idpInputs = SOURCE_MANIFEST.filter((s) => s.kind === 'identity-provider').map((s) => s.peopleInput);
    expect([...IDENTITY_USER_TYPES].sort()).toEqual(idpInputs.sort());
    // The revocation tracker reads accounts only, not the HR roster (which holds none).
    const accounts = Object.values(PEOPLE_INPUTS).filter((t) => t !== 'hris.employee');
    for (const rule of CROSS_SOURCE_RULES) expect([...rule.inputs].sort(), rule.id).toEqual((rule.id === 'xsys.access_review_revocations' ? accounts : Object.values(PEOPLE_INPUTS)).sort());
  });
});

describe("`vigil init`'s template", () => {
  it('has one section per manifest source, active or commented out, and no other', () => {
    const sections = [...CONFIG_TEMPLATE.matchAll(/^ {2}(?:# )?([a-z][a-z0-9-]*):$/gm)].map((m) => m[1]);
    expect([...sections].sort()).toEqual(ids);
  });

  it('as written, loads with AWS active and every other source commented out', () => {
    expect(Object.keys(load(CONFIG_TEMPLATE).sources)).toEqual(['aws']);
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s's section, written active, loads through its own schema", (id) => {
    const loaded = load(configTemplate([id]));
    expect(Object.keys(loaded.sources)).toEqual([id]);
    // the block was validated by the source's schema: its defaults are filled in
    expect(loaded.sources[id]!.config).toEqual(sourceLine(id)!.configSchema.parse(loaded.config.sources[id as ManifestSourceId] ?? {}));
  });

  it('every section active at once loads every source', () => {
    expect(Object.keys(load(configTemplate(SOURCE_IDS)).sources).sort()).toEqual(ids);
  });
});
