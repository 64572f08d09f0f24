// Every source's request timeout is bounded, and the message a user sees names the file, the line, the field and the bounds.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { SOURCE_IDS, sourceLine } from '../../collectors/manifest.js';
import { REQUEST_TIMEOUT_BOUNDS_MS } from '../../src/core/failure.js';
import { UsageError } from '../../src/core/errors.js';

const { min, max } = REQUEST_TIMEOUT_BOUNDS_MS;
// "between 100 and 300000 ms" or "100–300000 ms": both name the bounds
const namesBounds = (m: string) => m.includes(String(min)) && m.includes(String(max));

describe('requestTimeoutMs bounds', () => {
  it.each(SOURCE_IDS.map((s) => [s]))('%s refuses a timeout outside its bounds, naming them', (source) => {
    const schema = sourceLine(source)?.configSchema;
    expect(schema, `${source} has a config schema`).toBeDefined();
    for (const bad of [0, min - 1, max + 1, 86_400_000]) {
      const r = schema!.safeParse({ requestTimeoutMs: bad });
      expect(r.success).toBe(false);
      const issue = r.error!.issues.find((i) => i.path.join('.') === 'requestTimeoutMs');
      expect(issue, `${source} requestTimeoutMs: ${bad}`).toBeDefined();
      expect(namesBounds(issue!.message), issue!.message).toBe(true);
    }
    for (const ok of [min, 30_000, max]) {
      const r = schema!.safeParse({ requestTimeoutMs: ok });
      expect(r.success ? [] : r.error.issues.filter((i) => i.path.join('.') === 'requestTimeoutMs')).toEqual([]);
    }
  });

  it('the CLI-visible error names file, line, field and bounds', () => {
    const file = '/etc/vigil/vigil.config.yaml';
    try {
      parseConfigText('sources:\n  aws:\n    region: us-east-1\n    requestTimeoutMs: 0\n', file, {});
      throw new Error('expected a UsageError');
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      const m = (e as UsageError).message;
      expect(m).toContain(`${file}:4:`);
      expect(m).toContain('sources.aws.requestTimeoutMs');
      expect(namesBounds(m), m).toBe(true);
      expect((e as UsageError).exitCode).toBe(2);
    }
  });
});

/** Every number setting reachable in a schema, with its path, unwrapping optional/default/object/array/record/union. */
function numberSettings(schema: unknown, path: string[] = [], out: Array<{ path: string; max: number | undefined }> = []): typeof out {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (!def) return out;
  const t = def.type as string;
  if (t === 'number') out.push({ path: path.join('.'), max: (schema as { maxValue?: number | null }).maxValue ?? undefined });
  else if (t === 'object') for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) numberSettings(v, [...path, k], out);
  else if (t === 'array') numberSettings(def.element, [...path, '[]'], out);
  else if (t === 'record') numberSettings(def.valueType, [...path, '*'], out);
  else if (t === 'union') for (const o of def.options as unknown[]) numberSettings(o, path, out);
  else if (t === 'pipe') numberSettings(def.in, path, out);
  else if (def.innerType) numberSettings(def.innerType, path, out);
  return out;
}

describe('every numeric setting has an upper bound', () => {
  it('in the top-level config and in every source block', async () => {
    const { configSchema } = await import('../../src/config/schema.js');
    const found = [...numberSettings(configSchema), ...SOURCE_IDS.flatMap((s) => numberSettings(sourceLine(s)!.configSchema, ['sources', s]))];
    expect(found.length).toBeGreaterThan(20); // the walk reaches the settings (alerts, api, every source)
    // GitHub App and installation ids are identifiers, not amounts; Number.MAX_SAFE_INTEGER is their natural bound.
    const unbounded = found.filter((f) => f.max === undefined || !Number.isFinite(f.max) || (f.max >= Number.MAX_SAFE_INTEGER && !/Id$/.test(f.path)));
    expect(unbounded.map((f) => f.path)).toEqual([]);
  });
});

describe('scopes.retireAfterRuns bounds', () => {
  it('defaults to 24, takes 1 to 10000, and names file, line, field and bounds otherwise', () => {
    const file = '/etc/vigil/vigil.config.yaml';
    expect(parseConfigText('schedule: "0 * * * *"\n', file, {}).config.scopes.retireAfterRuns).toBe(24);
    for (const ok of [1, 10_000]) expect(parseConfigText(`scopes:\n  retireAfterRuns: ${ok}\n`, file, {}).config.scopes.retireAfterRuns).toBe(ok);
    for (const bad of ['0', '10001', '2.5', 'often']) {
      try {
        parseConfigText(`scopes:\n  retireAfterRuns: ${bad}\n`, file, {});
        throw new Error(`expected a UsageError for ${bad}`);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        const m = (e as UsageError).message;
        expect(m).toContain(`${file}:2:`);
        expect(m).toContain('scopes.retireAfterRuns');
        expect(m).toContain('1 to 10000');
      }
    }
  });
});
