// What one Okta collection accumulates as its reads go (resources, errors, complete inputs), and how a failed read is named.
import type { CollectContext } from '../../src/core/collector.js';
import type { CollectionError, Resource, Snapshot } from '../../src/core/types.js';
import { collectionErrorFrom } from '../../src/core/failure.js';
import { OktaApiError, type OktaClient } from './client.js';
import type { OktaConfig } from './config.js';
import type { OktaReader } from './reader.js';

/** Which read failed maps to which permission and which inputs it leaves incomplete. */
const PERMISSIONS: Record<string, { permission: string; inputs: string[] }> = {
  'okta:oauth2/v1/token': { permission: 'okta.users.read', inputs: [] },
  'okta:ListUsers': { permission: 'okta.users.read', inputs: ['okta.org', 'okta.user', 'okta.user.factors'] },
  'okta:ListFactors': { permission: 'okta.users.read', inputs: ['okta.user.factors'] },
  'okta:ListRoleAssignees': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListRolesForUser': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListGroups': { permission: 'okta.groups.read', inputs: ['okta.admin_role'] },
  'okta:ListGroupAssignedRoles': { permission: 'okta.roles.read', inputs: ['okta.admin_role'] },
  'okta:ListGroupUsers': { permission: 'okta.groups.read', inputs: ['okta.admin_role'] },
  'okta:ListPolicies': { permission: 'okta.policies.read', inputs: ['okta.policy'] },
  'okta:ListPolicyRules': { permission: 'okta.policies.read', inputs: ['okta.policy'] },
  'okta:ListLogStreams': { permission: 'okta.logStreams.read', inputs: ['okta.log_stream'] },
  'okta:ListLogEvents': { permission: 'okta.logs.read', inputs: ['okta.log_event'] },
  'okta:ListApiTokens': { permission: 'okta.apiTokens.read', inputs: ['okta.api_token'] },
};

/**
 * A CollectionError for a failed read. The error's own operation (the request that failed, e.g. the token endpoint)
 * names it; the inputs are those of the read the caller attempted (`readOp`).
 */
export function oktaError(e: unknown, readOp: string, extra: { resources?: string[]; inputs?: string[] } = {}): CollectionError {
  const failedOp = e instanceof OktaApiError ? e.operation : (e as { operation?: unknown })?.operation;
  const operation = typeof failedOp === 'string' && failedOp.startsWith('okta:') ? failedOp : readOp;
  const p = PERMISSIONS[operation] ?? PERMISSIONS[readOp] ?? { permission: undefined, inputs: [] };
  const inputs = extra.inputs ?? PERMISSIONS[readOp]?.inputs ?? p.inputs;
  return collectionErrorFrom(e, { operation, inputs, ...(p.permission ? { permission: p.permission } : {}), ...(extra.resources ? { resources: extra.resources } : {}) },
    e instanceof OktaApiError ? { code: e.errorCode, cause: e.cause_ } : {});
}

/** One collection in progress: the reads add to it, `collect` turns it into the Snapshot. */
export interface OktaRun {
  ctx: CollectContext;
  config: OktaConfig;
  orgUrl: string;
  host: string;
  client: OktaClient;
  r: OktaReader;
  resources: Resource[];
  errors: CollectionError[];
  inputs: Snapshot['inputs'];
  /** Now, as the collection's clock says, for `observedAt`. */
  observed(): string;
  push(type: string, id: string, name: string, attributes: object, observedAt: string): void;
  /** Drops every resource of `type` already pushed: a read that failed half-way must not be judged. */
  drop(type: string): void;
}

export function startRun(o: Pick<OktaRun, 'ctx' | 'config' | 'orgUrl' | 'host' | 'client' | 'r'>): OktaRun {
  const run: OktaRun = {
    ...o,
    resources: [],
    errors: [],
    inputs: {},
    observed: () => o.ctx.clock.now().toISOString(),
    push: (type, id, name, attributes, observedAt) =>
      void run.resources.push({ source: 'okta', scope: o.host, type, id, name, attributes: { ...attributes } as Record<string, unknown>, observedAt }),
    drop: (type) => {
      for (let i = run.resources.length - 1; i >= 0; i--) if (run.resources[i]!.type === type) run.resources.splice(i, 1);
    },
  };
  return run;
}
