// Reads GraphQL connections page by page, keeping partial replies (data plus errors[] with paths) instead of failing them whole.
import { SourceError } from '../../src/core/errors.js';
import { MalformedReplyError } from '../../src/core/failure.js';
import type { VigilOctokitClient } from './client.js';

export interface GqlError {
  type?: string;
  message: string;
  path?: Array<string | number>;
}

/** A GraphQL reply with no usable data (only errors): the types drive the cause (FORBIDDEN → denied, …). */
export class GraphqlErrorsError extends SourceError {
  constructor(operation: string, readonly errors: GqlError[]) {
    super('GRAPHQL_ERRORS', `${operation}: ${errors.map((e) => `${e.type ?? 'ERROR'}: ${e.message}`).join('; ').slice(0, 300)}`, { operation });
    this.name = 'GraphqlErrorsError';
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseErrors(operation: string, raw: unknown): GqlError[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new MalformedReplyError(operation, 'errors is not a list');
  return raw.map((e): GqlError => {
    if (!isObject(e) || typeof e.message !== 'string') throw new MalformedReplyError(operation, 'an entry of errors has no message');
    const path = Array.isArray(e.path) && e.path.every((p) => typeof p === 'string' || typeof p === 'number') ? (e.path as Array<string | number>) : undefined;
    return { message: e.message, ...(typeof e.type === 'string' ? { type: e.type } : {}), ...(path ? { path } : {}) };
  });
}

/** One GraphQL request. A reply with `data` is returned with its errors; one without is thrown. */
export async function graphqlOnce(octokit: VigilOctokitClient, operation: string, query: string, variables: Record<string, unknown>): Promise<{ data: Record<string, unknown>; errors: GqlError[] }> {
  const res = await octokit.request('POST /graphql', { query, variables });
  const body = res.data as unknown;
  if (!isObject(body)) throw new MalformedReplyError(operation, `reply is not a JSON object (${typeof body === 'string' ? `${body.length} characters of text` : typeof body})`);
  const errors = parseErrors(operation, body.errors);
  if (body.data === null || body.data === undefined) {
    if (errors.length > 0) throw new GraphqlErrorsError(operation, errors);
    throw new MalformedReplyError(operation, 'reply has neither data nor errors');
  }
  if (!isObject(body.data)) throw new MalformedReplyError(operation, 'data is not an object');
  return { data: body.data, errors };
}

/** Follows `path` from data; `null` where a segment is null (a fact or an error the caller judges), throws where it is absent. */
export function at(operation: string, data: Record<string, unknown>, path: string[]): Record<string, unknown> | null {
  let cur: unknown = data;
  for (const key of path) {
    if (!isObject(cur)) throw new MalformedReplyError(operation, `${path.join('.')}: ${key} has no parent object`);
    if (!(key in cur)) throw new MalformedReplyError(operation, `${path.join('.')}: ${key} missing`);
    cur = cur[key];
    if (cur === null) return null;
  }
  if (!isObject(cur)) throw new MalformedReplyError(operation, `${path.join('.')} is not an object`);
  return cur;
}

export interface ConnectionPage {
  data: Record<string, unknown>;
  errors: GqlError[];
  /** The connection object (with `nodes` checked to be a list), or null when a segment of the path was null. */
  connection: (Record<string, unknown> & { nodes: unknown[] }) | null;
}

/**
 * Every page of one connection (`path` from `data`), honouring `hasNextPage`. A connection without `nodes` or
 * `pageInfo`, or a next page without a cursor, or a cursor that repeats, is malformed: never a short list.
 */
export async function* connectionPages(octokit: VigilOctokitClient, operation: string, query: string, variables: Record<string, unknown>, path: string[]): AsyncGenerator<ConnectionPage> {
  let cursor: string | null = null;
  const seen = new Set<string>();
  for (;;) {
    const { data, errors } = await graphqlOnce(octokit, operation, query, { ...variables, cursor });
    const conn = at(operation, data, path);
    if (conn === null) { yield { data, errors, connection: null }; return; }
    if (!Array.isArray(conn.nodes)) throw new MalformedReplyError(operation, `${path.join('.')}.nodes is not a list`);
    const info = conn.pageInfo;
    if (!isObject(info) || typeof info.hasNextPage !== 'boolean') throw new MalformedReplyError(operation, `${path.join('.')}.pageInfo.hasNextPage missing`);
    yield { data, errors, connection: conn as ConnectionPage['connection'] & object };
    if (!info.hasNextPage) return;
    if (typeof info.endCursor !== 'string' || seen.has(info.endCursor)) throw new MalformedReplyError(operation, `${path.join('.')}.pageInfo: next page without a new endCursor`);
    seen.add(info.endCursor);
    cursor = info.endCursor;
  }
}

/**
 * Splits a page's errors by the connection node they point into (`path` = connection path, `nodes`, index, field…).
 * Errors that point elsewhere (or nowhere) come back under `whole`: they leave the whole read in doubt.
 */
export function errorsByNode(errors: GqlError[], connectionPath: string[]): { byNode: Map<number, Array<{ field: string | null; error: GqlError }>>; whole: GqlError[] } {
  const byNode = new Map<number, Array<{ field: string | null; error: GqlError }>>();
  const whole: GqlError[] = [];
  for (const e of errors) {
    const p = e.path ?? [];
    const prefixOk = connectionPath.every((seg, i) => p[i] === seg) && p[connectionPath.length] === 'nodes' && typeof p[connectionPath.length + 1] === 'number';
    if (!prefixOk) { whole.push(e); continue; }
    const idx = p[connectionPath.length + 1] as number;
    const field = p[connectionPath.length + 2];
    const list = byNode.get(idx) ?? [];
    list.push({ field: typeof field === 'string' ? field : null, error: e });
    byNode.set(idx, list);
  }
  return { byNode, whole };
}
