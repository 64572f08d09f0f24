// docs/ledger.md's leaf table is the leaf catalogue's: every type, its writers, its description and its fields, row for row.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { LEAF_CATALOGUE, LEAF_TYPES } from '../../src/ledger/leaf-catalogue.js';
import { PACKAGE_ROOT } from '../../src/core/package-root.js';

type Def = { type: string; options?: z.core.$ZodType[]; shape?: Record<string, z.core.$ZodType> };

/** `a`, `b?` for an object schema; the first form of a union (the form code writes), as the table shows one. */
function fields(schema: z.core.$ZodType): string {
  const def = schema._zod.def as Def;
  const obj = def.type === 'union' && def.options?.[0] !== undefined ? (def.options[0]._zod.def as Def) : def;
  if (obj.type !== 'object' || obj.shape === undefined) return '';
  return Object.entries(obj.shape)
    .map(([k, v]) => `\`${k}${z.safeParse(v, undefined).success ? '?' : ''}\``)
    .join(', ');
}

/** The table as docs/ledger.md must hold it, generated from the catalogue. */
function leafTable(): string {
  const rows = LEAF_TYPES.map((t) => {
    const spec = LEAF_CATALOGUE[t];
    return `| \`${t}\` | ${spec.writers.join(', ')} | ${spec.description} | ${fields(spec.data)} |`;
  });
  return ['| type | written by | what it records | data (`?`: optional) |', '|---|---|---|---|', ...rows].join('\n');
}

describe('docs/ledger.md leaf table', () => {
  it('lists every catalogue type, and only those, with its writers, description and fields', () => {
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs/ledger.md'), 'utf8');
    const start = doc.indexOf('<!-- leaf-table:start -->');
    const end = doc.indexOf('<!-- leaf-table:end -->');
    expect(start, 'docs/ledger.md has no <!-- leaf-table:start --> marker').toBeGreaterThan(-1);
    const inDoc = doc.slice(start + '<!-- leaf-table:start -->'.length, end).trim();
    const documented = [...inDoc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(documented.filter((t) => !(LEAF_TYPES as string[]).includes(t!)), 'documented but not in the catalogue').toEqual([]);
    expect(LEAF_TYPES.filter((t) => !documented.includes(t)), 'in the catalogue but not documented').toEqual([]);
    // On a mismatch the expected table is printed: paste it between the markers.
    expect(inDoc).toBe(leafTable());
  });
});
