// Builds the OpenAPI 3.1 description served at /v1/openapi.json from the route table, so the two cannot drift apart.
import type { RouteSpec } from './route-spec.js';
import { VERSION } from '../version.js';

export function openApiDocument(routes: RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = [
      ...[...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(r.query ?? {}).map(([name, q]) => ({ name, in: 'query', required: false, description: q.description, schema: { type: q.type } })),
    ];
    const responses: Record<string, unknown> = { '200': { description: 'OK', content: { [r.produces ?? 'application/json']: {} } } };
    if (r.method === 'POST' && r.url === '/v1/exceptions') responses['201'] = { description: 'Granted' };
    if (r.role !== 'public') {
      responses['401'] = { description: 'Missing or unknown bearer token' };
      responses['403'] = { description: `Token role below ${r.role}` };
    }
    if (r.url === '/readyz') responses['503'] = { description: 'Not ready' };
    if (r.url === '/v1/exports') responses['400'] = { description: 'Bad range, type or criteria' };
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      'x-vigil-role': r.role,
      ...(r.role === 'public' ? { security: [] } : { security: [{ bearer: [] }] }),
      ...(params.length ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: Object.fromEntries(Object.entries(r.body).map(([k, d]) => [k, { type: 'string', description: String(d) }])) } } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Vigil API', version: VERSION, description: 'Alert feed, posture, findings, runs, exceptions and exports. Roles: viewer < auditor < approver < admin.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
