// The API's route table (method, url, role, summary, query and body shapes): routes, the OpenAPI document and the auth
// test are all generated from it; each entry's handler lives in handlers/ with its area.
import type { RouteSpec } from './route-spec.js';

/** The route table: the OpenAPI document and the auth test are both generated from it. */
export const ROUTES: RouteSpec[] = [
  { method: 'GET', url: '/healthz', role: 'public', summary: 'Liveness: the process answers' },
  { method: 'GET', url: '/readyz', role: 'public', summary: 'Readiness: Redis and the evidence store reachable, last run per source not stale (503 otherwise); `degraded` (200) when a source/scope\'s latest run could not read anything, or a witness refused a checkpoint or fell behind. Without a token: `{ready, status, reason?}` only; with any valid token: every check, source, scope and cause' },
  { method: 'GET', url: '/metrics', role: 'viewer', summary: 'Prometheus metrics', produces: 'text/plain' },
  { method: 'GET', url: '/v1/openapi.json', role: 'viewer', summary: 'This API description (OpenAPI 3.1)' },
  {
    method: 'GET',
    url: '/v1/alerts',
    role: 'viewer',
    summary: 'Alerts after a cursor (ledger seq), oldest first; stable paging',
    query: { after: { type: 'integer', description: 'return alerts with seq > after (default -1)' }, limit: { type: 'integer', description: '1-1000, default 100' } },
  },
  { method: 'GET', url: '/v1/alerts.atom', role: 'viewer', summary: 'The newest 50 alerts as an Atom feed', produces: 'application/atom+xml' },
  { method: 'GET', url: '/v1/alerts.json', role: 'viewer', summary: 'The newest 50 alerts as a JSON Feed 1.1', produces: 'application/feed+json' },
  {
    method: 'GET',
    url: '/v1/alerts/stream',
    role: 'viewer',
    summary: 'Server-Sent Events: one `alert` event per alert leaf; resumes from Last-Event-ID',
    query: { after: { type: 'integer', description: 'replay alerts with seq > after (default: only new ones)' } },
    produces: 'text/event-stream',
  },
  { method: 'GET', url: '/v1/posture', role: 'viewer', summary: 'Posture per criterion from the latest runs' },
  {
    method: 'GET',
    url: '/v1/findings',
    role: 'viewer',
    summary: 'Latest result per rule and resource; accepted failures show as `fail (accepted)`',
    query: {
      status: { type: 'string', description: 'pass | fail | error | not_applicable | accepted' },
      rule: { type: 'string', description: 'rule id' },
      source: { type: 'string', description: 'source id' },
      scope: { type: 'string', description: 'account, org or tenant' },
      limit: { type: 'integer', description: 'default 1000' },
    },
  },
  {
    method: 'GET',
    url: '/v1/runs',
    role: 'viewer',
    summary: 'Run leaves after a cursor (ledger seq), each with `health` (failing when the run read nothing)',
    query: { after: { type: 'integer', description: 'seq cursor (default -1)' }, limit: { type: 'integer', description: '1-1000, default 100' } },
  },
  { method: 'GET', url: '/v1/exceptions', role: 'viewer', summary: 'Every exception with its state (pending, active, rejected, revoked, expired)' },
  {
    method: 'POST',
    url: '/v1/exceptions',
    role: 'approver',
    summary: 'Request an exception (risk acceptance), recorded as requested by this token; no effect until a different token approves it. 400 unless the resource fails the rule in the latest runs or force is true',
    body: { ruleId: 'string', resourceId: 'string', reason: 'string', expires: 'YYYY-MM-DD or ISO 8601', id: 'string (optional)', force: 'boolean (optional)' },
  },
  { method: 'POST', url: '/v1/exceptions/:id/approve', role: 'approver', summary: 'Approve a pending request (403 when this token is the requester, names compared after NFKC and confusable folding)' },
  { method: 'POST', url: '/v1/exceptions/:id/reject', role: 'approver', summary: 'Reject a pending request', body: { reason: 'string' } },
  { method: 'POST', url: '/v1/exceptions/:id/revoke', role: 'approver', summary: 'Revoke an active exception (recorded with this token)', body: { reason: 'string' } },
  {
    method: 'POST',
    url: '/v1/exports',
    role: 'auditor',
    summary: 'Auditor evidence export: streams the signed bundle (zip) that `vigil export` writes',
    body: { type: '1 or 2', from: 'YYYY-MM-DD (type 2)', to: 'YYYY-MM-DD (type 2)', asOf: 'YYYY-MM-DD (type 1)', tz: 'IANA zone, default UTC', criteria: 'comma-separated criterion ids', sampleSeed: 'string' },
    produces: 'application/zip',
  },
];
