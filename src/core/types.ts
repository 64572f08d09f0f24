// Domain contracts shared by collectors, rules, the pipeline and the ledger. Keep them small: every later part builds on them.

/**
 * The sources this build collects, one key per line of collectors/manifest.ts. Empty here and filled in there by
 * declaration merging (`declare module`), so core can name every source without importing collectors/: adding a source
 * is its manifest line, never an edit here. Its value type means nothing.
 */
export interface CollectedSources {}

/**
 * A source Vigil can collect from (one folder per source under collectors/, one line in collectors/manifest.ts), or
 * `identity`: the person view derived by the writer from the other sources' recorded runs (src/pipeline/people.ts).
 * `identity` is not in SOURCE_IDS (collectors/manifest.ts) because nobody collects it directly.
 */
export type SourceId = (keyof CollectedSources & string) | 'identity';

/** Outcome of one rule on one resource. `error` means "could not tell" and is never silently dropped. */
export type Status = 'pass' | 'fail' | 'error' | 'not_applicable';

export const STATUSES: readonly Status[] = ['pass', 'fail', 'error', 'not_applicable'];

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/**
 * A normalized thing observed in a source: an IAM user, a repository, an IdP user.
 * `type` is dotted and starts with the source (`aws.iam.user`, `github.repository`, `okta.user`);
 * `scope` is the AWS account, GitHub org or IdP tenant; `id` is stable and unique within the scope (an ARN for AWS).
 */
export interface Resource {
  source: SourceId;
  scope: string;
  type: string;
  id: string;
  name: string;
  region?: string;
  attributes: Record<string, unknown>;
  /** ISO 8601 UTC instant at which the source reported this state. */
  observedAt: string;
}

/**
 * A raw API reply kept as evidence, content-addressed by the sha-256 of `body`.
 * Collectors must strip secrets (credentials, tokens, signed URLs) before building one.
 */
export interface Artifact {
  sha256: string;
  mediaType: string;
  size: number;
  /** What produced it, e.g. `iam:GetAccountAuthorizationDetails#3` (operation and page). */
  label: string;
  body: Buffer;
}

/** Reference to an artifact once its bytes are stored; this is what travels in jobs and leaves. */
export type ArtifactRef = Omit<Artifact, 'body'>;

/**
 * A read that failed. `inputs` names the resource types the failure leaves missing or incomplete,
 * so the rules engine can turn every rule that needs them into `error` results naming `permission`.
 */
export interface CollectionError {
  /** API operation, e.g. `iam:GetAccountAuthorizationDetails`. */
  operation: string;
  /** Stable code: the source's error code (`AccessDenied`, `Throttling`) or a Vigil code. */
  code: string;
  message: string;
  /** The permission that would have allowed the read, e.g. `iam:GetAccountAuthorizationDetails` or `read:org`. */
  permission?: string;
  /** Resource types that are missing or incomplete because of this failure. */
  inputs: string[];
  /**
   * When set, the failure leaves only these resources (ids within `inputs`) incomplete — a field that could not be read
   * for one repository, one user's factors — and the other resources of those types are complete. Rules still run; the
   * engine turns each outcome on a listed resource that is not `fail` into `error`. When absent, the whole of every
   * type in `inputs` is incomplete and every rule needing one of them is `error` on the scope.
   */
  resources?: string[];
  /** What kind of failure this was, so every reason names the real cause (see src/core/failure.ts). */
  cause?: FailureCause;
  retryable: boolean;
}

/**
 * The real cause of a failed read, in words a reason can use:
 * - `denied`: the source answered that the caller may not do this (403 AccessDenied, missing scope) — the only cause
 *   for which "needs permission X" is said;
 * - `unauthenticated`: no credentials, or the source rejected them (401, invalid token, expired key);
 * - `unreachable`: no answer at the network level (connection refused or reset, DNS failure, TLS failure);
 * - `timeout`: no complete answer within the request timeout or the collection deadline;
 * - `throttled`: rate limited, and retries within the deadline did not clear it;
 * - `malformed`: an answer that is not the documented shape (empty body, HTML, truncated JSON, list key missing);
 * - `incomplete`: a well-formed answer that leaves the input incomplete (a page missing, a required row absent,
 *   a per-field error, a field null where access was missing);
 * - `not_found`: the source says the thing does not exist (404) where it must;
 * - `unimplemented`: the source does not support the operation (501, UnknownOperation, feature not available);
 * - `server_error`: the source failed (5xx) and retries did not clear it;
 * - `internal`: a defect in Vigil itself.
 */
export type FailureCause =
  | 'denied'
  | 'unauthenticated'
  | 'unreachable'
  | 'timeout'
  | 'throttled'
  | 'malformed'
  | 'incomplete'
  | 'not_found'
  | 'unimplemented'
  | 'server_error'
  | 'internal';

export const FAILURE_CAUSES: readonly FailureCause[] = [
  'denied',
  'unauthenticated',
  'unreachable',
  'timeout',
  'throttled',
  'malformed',
  'incomplete',
  'not_found',
  'unimplemented',
  'server_error',
  'internal',
];

/**
 * One collection run of one source and scope for one slot.
 * `inputs` lists every resource type the collector attempted; a type absent from `inputs` was not attempted
 * (rules needing it give `error`), a type present with zero resources was collected and is genuinely empty.
 */
export interface Snapshot {
  source: SourceId;
  scope: string;
  /** ISO 8601 UTC instant of the scheduled slot this run belongs to. */
  slot: string;
  startedAt: string;
  endedAt: string;
  resources: Resource[];
  /** Resource types collected, with the instant each was observed. Types hit by an error are still listed in `errors`. */
  inputs: Record<string, { observedAt: string }>;
  artifacts: Artifact[];
  errors: CollectionError[];
  /** API requests made (each page, each retry counts). */
  apiCalls: number;
  /** The fewest requests the source's APIs allow for this estate, when the collector can tell. */
  minApiCalls?: number;
  /** Source-specific run metrics (GraphQL points, 304s, throttles). Numbers only; no secrets. */
  metrics?: Record<string, number>;
  /** Incremental-read cursors to hand to the next run (see CollectContext.cursors); recorded in the run leaf. */
  cursors?: Record<string, string>;
  /**
   * Parts of the period this run knows it cannot evidence (e.g. history older than the source keeps), recorded once as
   * `gap` leaves. `from`/`to` are ISO 8601 UTC instants.
   */
  declaredGaps?: Array<{ from: string; to: string; reason: string }>;
}

/** What a rule returns for one resource; the engine adds rule id and time. */
export interface RuleOutcome {
  resourceId: string;
  status: Status;
  reason: string;
  region?: string;
  /** Small, non-secret facts that support the verdict (ages, counts). */
  details?: Record<string, unknown>;
  /**
   * For `period` rules judging one event: when the event happened at the source (ISO 8601 UTC). Such outcomes are
   * recorded once each as `event` leaves, outside the run's results and their change diff.
   */
  occurredAt?: string;
}

/** One evaluation, as recorded. */
export interface Result extends RuleOutcome {
  ruleId: string;
  observedAt: string;
}

export interface ParamSpec {
  description: string;
  default: unknown;
}

export interface RuleContext<P> {
  /** The evaluation instant; rules never read the clock themselves. */
  now: Date;
  params: P;
}

/**
 * A rule: metadata beside pure logic. `evaluate` is a pure function of the snapshot and context: no I/O,
 * no environment, no clock. The engine handles missing, failed and stale inputs before calling it,
 * so `evaluate` only ever sees inputs that were collected.
 */
export interface Rule<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Dotted id equal to the file path under rules/ (rules/aws/iam/root_mfa_enabled.ts ↔ aws.iam.root_mfa_enabled). */
  id: string;
  /** States the compliant state: "Root user has MFA enabled". */
  title: string;
  severity: Severity;
  source: SourceId;
  /** `snapshot`: judges the current configuration; `period`: judges events over time. */
  mode: 'snapshot' | 'period';
  /** Resource types read; each must be produced by the source's collector. */
  inputs: string[];
  /** Source permissions needed to collect those inputs (e.g. `iam:GenerateCredentialReport`). */
  permissions: string[];
  rationale: string;
  remediation: string;
  params: { [K in keyof P]: ParamSpec };
  /** Inputs older than this at evaluation time make the rule `error`. Default 26 hours. */
  maxInputAgeHours?: number;
  evaluate(snapshot: Snapshot, ctx: RuleContext<P>): RuleOutcome[];
}

/** Summary of one run, as recorded in the ledger's `run` leaf. */
export interface RunSummary {
  source: SourceId;
  scope: string;
  slot: string;
  startedAt: string;
  endedAt: string;
  ruleSetVersion: string;
  populationSize: number;
  apiCalls: number;
  minApiCalls?: number;
  metrics?: Record<string, number>;
  counts: Record<Status, number>;
  /** Set when the collection itself failed or was partial: the errors, with secrets removed. */
  errors: Array<Omit<CollectionError, 'retryable'>>;
  artifacts: ArtifactRef[];
  /**
   * sha-256 of the run's normalized resources blob (`{ inputs, resources }`, canonical, `observedAt` removed): the run
   * can be re-evaluated from the ledger alone, and the person view is rebuilt from it.
   */
  resourcesSha256?: string;
  /** Identity runs only: sha-256 of the per-person access-state blob the offboarding history is rebuilt from. */
  peopleStateSha256?: string;
}
