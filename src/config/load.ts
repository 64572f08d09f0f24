// Reads vigil.config.yaml: YAML → ${ENV} interpolation → zod validation, with errors that name file, line and field.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument, LineCounter, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { suggestKey } from './suggest.js';
import { UsageError } from '../core/errors.js';
import { loadFramework, scopeFramework } from '../rules/frameworks.js';
import { configSchema, type VigilConfig, type SourcesConfig } from './schema.js';
import { sourceLine } from '../../collectors/manifest.js';
import { deadlineProblem, sourceDeadlineMs } from './deadline.js';
import type { SourceId } from '../core/types.js';

export interface LoadedConfig {
  config: VigilConfig;
  /** Absolute path of the file read, or undefined when running on the embedded defaults. */
  file?: string;
  dir: string;
  /**
   * Validated per-source plug-in configs. `deadlineMs` is the collection deadline in force (see src/config/deadline.ts);
   * configs built in code may leave it out, and sourceDeadlineMs(schedule) then gives the default.
   */
  sources: Partial<Record<SourceId, { schedule: string; config: unknown; deadlineMs?: number }>>;
  /**
   * `file:line:col` of the setting at `path` (the nearest enclosing node that exists; the key itself when `key` is
   * given), so checks made after loading (rule ids and parameters) can point at the line. Absent for configs built in code.
   */
  locate?: (path: ReadonlyArray<string | number>, key?: string) => string;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Loads and validates a config file. Throws UsageError (exit 2) for anything wrong with it. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(file);
  if (!existsSync(abs)) {
    throw new UsageError('CONFIG_NOT_FOUND', `${file}: no such config file (create one with \`vigil init\`)`);
  }
  if (statSync(abs).isDirectory()) {
    throw new UsageError('CONFIG_NOT_FILE', `${file}: is a directory, not a config file (give the path of a vigil.config.yaml)`);
  }
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'read error';
    throw new UsageError('CONFIG_UNREADABLE', `${file}: cannot read the config file (${code}${code === 'EACCES' ? ': permission denied' : ''})`);
  }
  return parseConfigText(text, abs, env);
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lc.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new UsageError('CONFIG_YAML', `${where(e.pos[0])}: invalid YAML: ${e.message.split('\n')[0]}${flowEnvHint(text, e.pos[0])}`);
  }
  checkAliases(doc, where);
  interpolateEnv(doc, env, where);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    // Anchors and aliases that expand without bound (a "billion laughs" file) or otherwise cannot be resolved.
    throw new UsageError('CONFIG_YAML', `${file}: invalid YAML: ${(e as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw zodToUsage(parsed.error, doc, where, [], configSchema);
  const config = parsed.data;
  const sources = validateSources(config.sources, config.schedule, doc, where);
  validateCriteriaScope(config, doc, where);
  const locate = (path: ReadonlyArray<string | number>, key?: string): string =>
    where((key === undefined ? undefined : keyOffset(doc, [...path], key)) ?? nodeOffset(doc, key === undefined ? [...path] : [...path, key]));
  return { config, file, dir: dirname(file), sources, locate };
}

/** The embedded defaults: no file, no sources unless the caller (the demo) adds them. */
export function defaultConfig(): LoadedConfig {
  return { config: configSchema.parse({}), dir: process.cwd(), sources: {} };
}

/**
 * An unquoted `${VAR}` inside a flow collection (`{ url: ${REDIS_URL} }`) is YAML flow syntax, not text, so the parser
 * stops at its `{`. When the error sits on such a reference, say so and how to quote it.
 */
function flowEnvHint(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  if (!/[{[][^'"]*\$\{/.test(line) && !/:\s*\$\{/.test(line)) return '';
  return ' (an unquoted ${VAR} inside { } or [ ] is read as YAML syntax; quote it, e.g. url: "${REDIS_URL}")';
}

/** An alias whose anchor is missing or comes later is a config mistake at that alias's line, not a crash. */
function checkAliases(doc: Document, where: (o: number | undefined) => string): void {
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        throw new UsageError('CONFIG_YAML', `${where(node.range?.[0])}: invalid YAML: alias *${node.source} has no anchor &${node.source} before it`);
      }
    },
  });
}

function interpolateEnv(doc: Document, env: NodeJS.ProcessEnv, where: (o: number | undefined) => string): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (fallback !== undefined) return fallback;
        throw new UsageError(
          'CONFIG_ENV',
          `${where(node.range?.[0])}: environment variable ${name} is not set (referenced as \${${name}}; use \${${name}:-default} for a default)`,
        );
      });
    },
  });
}

/** `criteria: { <framework>: [...] }` names frameworks and categories or criteria that exist (did-you-mean otherwise). */
function validateCriteriaScope(config: LoadedConfig['config'], doc: Document, where: (o: number | undefined) => string): void {
  for (const [id, chosen] of Object.entries(config.criteria ?? {})) {
    try {
      scopeFramework(loadFramework(id), chosen);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      const msg = e.message.startsWith(`criteria.${id}:`) ? e.message : `criteria.${id}: ${e.message}`;
      throw new UsageError('CONFIG_INVALID', `invalid config:\n  ${where(nodeOffset(doc, ['criteria', id]))}: ${msg}`);
    }
  }
}

function validateSources(
  sources: SourcesConfig,
  defaultSchedule: string,
  doc: Document,
  where: (o: number | undefined) => string,
): LoadedConfig['sources'] {
  const out: LoadedConfig['sources'] = {};
  for (const [id, block] of Object.entries(sources) as Array<[SourceId, Record<string, unknown> | undefined]>) {
    if (!block) continue;
    const schema = sourceLine(id)?.configSchema;
    const { schedule, enabled, deadlineSeconds, ...rest } = block as { schedule?: string; enabled?: boolean; deadlineSeconds?: number };
    if (enabled === false) continue;
    if (!schema) {
      throw new UsageError('CONFIG_SOURCE', `${where(nodeOffset(doc, ['sources', id]))}: source "${id}" is not available in this build`);
    }
    const parsed = schema.safeParse(rest);
    if (!parsed.success) throw zodToUsage(parsed.error, doc, where, ['sources', id], schema);
    const effective = schedule ?? defaultSchedule;
    const problem = deadlineSeconds === undefined ? undefined : deadlineProblem(effective, deadlineSeconds);
    if (problem) {
      throw new UsageError('CONFIG_INVALID', `invalid config:\n  ${where(nodeOffset(doc, ['sources', id, 'deadlineSeconds']))}: sources.${id}.deadlineSeconds: ${problem}`);
    }
    out[id] = { schedule: effective, config: parsed.data, deadlineMs: sourceDeadlineMs(effective, deadlineSeconds) };
  }
  return out;
}

function nodeOffset(doc: Document, path: Array<string | number>): number | undefined {
  for (let i = path.length; i > 0; i--) {
    const node = doc.getIn(path.slice(0, i), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}

/** Where the key itself (not its value) stands in the mapping at `path`. */
function keyOffset(doc: Document, path: Array<string | number>, key: string): number | undefined {
  const map = (path.length ? doc.getIn(path, true) : doc.contents) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | null;
  const pair = map?.items?.find((p) => p.key?.value === key);
  return pair?.key?.range?.[0];
}

function zodToUsage(err: z.ZodError, doc: Document, where: (o: number | undefined) => string, prefix: Array<string | number>, schema: z.ZodType): UsageError {
  const lines = err.issues.slice(0, 5).flatMap((issue) => {
    const rel = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const path = [...prefix, ...rel];
    if (issue.code === 'unrecognized_keys') {
      // Point at each unknown key's own line, with the nearest known key when it looks like a typo.
      return issue.keys.map((key) => {
        const hint = suggestKey(key, schema, rel);
        return `${where(keyOffset(doc, path, key) ?? nodeOffset(doc, [...path, key]))}: ${[...path, key].join('.')}: unknown setting${hint ? ` (did you mean "${hint}"?)` : ''}`;
      });
    }
    const field = path.length ? path.join('.') : '(top level)';
    return [`${where(nodeOffset(doc, path))}: ${field}: ${issue.message}`];
  });
  const more = err.issues.length > 5 ? `\n(and ${err.issues.length - 5} more)` : '';
  return new UsageError('CONFIG_INVALID', `invalid config:\n  ${lines.join('\n  ')}${more}`);
}
