// "Did you mean": the known setting nearest to a mistyped key, read from the zod schema at that path.
import type { z } from 'zod';

interface Def {
  type?: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/default/nullable/pipe layers to the schema that holds keys. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = defOf(cur);
    if (d.innerType) cur = d.innerType;
    else break;
  }
  return cur;
}

/** The keys an object schema at `path` (below `schema`) accepts, or [] when there is none there. */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<string | number>): string[] {
  let cur = unwrap(schema);
  for (const p of path) {
    const d = defOf(cur);
    if (d.shape && typeof p === 'string' && d.shape[p]) cur = unwrap(d.shape[p]);
    else if (d.valueType) cur = unwrap(d.valueType);
    else if (d.element) cur = unwrap(d.element);
    else return [];
  }
  const shape = (cur as unknown as { shape?: Record<string, unknown> }).shape ?? defOf(cur).shape;
  return shape ? Object.keys(shape) : [];
}

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length]!;
}

/** The nearest known key to `key` (within a third of its length, at least 2 edits), or undefined. */
export function suggestKey(key: string, schema: z.ZodType, path: ReadonlyArray<string | number>): string | undefined {
  return nearest(key, knownKeysAt(schema, path));
}

/** The nearest of `known` to `key`, when close enough to be a typo. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    if (!best || d < best.d) best = { k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}
