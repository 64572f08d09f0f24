// Normalized Okta resources the collector produces and the okta.* rules read. Attribute names are Vigil's, not Okta's.
import type { IdentityUserAttributes } from './identity.js';

/**
 * `okta.user` — id = Okta user id, name = login. Shared identity fields plus Okta's factor detail.
 * Factors are read only for users who can sign in (ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY);
 * other users carry `mfaFactors: []` and `mfaEnrolled: null`.
 */
export interface OktaUserAttributes extends IdentityUserAttributes {
  mfaFactors: Array<{ factorType: string; provider: string; status: string; method: string }>;
}

/**
 * `okta.admin_role` — one per role a user holds, directly (`USER`) or through a group (`GROUP`, expanded to each
 * member). id = `<userId>:<roleAssignmentId>`; `principalId` is the user, or the group for group-held roles.
 */
export interface OktaAdminRoleAttributes {
  roleType: string;
  label: string;
  assignmentType: 'USER' | 'GROUP';
  principalId: string;
  /** Login of the user holding it (USER assignments). */
  principalLogin: string | null;
  /** The assignment's status as Okta sent it; null when the reply omitted it. */
  status: string | null;
}

/**
 * `okta.policy` — password, global session (OKTA_SIGN_ON), authentication (ACCESS_POLICY) and MFA_ENROLL policies,
 * each with its rules as Okta returned them. id = policy id.
 */
export interface OktaPolicyAttributes {
  type: 'PASSWORD' | 'OKTA_SIGN_ON' | 'ACCESS_POLICY' | 'MFA_ENROLL';
  status: string;
  priority: number | null;
  /** Okta's `system` flag (the built-in default policy); null when the reply omitted it. */
  system: boolean | null;
  /** For PASSWORD policies: `settings.password` (complexity, age, lockout). */
  settings: Record<string, unknown> | null;
  rules: Array<{ id: string; name: string; status: string; priority: number | null; system: boolean | null; conditions: unknown; actions: unknown }>;
}

/** `okta.log_stream` — id = stream id. */
export interface OktaLogStreamAttributes {
  type: string;
  status: string;
}

/**
 * `okta.log_event` — a System Log event read this run (lifecycle deactivate/suspend/unsuspend/activate,
 * privilege grants/revokes). Incremental: each event appears in exactly one snapshot. id = event uuid.
 */
export interface OktaLogEventAttributes {
  eventType: string;
  published: string;
  actor: { id: string; type: string; alternateId: string } | null;
  targets: Array<{ id: string; type: string; alternateId: string; displayName: string }>;
  outcome: string | null;
  /** The time Vigil read it (history read late carries both times). */
  readAt: string;
}

/** `okta.api_token` — an SSWS API token's metadata (never its value). id = token id. */
export interface OktaApiTokenAttributes {
  ownerId: string;
  ownerLogin: string | null;
  /** Admin role types the owner holds; the token acts with them. */
  ownerRoles: string[];
  /** `ANYWHERE`, or `ZONE` when restricted to network zones; null when the reply carried no network settings (unknown). */
  networkConnection: string | null;
  expiresAt: string | null;
  lastUpdated: string | null;
}

/**
 * `okta.org` — one per tenant; id = org host. Facts about the collection itself that rules need.
 */
export interface OktaOrgAttributes {
  orgUrl: string;
  userCount: number;
  /** Whether this run read the System Log (the agent's own export). */
  systemLogRead: boolean;
}

/**
 * Every input key the Okta collector can list in `Snapshot.inputs`. `okta.user.factors` is a facet of `okta.user`
 * (the per-user factor reads) so a factor permission failure errors only the rules that need factors.
 */
export const OKTA_RESOURCE_TYPES = [
  'okta.org',
  'okta.user',
  'okta.user.factors',
  'okta.admin_role',
  'okta.policy',
  'okta.log_stream',
  'okta.log_event',
  'okta.api_token',
] as const;

export type OktaResourceType = (typeof OKTA_RESOURCE_TYPES)[number];
