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
  { method: 'GET', url: '/v1/exceptions', role: 'viewer', summary: 'Every exception with its state (active, revoked, expired)' },
  {
    method: 'POST',
    url: '/v1/exceptions',
    role: 'admin',
    summary: 'Grant an exception (risk acceptance); approver must differ from requester; expiry required',
    body: { ruleId: 'string', resourceId: 'string', reason: 'string', requester: 'string', approver: 'string', expires: 'YYYY-MM-DD or ISO 8601' },
  },
  { method: 'POST', url: '/v1/exceptions/:id/revoke', role: 'admin', summary: 'Revoke an active exception', body: { by: 'string', reason: 'string' } },
  { method: 'GET', url: '/v1/reviews', role: 'auditor', summary: 'Access reviews with their state (open, closed) and progress' },
  { method: 'GET', url: '/v1/reviews/:id', role: 'auditor', summary: 'One access review: progress, every decision with the reviewer\'s identity, and its sign-off once closed' },
  { method: 'GET', url: '/v1/reviews/:id/population', role: 'auditor', summary: 'The frozen population of a review (accounts, privileges, last activity, HR status, reviewers), each with its decision' },
  {
    method: 'POST',
    url: '/v1/reviews/:id/decisions',
    // Decisions: REVIEW_DECIDER_ROLES in src/reviews/reviews.ts; when the approver role lands, this becomes its rank.
    role: 'admin',
    summary: 'Record a decision on one account as this token (which must be an assigned reviewer of it); 403 otherwise',
    body: { account: 'SOURCE:SCOPE/NAME', decision: 'keep | revoke | modify', reason: 'string' },
  },
  {
    method: 'POST',
    url: '/v1/exports',
    role: 'auditor',
    summary: 'Auditor evidence export: streams the signed bundle (zip) that `vigil export` writes',
    body: { type: '1 or 2', from: 'YYYY-MM-DD (type 2)', to: 'YYYY-MM-DD (type 2)', asOf: 'YYYY-MM-DD (type 1)', tz: 'IANA zone, default UTC', criteria: 'comma-separated criterion ids', sampleSeed: 'string' },
    produces: 'application/zip',
  },
];
