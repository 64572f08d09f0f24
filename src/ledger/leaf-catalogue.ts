// The leaf catalogue: every leaf type the ledger may hold, its body schema and TypeScript type, and which processes may append it.
// zod/mini, not zod: the catalogue is bundled into every evidence bundle's verify/verify.mjs, where mini costs ~55 KB
// and the full API ~750 KB. Messages come from the English locale, loaded here (mini loads none by itself).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { AppError } from '../core/errors.js';

z.config(en());

/**
 * The processes that open the ledger writable (docs/architecture.md, "Who writes the ledger"). A ledger is opened with
 * one of them, and `append()` refuses a type whose entry below does not list it. `ledger` is the ledger itself
 * (genesis, alarm, day seals) and cannot be chosen by a caller.
 */
export const WRITER_ROLES = ['writer', 'collect', 'api', 'exceptions', 'worker', 'evidence', 'review'] as const;
export type WriterRole = (typeof WRITER_ROLES)[number];
export type LeafAuthor = WriterRole | 'ledger';

/** Why a scope was retired (`scope.retired`): its config no longer names it, its source stopped listing it, or a person said so. */
export const RETIRE_WHY = ['removed-from-config', 'not-seen', 'operator'] as const;

/** What an `alert` leaf is about (also the `kinds` filter of a sink in the config). */
export const ALERT_KINDS = ['broke', 'recovered', 'error', 'gap', 'exception.expiring', 'exception.expired', 'timestamp.failed', 'witness', 'publish', 'evidence.due', 'evidence.overdue'] as const;

export interface LeafSpec<S extends z.core.$ZodType = z.core.$ZodType> {
  /** One line for docs/ledger.md's leaf table. */
  description: string;
  /** Who may append it; the ledger checks this at append. */
  writers: readonly LeafAuthor[];
  /** The leaf's own fields (everything but the envelope: v, seq, type, observedAt, source, scope, idempotencyKey). */
  data: S;
}

/** A catalogue of leaf types. Vigil's is LEAF_CATALOGUE; ledger mechanics tests pass their own to `Ledger.open`. */
export type LeafCatalogue = Readonly<Record<string, LeafSpec>>;

const leaf = <S extends z.core.$ZodType>(description: string, writers: readonly LeafAuthor[], data: S): LeafSpec<S> => ({ description, writers, data });

// A run's collection errors and artifacts are shapes owned by the collectors: checked for the fields readers rely on
// and otherwise passed through. Everything else is strict, so a misspelt or stray field is named at append.
const severity = z.enum(['critical', 'high', 'medium', 'low']);
const nonNegInt = z.int().check(z.minimum(0));
const counts = z.record(z.string(), z.number());
const collectionError = z.looseObject({ operation: z.string(), code: z.string(), message: z.string() });
const artifactRef = z.looseObject({ sha256: z.string() });
// Who made a decision (src/core/principal.ts): an API token or dashboard session (name and role), or the OS account
// running the CLI.
const principal = z.union([
  z.strictObject({ kind: z.literal('token'), name: z.string(), role: z.string() }),
  z.strictObject({ kind: z.literal('session'), name: z.string(), role: z.string() }),
  z.strictObject({ kind: z.literal('local'), name: z.string() }),
]);
// `requester`/`approver` are typed names in a grant from exceptions.yaml (and in grants written before two-step
// approval); in an approved request they are the principals described, which `requestedBy`/`approvedBy` hold.
const exceptionGrant = z.strictObject({
  id: z.string(),
  ruleId: z.string(),
  resourceId: z.string(),
  reason: z.string(),
  requester: z.string(),
  approver: z.string(),
  expiresAt: z.string(),
  origin: z.string(),
  requestedBy: z.optional(principal),
  approvedBy: z.optional(principal),
});
// A request for an exception: no effect until a different principal approves it. `forced`: requested with --force
// although the resource had no failing result for the rule.
const exceptionRequest = z.strictObject({
  id: z.string(),
  ruleId: z.string(),
  resourceId: z.string(),
  reason: z.string(),
  expiresAt: z.string(),
  origin: z.string(),
  requestedBy: principal,
  forced: z.optional(z.boolean()),
});
// An approval or rejection carries a copy of the request (with when it was requested), as end leaves carry the grant.
const exceptionDecided = z.strictObject({ ...exceptionRequest.shape, requestedSeq: nonNegInt, requestedAt: z.string() });
// An end leaf carries a copy of the grant it ends (with when it was granted) so a report whose slice starts after the
// grant can still name it; end leaves written before that carry only the id.
const exceptionEnd = z.strictObject({
  exceptionId: z.string(),
  by: z.string(),
  reason: z.string(),
  exception: z.optional(z.strictObject({ ...exceptionGrant.shape, grantedSeq: nonNegInt, grantedAt: z.string(), requestedAt: z.optional(z.string()), forced: z.optional(z.boolean()) })),
  /** The principal that revoked it (absent on expiry, on file removal and on revocations written before principals). */
  byPrincipal: z.optional(principal),
});
const alertItem = z.strictObject({ resourceId: z.string(), from: z.nullable(z.string()), to: z.string(), reason: z.string(), since: z.optional(z.string()), region: z.optional(z.string()) });

// A witness that refused a checkpoint (fork, bad proof, bad cosignature…), or has cosigned none of the last N.
const witnessAlert = z.strictObject({
  name: z.string(),
  failure: z.string(),
  checkpointSize: nonNegInt,
  message: z.string(),
  missingCheckpoints: z.optional(nonNegInt),
});

// A WORM copy that could not be written or verified: which target, why, and how many objects wait.
const publishAlert = z.strictObject({
  target: z.literal('s3'),
  bucket: z.string(),
  failure: z.string(),
  message: z.string(),
  key: z.optional(z.string()),
  pending: nonNegInt,
});
// A manual evidence record (src/rules/manual-evidence.ts EvidenceData); the file is the blob `sha256`.
const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
// Who recorded or withdrew manual evidence (src/rules/manual-evidence.ts EvidenceUploader).
const evidencePrincipal = z.strictObject({ kind: z.enum(['token', 'session', 'local']), name: z.string(), role: z.optional(z.string()) });
const evidenceAdded = z.strictObject({
  id: z.string().check(z.regex(/^ev_[0-9a-f]{12}$/)),
  framework: z.string(),
  criterion: z.string(),
  requirement: z.string(),
  title: z.string(),
  sha256: hex64,
  size: nonNegInt,
  mediaType: z.string(),
  fileName: z.string(),
  effectiveAt: z.string(),
  expiresAt: z.nullable(z.string()),
  owner: z.nullable(z.string()),
  ownerName: z.nullable(z.string()),
  uploader: evidencePrincipal,
  confidential: z.boolean(),
  subject: z.optional(z.string()),
});
// A requirement that became due or overdue (src/rules/manual-evidence.ts dueStates), once per transition.
const evidenceAlert = z.strictObject({
  criterion: z.string(),
  requirement: z.string(),
  title: z.string(),
  owner: z.nullable(z.string()),
  state: z.enum(['due', 'overdue']),
  expiresAt: z.optional(z.nullable(z.string())),
  latest: z.optional(z.string()),
  hires: z.optional(z.array(z.string())),
  reason: z.string(),
});

// Access reviews (src/reviews/): who acted is an authenticated principal (src/core/principal.ts), never a typed name.
const sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const REVIEW_DECISIONS = ['keep', 'revoke', 'modify'] as const;
const REVIEW_WRITERS = ['writer', 'review'] as const;
const REVIEW_DECIDERS = ['writer', 'api', 'review'] as const;

const WRITER_ONLY = ['writer'] as const;
const RUN_WRITERS = ['writer', 'collect'] as const;
const EXCEPTION_WRITERS = ['writer', 'api', 'exceptions'] as const;
/** Operator declarations made at the CLI (`vigil gaps declare`), which opens the ledger as `exceptions`. */
const OPERATOR_WRITERS = ['writer', 'exceptions'] as const;

export const LEAF_CATALOGUE = {
  'ledger.genesis': leaf(
    'seq 0 of a new ledger: how to read the rest, and which key signs it',
    ['ledger'],
    z.strictObject({
      format: z.string(),
      origin: z.string(),
      ledgerId: z.nullable(z.string()),
      tree: z.string(),
      leafEncoding: z.string(),
      checkpointFormat: z.string(),
      keyId: z.string(),
      publicKey: z.string(),
      vkey: z.string(),
    }),
  ),
  'ledger.alarm': leaf(
    'the self-check (or a checkpoint) found stored data that disagrees with what was signed; once per distinct alarm',
    ['ledger'],
    z.strictObject({
      message: z.string(),
      firstBadSeq: z.optional(z.nullable(nonNegInt)),
      lastCheckpointSize: z.optional(z.nullable(nonNegInt)),
      storedLeaves: z.optional(nonNegInt),
      size: z.optional(nonNegInt),
    }),
  ),
  'key.rotated': leaf(
    "the ledger's signing key replaced: old and new public keys, when, by whom, a statement signed by both keys (rotation.ts)",
    ['ledger'],
    z.strictObject({
      origin: z.string(),
      oldKeyId: z.string(),
      oldFingerprint: z.string(),
      oldPublicKey: z.string(),
      newKeyId: z.string(),
      newFingerprint: z.string(),
      newPublicKey: z.string(),
      newVkey: z.string(),
      rotatedAt: z.string(),
      by: z.strictObject({ kind: z.literal('local'), name: z.string() }),
      oldSignature: z.string(),
      newSignature: z.string(),
    }),
  ),
  'day.sealed': leaf(
    'a UTC day that has ended: its first and last seq, counts by type, the previous daily checkpoint',
    ['ledger'],
    z.strictObject({
      date: z.string(),
      from: z.string(),
      to: z.string(),
      firstSeq: z.nullable(nonNegInt),
      lastSeq: z.nullable(nonNegInt),
      leafCount: nonNegInt,
      countsByType: counts,
      previousDayCheckpoint: z.nullable(z.strictObject({ size: nonNegInt, root: z.string() })),
    }),
  ),
  'agent.started': leaf(
    'a writer process started: version, roles, scheduled sources',
    RUN_WRITERS,
    z.strictObject({
      version: z.string(),
      node: z.optional(z.string()),
      host: z.optional(z.string()),
      pid: z.optional(nonNegInt),
      roles: z.array(z.string()),
      sources: z.optional(z.array(z.strictObject({ source: z.string(), schedule: z.string() }))),
    }),
  ),
  'agent.stopped': leaf('a writer process stopped, and why', RUN_WRITERS, z.strictObject({ reason: z.string(), pid: z.optional(nonNegInt) })),
  heartbeat: leaf('the writer is alive (every heartbeatMinutes)', RUN_WRITERS, z.strictObject({ uptimeSeconds: z.number(), pid: z.optional(nonNegInt) })),
  'rule.defined': leaf(
    "a rule's definition (metadata, params, logic hash), once per logic hash",
    RUN_WRITERS,
    z.strictObject({
      rule: z.strictObject({
        id: z.string(),
        logicSha256: z.string(),
        title: z.optional(z.string()),
        source: z.optional(z.string()),
        severity: z.optional(severity),
        mode: z.optional(z.enum(['snapshot', 'period'])),
        inputs: z.optional(z.readonly(z.array(z.string()))),
        permissions: z.optional(z.readonly(z.array(z.string()))),
        params: z.optional(z.record(z.string(), z.unknown())),
        // null in identity rule definitions written before the person view had an input age.
        maxInputAgeHours: z.optional(z.nullable(z.number())),
      }),
    }),
  ),
  'ruleset.defined': leaf(
    "a source's rule-set version and the rules in it",
    RUN_WRITERS,
    z.strictObject({
      ruleSetVersion: z.string(),
      rules: z.array(z.strictObject({ id: z.string(), logicSha256: z.string() })),
      mappingSha256: z.optional(z.nullable(z.string())),
    }),
  ),
  run: leaf(
    'one collection of one scope at one slot: outcome, counts, results blob, artifacts, errors, cursors',
    RUN_WRITERS,
    z.strictObject({
      slot: z.string(),
      startedAt: z.string(),
      endedAt: z.string(),
      outcome: z.enum(['complete', 'partial', 'failed']),
      ruleSetVersion: z.string(),
      population: nonNegInt,
      apiCalls: nonNegInt,
      minApiCalls: z.optional(nonNegInt),
      metrics: z.optional(z.record(z.string(), z.number())),
      counts,
      resultsSha256: z.string(),
      resultsCount: nonNegInt,
      resourcesSha256: z.optional(z.string()),
      peopleStateSha256: z.optional(z.string()),
      changes: nonNegInt,
      events: z.optional(nonNegInt),
      artifacts: z.array(artifactRef),
      errors: z.array(collectionError),
      cursors: z.optional(z.record(z.string(), z.string())),
      manual: z.optional(z.literal(true)),
    }),
  ),
  change: leaf(
    "a result whose status moved since the scope's previous run (to `absent` when it is gone)",
    RUN_WRITERS,
    z.strictObject({
      slot: z.string(),
      ruleId: z.string(),
      resourceId: z.string(),
      from: z.nullable(z.string()),
      to: z.string(),
      reason: z.string(),
      region: z.optional(z.string()),
    }),
  ),
  event: leaf(
    'a judgement of one source event (period rules), once per (rule, event)',
    RUN_WRITERS,
    z.strictObject({
      slot: z.string(),
      ruleId: z.string(),
      resourceId: z.string(),
      status: z.string(),
      reason: z.string(),
      sourceTime: z.string(),
      readAt: z.string(),
      late: z.boolean(),
      region: z.optional(z.string()),
      details: z.optional(z.record(z.string(), z.unknown())),
    }),
  ),
  gap: leaf(
    'scheduled slots with no run (the sweep: `slots`, `schedule`), or history a source could not reach (`declared: true`)',
    RUN_WRITERS,
    z.strictObject({
      from: z.string(),
      to: z.string(),
      reason: z.string(),
      slots: z.optional(nonNegInt),
      schedule: z.optional(z.string()),
      declared: z.optional(z.literal(true)),
      kind: z.optional(z.string()),
      slot: z.optional(z.string()),
    }),
  ),
  'scope.retired': leaf(
    'a scope left "in scope": removed from config, or not seen for a number of its source\'s runs; its history stays',
    RUN_WRITERS,
    z.strictObject({
      why: z.enum(RETIRE_WHY),
      reason: z.string(),
      lastRun: z.nullable(z.strictObject({ seq: nonNegInt, slot: z.string(), at: z.string() })),
      runsMissed: z.optional(nonNegInt),
      by: z.string(),
    }),
  ),
  'scope.reinstated': leaf(
    'a retired scope is configured or seen again: expected from slot `from` on',
    RUN_WRITERS,
    z.strictObject({ from: z.string(), reason: z.string(), retiredSeq: nonNegInt, by: z.string() }),
  ),
  alert: leaf(
    'something an operator must hear about: a control broke or recovered, could not be evaluated, a gap, an exception ending',
    WRITER_ONLY,
    z.strictObject({
      kind: z.enum(ALERT_KINDS),
      severity,
      title: z.string(),
      ruleId: z.optional(z.string()),
      runSeq: z.optional(nonNegInt),
      slot: z.optional(z.string()),
      count: nonNegInt,
      items: z.optional(z.array(alertItem)),
      part: z.optional(nonNegInt),
      parts: z.optional(nonNegInt),
      gap: z.optional(z.strictObject({ seq: nonNegInt, source: z.string(), scope: z.string(), from: z.string(), to: z.string(), slots: nonNegInt, reason: z.string() })),
      exception: z.optional(z.omit(exceptionGrant, { origin: true })),
      witness: z.optional(witnessAlert),
      publish: z.optional(publishAlert),
      evidence: z.optional(z.array(evidenceAlert)),
      health: z.optional(z.strictObject({
          state: z.enum(['failing', 'healthy']),
          since: z.string(),
          failedRuns: nonNegInt,
          causes: z.array(z.string()),
          errors: z.array(z.strictObject({ operation: z.string(), code: z.string(), cause: z.string(), message: z.string(), permission: z.optional(z.string()) })),
          reason: z.optional(z.string()),
        })),
    }),
  ),
  'exception.granted': leaf(
    'a failure accepted as a risk until an expiry, with requester and approver as typed names: from exceptions.yaml (origin `file:`), or written before two-step approval',
    EXCEPTION_WRITERS,
    z.strictObject({ exception: exceptionGrant }),
  ),
  'exception.requested': leaf(
    'a principal asks for a failure to be accepted until an expiry; no effect until approved',
    EXCEPTION_WRITERS,
    z.strictObject({ exception: exceptionRequest }),
  ),
  'exception.approved': leaf(
    'a different principal (API token of role approver or admin) approves a request: the exception takes effect',
    EXCEPTION_WRITERS,
    z.strictObject({ exceptionId: z.string(), by: principal, exception: exceptionDecided }),
  ),
  'exception.rejected': leaf(
    'a principal rejects a pending request, with why',
    EXCEPTION_WRITERS,
    z.strictObject({ exceptionId: z.string(), by: principal, reason: z.string(), exception: exceptionDecided }),
  ),
  'exception.revoked': leaf('an exception ended early, by whom and why', EXCEPTION_WRITERS, exceptionEnd),
  'exception.expired': leaf('an exception reached its expiry (written by the alert engine)', WRITER_ONLY, exceptionEnd),
  'outage.declared': leaf(
    'an operator declared a known monitoring outage of a source (all its scopes unless the envelope names one) over [from, to]; gaps inside it are reported as `declared outage`',
    OPERATOR_WRITERS,
    z.strictObject({ from: z.string(), to: z.string(), reason: z.string(), declaredBy: principal }),
  ),
  'evidence.added': leaf(
    'a manual evidence file recorded for a criterion requirement: hash, size, media type, effective date, expiry, owner, uploader (a closed access review records its decisions as one)',
    ['writer', 'api', 'evidence', 'review'],
    evidenceAdded,
  ),
  'evidence.withdrawn': leaf(
    'a manual evidence record withdrawn by a principal, with why: from this leaf on it no longer counts (the record and its file stay)',
    ['writer', 'api', 'evidence', 'review'],
    z.strictObject({ id: z.string(), framework: z.string(), criterion: z.string(), requirement: z.string(), reason: z.string(), by: evidencePrincipal }),
  ),
  'review.started': leaf(
    'an access review began: its population (accounts, privileges, last activity, HR status, reviewers) frozen as the blob `populationSha256`',
    REVIEW_WRITERS,
    z.strictObject({
      review: z.strictObject({
        id: z.string(),
        name: z.string(),
        sources: z.array(z.string()),
        assign: z.enum(['manager', 'given']),
        reviewers: z.array(z.string()),
        startedBy: principal,
        populationSha256: sha256Hex,
        accounts: nonNegInt,
        bySource: z.record(z.string(), nonNegInt),
        runs: z.array(z.strictObject({ source: z.string(), scope: z.string(), endedAt: z.string(), resourcesSha256: sha256Hex })),
      }),
    }),
  ),
  'review.decided': leaf(
    "a reviewer's decision on one account of an open access review (a later decision on the same account replaces it)",
    REVIEW_DECIDERS,
    z.strictObject({ reviewId: z.string(), account: z.string(), decision: z.enum(REVIEW_DECISIONS), reason: z.string(), by: principal }),
  ),
  'review.closed': leaf(
    'an access review signed off: population and final decisions (blob `decisionsSha256`), counts, who decided, who closed, when',
    REVIEW_WRITERS,
    z.strictObject({
      reviewId: z.string(),
      name: z.string(),
      populationSha256: sha256Hex,
      decisionsSha256: sha256Hex,
      startedAt: z.string(),
      completedAt: z.string(),
      counts: z.strictObject({ accounts: nonNegInt, keep: nonNegInt, revoke: nonNegInt, modify: nonNegInt, undecided: nonNegInt }),
      forced: z.boolean(),
      forceReason: z.optional(z.string()),
      undecided: z.array(z.string()),
      signedOff: z.array(principal),
      closedBy: principal,
    }),
  ),
  'delivery.failed': leaf(
    "an alert's last delivery attempt to a sink failed",
    WRITER_ONLY,
    z.strictObject({ sink: z.string(), alertSeq: nonNegInt, deliveryId: z.string(), attempts: nonNegInt, error: z.string() }),
  ),
  'timestamp.token': leaf(
    "an RFC 3161 TSA's time stamp of a day seal's checkpoint (SHA-256 of the note body); the token is the blob `tokenSha256`",
    WRITER_ONLY,
    z.strictObject({
      date: z.string(),
      checkpointSize: nonNegInt,
      checkpointRoot: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      digest: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      tsa: z.string(),
      genTime: z.string(),
      serial: z.string(),
      tokenSha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    }),
  ),
  'witness.cosigned': leaf(
    'a witness cosigned a checkpoint signed before this leaf: the cosignature line, as the witness returned it',
    RUN_WRITERS,
    z.strictObject({
      witness: z.string(),
      keyId: z.string(),
      checkpointSize: nonNegInt,
      rootHash: z.string(),
      cosignature: z.string(),
      timestamp: nonNegInt,
    }),
  ),
  'publish.s3': leaf(
    'a signed checkpoint (or a day seal) was copied to an S3 bucket under Object Lock COMPLIANCE retention, as HeadObject confirmed',
    WRITER_ONLY,
    z.strictObject({
      object: z.enum(['checkpoint', 'seal']),
      bucket: z.string(),
      key: z.string(),
      versionId: z.string(),
      etag: z.string(),
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      bytes: nonNegInt,
      mode: z.literal('COMPLIANCE'),
      retainUntil: z.string(),
      checkpointSize: nonNegInt,
      date: z.optional(z.string()),
      sealSeq: z.optional(nonNegInt),
    }),
  ),
} as const satisfies LeafCatalogue;

export type VigilCatalogue = typeof LEAF_CATALOGUE;
export type LeafType = keyof VigilCatalogue;
export const LEAF_TYPES = Object.keys(LEAF_CATALOGUE) as LeafType[];

export type TypesOf<C extends LeafCatalogue> = Extract<keyof C, string>;
/** The data of a leaf of type T, as the schema infers it. */
export type DataOf<C extends LeafCatalogue, T extends TypesOf<C>> = z.infer<C[T]['data']>;
/** What a caller hands `append()` for type T; a union of T gives a union of inputs, discriminated by `type`. */
export type LeafInputOf<C extends LeafCatalogue, T extends TypesOf<C> = TypesOf<C>> = T extends TypesOf<C>
  ? { type: T; idempotencyKey?: string; source?: string; scope?: string; data: DataOf<C, T> }
  : never;
/** Any input for Vigil's catalogue. */
export type LeafInput<T extends LeafType = LeafType> = LeafInputOf<VigilCatalogue, T>;

/** Fields the ledger sets (or copies from the input) around the data. A type alias, so a leaf is a plain record. */
export type LeafEnvelope<T extends string = string> = {
  v: number;
  seq: number;
  type: T;
  observedAt: string;
  source?: string;
  scope?: string;
  idempotencyKey?: string;
};
export const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['v', 'seq', 'type', 'observedAt', 'source', 'scope', 'idempotencyKey']);

/** A stored leaf of type T of catalogue C; a union of T gives a union discriminated by `type`. */
export type BodyOf<C extends LeafCatalogue, T extends TypesOf<C>> = T extends TypesOf<C> ? LeafEnvelope<T> & DataOf<C, T> : never;
/** A stored leaf of type T. */
export type LeafOf<T extends LeafType> = BodyOf<VigilCatalogue, T>;
/** Any stored leaf, discriminated by `type`. */
export type Leaf = LeafOf<LeafType>;

const owned = new WeakMap<LeafCatalogue, ReadonlySet<string>>();

/** Types only the ledger writes: `append()` refuses them from callers (with every other `ledger.*` name). */
export function ledgerOwnedTypes(catalogue: LeafCatalogue = LEAF_CATALOGUE): ReadonlySet<string> {
  let set = owned.get(catalogue);
  if (set === undefined) {
    set = new Set(Object.entries(catalogue).flatMap(([t, s]) => (s.writers.length === 1 && s.writers[0] === 'ledger' ? [t] : [])));
    owned.set(catalogue, set);
  }
  return set;
}

/** The role a process opens the ledger with, from the agent roles it runs (`vigil run` runs them all). */
export function ledgerRoleFor(roles: readonly string[]): WriterRole {
  return roles.includes('writer') ? 'writer' : roles.includes('api') ? 'api' : 'worker';
}

/** The first schema issue as `data.FIELD: what is wrong`, naming the field (or the unknown one). */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'data: invalid';
  const path = ['data', ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') return `${issue.keys.map((k) => `${path}.${k}`).join(', ')}: not a field of this leaf type`;
  if (issue.code === 'invalid_union') {
    // The closest alternative: the one whose first issue lies deepest.
    const best = issue.errors.map((e) => e[0]).filter((e) => e !== undefined).sort((a, b) => b.path.length - a.path.length)[0];
    if (best !== undefined) return `${describeIssue({ ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue)} (no form of this leaf type matches)`;
  }
  return `${path}: ${issue.message}`;
}

function dataOf(body: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!ENVELOPE_FIELDS.has(k)) data[k] = v;
  return data;
}

export interface LeafProblem {
  code: 'LEAF_UNKNOWN_TYPE' | 'LEAF_BAD_BODY';
  message: string;
}

/**
 * What is wrong with a stored leaf body against the catalogue, or undefined: an unknown type, or data that does not
 * match its type's schema (naming the field). For `vigil ledger verify` and the bundle verifier; never throws.
 */
export function leafProblem(body: Record<string, unknown>, catalogue: LeafCatalogue = LEAF_CATALOGUE): LeafProblem | undefined {
  const type = body.type;
  const spec = typeof type === 'string' && Object.hasOwn(catalogue, type) ? catalogue[type] : undefined;
  if (spec === undefined) return { code: 'LEAF_UNKNOWN_TYPE', message: `leaf type ${JSON.stringify(type)} is not in the leaf catalogue` };
  const r = z.safeParse(spec.data, dataOf(body));
  return r.success ? undefined : { code: 'LEAF_BAD_BODY', message: `${String(type)} leaf: ${describeIssue(r.error.issues[0])}` };
}

/**
 * Refuses an input whose type is unknown, that `author` may not append, or whose data does not match the schema.
 * `where` names the input in the message (`leaf input 3`). The data itself is not changed: its bytes are the leaf's.
 */
export function checkLeafInput(type: string, data: Record<string, unknown>, author: LeafAuthor, where: string, catalogue: LeafCatalogue = LEAF_CATALOGUE): void {
  const spec = Object.hasOwn(catalogue, type) ? catalogue[type] : undefined;
  if (spec === undefined) {
    throw new AppError('LEDGER_UNKNOWN_LEAF_TYPE', `${where}: unknown leaf type ${type}: every type must be listed in the leaf catalogue (src/ledger/leaf-catalogue.ts)`);
  }
  if (!spec.writers.includes(author)) {
    throw new AppError('LEDGER_WRITER_FORBIDDEN', `${where}: a ledger opened as ${author} may not append ${type} (written by: ${spec.writers.join(', ')})`);
  }
  const r = z.safeParse(spec.data, data);
  if (!r.success) throw new AppError('LEDGER_BAD_LEAF_BODY', `${where}: ${type} leaf: ${describeIssue(r.error.issues[0])}`);
}

/** A stored leaf's bytes as a typed leaf, trusting them (they were checked at append; `vigil ledger verify` re-checks). */
export function readLeaf(bytes: Uint8Array | string): Leaf {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return JSON.parse(text) as Leaf;
}

/** A stored leaf's bytes as a typed leaf, checked against the catalogue; `LEDGER_BAD_LEAF_BODY` names the field. */
export function parseLeaf(bytes: Uint8Array | string): Leaf {
  const body = readLeaf(bytes) as unknown;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('LEDGER_BAD_LEAF_BODY', 'leaf is not a JSON object');
  const b = body as Record<string, unknown>;
  const problem = leafProblem(b);
  if (problem !== undefined) throw new AppError(problem.code === 'LEAF_UNKNOWN_TYPE' ? 'LEDGER_UNKNOWN_LEAF_TYPE' : 'LEDGER_BAD_LEAF_BODY', `leaf ${String(b.seq)}: ${problem.message}`);
  return body as Leaf;
}

/** Narrows a leaf to one type. */
export function isLeaf<T extends LeafType>(l: Leaf, type: T): l is Extract<Leaf, { type: T }> {
  return l.type === type;
}
