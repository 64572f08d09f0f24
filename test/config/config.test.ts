// Config loading: env interpolation, validation errors that name file, line and field.
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { checkRuleSettings, type RuleCatalogue } from '../../src/config/rule-settings.js';
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

  it('reads criteria.<framework> (categories or criterion ids), naming the line and the nearest value of a bad one', () => {
    expect(parse('').config.criteria).toBeUndefined();
    expect(parse('criteria:\n  soc2: [security, availability, C1]\n').config.criteria).toEqual({ soc2: ['security', 'availability', 'C1'] });
    const typo = usage(() => parse('schedule: "0 * * * *"\ncriteria:\n  soc2: [security, privcy]\n'));
    expect(typo.message).toContain('vigil.config.yaml:3:');
    expect(typo.message).toContain('criteria.soc2: "privcy" is neither a category');
    expect(typo.message).toContain('(did you mean "privacy"?)');
    expect(typo.exitCode).toBe(2);
    expect(usage(() => parse('criteria:\n  soc3: [security]\n')).message).toMatch(/criteria\.soc3: .*framework "soc3": no file .*available: iso27001-2022, soc1-itgc, soc2/);
    expect(usage(() => parse('criteria:\n  soc2: security\n')).message).toContain('criteria.soc2: expected a list of categories or criterion ids');
    // Annex A ids must be quoted: YAML reads 5.10 as the number 5.1.
    expect(usage(() => parse('criteria:\n  iso27001-2022: [5.10]\n')).message).toContain('quote numeric ids such as "5.10"');
    expect(usage(() => parse('criteria:\n  iso27001-2022: ["9.1"]\n')).message).toContain('criteria.iso27001-2022: "9.1"');
    expect(parse('criteria:\n  iso27001-2022: ["5.10", "8"]\n').config.criteria).toEqual({ 'iso27001-2022': ['5.10', '8'] });
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
    expect(e.message).toContain('vigil.config.yaml:4:3: redis.prefixx: unknown setting (did you mean "prefix"?)');
  });

  it('names the line of a top-level typo and suggests the key meant; no suggestion for a key unlike any', () => {
    const e = usage(() => parse('heartbeatMinutes: 5\nschedul: "0 * * * *"\nzzzqqq: 1\n'));
    expect(e.message).toContain('vigil.config.yaml:2:1: schedul: unknown setting (did you mean "schedule"?)');
    expect(e.message).toMatch(/vigil\.config\.yaml:3:1: zzzqqq: unknown setting$/m);
    expect(e.message).not.toMatch(/zzzqqq: unknown setting \(did you mean/);
  });

  it('suggests keys inside nested blocks (rules) and source blocks', () => {
    expect(usage(() => parse('rules:\n  disable: []\n')).message).toContain(':2:3: rules.disable: unknown setting (did you mean "disabled"?)');
    expect(usage(() => parse('sources:\n  awss: {}\n')).message).toContain(':2:3: sources.awss: unknown setting (did you mean "aws"?)');
  });

  it('an alias without its anchor is a config error at the alias, not a crash', () => {
    const e = usage(() => parse('a: &x 1\nschedule: *y\n'));
    expect(e.message).toBe('/etc/vigil/vigil.config.yaml:2:11: invalid YAML: alias *y has no anchor &y before it');
  });

  it('aliases that expand without bound (billion laughs) are refused, not expanded', () => {
    const text = 'a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect(usage(() => parse(text)).message).toMatch(/invalid YAML: Excessive alias count/);
  });

  it('explains an unquoted ${VAR} inside a flow map, which YAML reads as syntax', () => {
    const e = usage(() => parse('redis: {url: ${REDIS_URL}}\n', { REDIS_URL: 'redis://h:1' }));
    expect(e.message).toContain('vigil.config.yaml:1:15: invalid YAML');
    expect(e.message).toContain('quote it, e.g. url: "${REDIS_URL}"');
    expect(parse('redis: {url: "${REDIS_URL}"}\n', { REDIS_URL: 'redis://h:1' }).config.redis.url).toBe('redis://h:1');
  });

  it('a directory given as the config file is a usage error naming it', () => {
    const e = usage(() => loadConfigFile(tmpdir()));
    expect(e.message).toBe(`${tmpdir()}: is a directory, not a config file (give the path of a vigil.config.yaml)`);
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

describe('rule settings in config', () => {
  const catalogue: RuleCatalogue = {
    rules: [
      { id: 'aws.iam.access_keys_rotated', params: { maxKeyAgeDays: { default: 90, description: 'd' } } },
      { id: 'aws.iam.root_mfa_enabled', params: {} },
    ],
    otherIds: ['xsys.offboarding_timeliness'],
  };

  it('names file, line and the parameter meant for a parameter typo', () => {
    const loaded = parse('rules:\n  params:\n    aws.iam.access_keys_rotated:\n      maxKeyAgeDay: 60\n');
    const e = usage(() => checkRuleSettings(loaded, catalogue));
    expect(e.message).toBe(
      '/etc/vigil/vigil.config.yaml:4:7: rules.params.aws.iam.access_keys_rotated.maxKeyAgeDay: rule aws.iam.access_keys_rotated has no parameter "maxKeyAgeDay" (did you mean "maxKeyAgeDays"?) (known: maxKeyAgeDays)',
    );
  });

  it('names the line of an unknown rule id in disabled or params, with the id meant', () => {
    const d = usage(() => checkRuleSettings(parse('rules:\n  disabled:\n    - aws.iam.root_mfa_enable\n'), catalogue));
    expect(d.message).toMatch(/^\/etc\/vigil\/vigil\.config\.yaml:3:7: rules\.disabled\.0: unknown rule id "aws\.iam\.root_mfa_enable" \(did you mean "aws\.iam\.root_mfa_enabled"\?\)/);
    const p = usage(() => checkRuleSettings(parse('rules:\n  params:\n    no.such.rule: {}\n'), catalogue));
    expect(p.message).toMatch(/^\/etc\/vigil\/vigil\.config\.yaml:3:5: rules\.params\.no\.such\.rule: unknown rule id "no\.such\.rule" \(see/);
  });

  it('a value of the wrong kind names its line; a right one and cross-source ids pass', () => {
    const e = usage(() => checkRuleSettings(parse('rules:\n  params:\n    aws.iam.access_keys_rotated:\n      maxKeyAgeDays: "60"\n'), catalogue));
    expect(e.message).toMatch(/vigil\.config\.yaml:4:22: rules\.params\.aws\.iam\.access_keys_rotated\.maxKeyAgeDays: expected a number like 90, got string/);
    expect(() => checkRuleSettings(parse('rules:\n  params:\n    aws.iam.access_keys_rotated: { maxKeyAgeDays: 60 }\n    xsys.offboarding_timeliness: { slaHours: 8 }\n'), catalogue)).not.toThrow();
  });
});
