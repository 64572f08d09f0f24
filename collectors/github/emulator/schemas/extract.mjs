// Extracts the 200 response schemas of the REST endpoints the GitHub collector uses from @octokit/openapi, as plain JSON Schema for ajv.
// Usage: npm install --prefix /tmp/octokit-openapi @octokit/openapi   (outside the repo: the package is ~385 MB)
//        node collectors/github/emulator/schemas/extract.mjs [/tmp/octokit-openapi/node_modules/@octokit/openapi/generated/api.github.com.json] > test/github/fixtures/openapi-schemas.json
import { readFileSync } from 'node:fs';

/** Path template → the operations the collector calls (all GET, 200 replies). */
export const ENDPOINTS = [
  '/orgs/{org}',
  '/orgs/{org}/members',
  '/orgs/{org}/outside_collaborators',
  '/orgs/{org}/repos',
  '/orgs/{org}/actions/permissions',
  '/orgs/{org}/actions/permissions/workflow',
  '/orgs/{org}/installations',
  '/orgs/{org}/dependabot/alerts',
  '/orgs/{org}/secret-scanning/alerts',
  '/orgs/{org}/code-scanning/alerts',
];
const POSTS = ['/app/installations/{installation_id}/access_tokens'];

const file = process.argv[2] ?? '/tmp/octokit-openapi/node_modules/@octokit/openapi/generated/api.github.com.json';
const spec = JSON.parse(readFileSync(file, 'utf8'));

function resolveRef(ref) {
  const parts = ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = spec;
  for (const p of parts) node = node[p];
  return node;
}

/** Inlines $refs (with a cycle guard) and turns OpenAPI 3.0 `nullable: true` into a JSON Schema type union. */
function convert(schema, seen = new Set()) {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    if (seen.has(schema.$ref)) return {};
    const next = new Set(seen);
    next.add(schema.$ref);
    return convert(resolveRef(schema.$ref), next);
  }
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'nullable' || k === 'example' || k === 'examples' || k === 'x-github' || k === 'discriminator') continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, convert(pv, seen)]));
      continue;
    }
    out[k] = convert(v, seen);
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...new Set([...out.type, 'null'])];
    else if (out.enum) out.enum = [...out.enum, null];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const result = {};
for (const [method, paths] of [['get', ENDPOINTS], ['post', POSTS]]) {
  for (const p of paths) {
    const op = spec.paths[p]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${p} not in ${file}`);
    const status = method === 'post' ? '201' : '200';
    let resp = op.responses[status];
    if (resp?.$ref) resp = resolveRef(resp.$ref);
    const schema = resp?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`no ${status} JSON schema for ${method} ${p}`);
    result[`${method.toUpperCase()} ${p}`] = convert(schema);
  }
}
process.stdout.write(JSON.stringify({ source: '@octokit/openapi generated/api.github.com.json', endpoints: result }, null, 1) + '\n');
