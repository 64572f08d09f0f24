// Reads vigil.config.yaml: YAML → ${ENV} interpolation → zod validation, with errors that name file, line and field.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument, LineCounter, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
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
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Loads and validates a config file. Throws UsageError (exit 2) for anything wrong with it. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(file);
  if (!existsSync(abs)) {
    throw new UsageError('CONFIG_NOT_FOUND', `${file}: no such config file (create one with \`vigil init\`)`);
  }
  return parseConfigText(readFileSync(abs, 'utf8'), abs, env);
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
    throw new UsageError('CONFIG_YAML', `${where(e.pos[0])}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  interpolateEnv(doc, env, where);
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw zodToUsage(parsed.error, doc, where, []);
  const config = parsed.data;
  const sources = validateSources(config.sources, config.schedule, doc, where);
  return { config, file, dir: dirname(file), sources };
}

/** The embedded defaults: no file, no sources unless the caller (the demo) adds them. */
export function defaultConfig(): LoadedConfig {
  return { config: configSchema.parse({}), dir: process.cwd(), sources: {} };
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
    if (!parsed.success) throw zodToUsage(parsed.error, doc, where, ['sources', id]);
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

function zodToUsage(err: z.ZodError, doc: Document, where: (o: number | undefined) => string, prefix: Array<string | number>): UsageError {
  const lines = err.issues.slice(0, 5).map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const field = path.length ? path.join('.') : '(top level)';
    return `${where(nodeOffset(doc, path))}: ${field}: ${issue.message}`;
  });
  const more = err.issues.length > 5 ? `\n(and ${err.issues.length - 5} more)` : '';
  return new UsageError('CONFIG_INVALID', `invalid config:\n  ${lines.join('\n  ')}${more}`);
}

