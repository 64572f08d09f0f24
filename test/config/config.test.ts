// Config loading: env interpolation, validation errors that name file, line and field.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { CONFIG_TEMPLATE } from '../../src/cli/init.js';
import { UsageError } from '../../src/core/errors.js';

const parse = (text: string, env: Record<string, string> = {}) => parseConfigText(text, '/etc/vigil/vigil.config.yaml', env);

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('config', () => {
  it('applies defaults to an empty file', () => {
    const { config } = parse('');
    expect(config.schedule).toBe('0 * * * *');
    expect(config.redis.prefix).toBe('vigil');
    expect(config.frameworks).toEqual(['soc2']);
  });

  it('the template written by `vigil init` is valid', () => {
    const { config } = parse(CONFIG_TEMPLATE, {});
    expect(config.dataDir).toBe('./.vigil');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('interpolates ${VAR} and ${VAR:-default} inside values', () => {
    const { config } = parse('redis:\n  url: ${R}\norigin: ${O:-vigil.local/x}\n', { R: 'redis://h:1' });
    expect(config.redis.url).toBe('redis://h:1');
    expect(config.origin).toBe('vigil.local/x');
  });

  it('names the variable and line when an env var is missing', () => {
    const e = usage(() => parse('schedule: "0 * * * *"\nredis:\n  url: ${REDIS_SECRET_URL}\n'));
    expect(e.message).toContain('/etc/vigil/vigil.config.yaml:3:8');
    expect(e.message).toContain('REDIS_SECRET_URL');
    expect(e.exitCode).toBe(2);
  });

  it('rejects unknown keys with file, line and field', () => {
    const e = usage(() => parse('schedule: "0 * * * *"\nheartbeatMinutes: 5\nredis:\n  prefixx: a\n'));
    expect(e.message).toContain('vigil.config.yaml:4:3: redis: Unrecognized key: "prefixx"');
  });

  it('rejects a bad cron expression naming the field', () => {
    const e = usage(() => parse('schedule: "every hour"\n'));
    expect(e.message).toContain('vigil.config.yaml:1:11: schedule: expected a cron expression');
  });

  it('rejects wrong types naming the field and what was expected', () => {
    const e = usage(() => parse('heartbeatMinutes: often\n'));
    expect(e.message).toContain('heartbeatMinutes');
    expect(e.message.toLowerCase()).toContain('number');
  });

  it('reports YAML syntax errors with a line', () => {
    const e = usage(() => parse('sources:\n  aws: [\n'));
    expect(e.message).toMatch(/vigil\.config\.yaml:\d+:\d+: invalid YAML/);
  });

  it('rejects an unknown source', () => {
    const e = usage(() => parse('sources:\n  gitlab: {}\n'));
    expect(e.message).toContain('gitlab');
  });
});

describe('source config schemas', () => {
  it('config loading validates each source with the very schema its plug-in declares', async () => {
    const { SOURCE_MANIFEST } = await import('../../collectors/manifest.js');
    const { sourcePlugins } = await import('../../src/sources.js');
    expect(SOURCE_MANIFEST.map((s) => s.id).sort()).toEqual(Object.keys(sourcePlugins).sort());
    for (const s of SOURCE_MANIFEST) expect(s.configSchema, s.id).toBe(sourcePlugins[s.id]!.configSchema);
  });
});
