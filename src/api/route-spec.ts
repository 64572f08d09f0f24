// The shape of one HTTP route: what the route table in routes.ts lists and the OpenAPI document is built from.

/** API token roles, each allowed what the ones before it are: `approver` may also request, approve, reject and revoke exceptions. */
export type ApiRole = 'viewer' | 'auditor' | 'approver' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST';
  url: string;
  /** `public` routes are the probes only; everything else needs a token of at least this role. */
  role: ApiRole | 'public';
  summary: string;
  query?: Record<string, { type: 'string' | 'integer'; description: string }>;
  body?: Record<string, unknown>;
  produces?: string;
  /** Largest request body for this route, in bytes. @defaultValue 64 KiB (the server's) */
  bodyLimit?: number;
  /** Also readable with a feed capability token in `?feed=` (viewer scope; see feed-tokens.ts). */
  feed?: boolean;
}
