// The derived `identity` run: after a run of an IdP, GitHub or AWS is recorded, joins the latest resources of every such source into the person view, evaluates the cross-source rules and records them like any other run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Clock, Logger } from '../core/collector.js';
import type { ArtifactRef, CollectionError, Result, RunSummary, Snapshot, SourceId, Status } from '../core/types.js';
import { STATUSES } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import { canonicalBytes } from '../ledger/canonical.js';
import { SOURCE_MANIFEST } from '../../collectors/manifest.js';
import { joinPeople, peopleMappingSchema, type PeopleMapping, type PeopleView, type Person } from '../../rules/identity/people.js';
import { CROSS_SOURCE_RULES } from '../../rules/index.js';
import { evaluatePeople, githubInactiveMembers, hrReconciliation, offboardingTimeliness } from '../../rules/identity/xsys.js';
import { accessReviewRevocations, evaluateRevocations } from '../../rules/identity/access-review-revocations.js';
import { accountsOf } from '../../rules/identity/accounts.js';
import { ReviewBook } from '../reviews/book.js';
import { DEFAULT_MAX_INPUT_AGE_HOURS } from '../rules/engine.js';
import { snapshotFromResources, type EvidenceJob, type RecordedResult } from './collect-stage.js';
import { recordRun, runKey, type RecordOutcome } from './record.js';

export const IDENTITY_SOURCE: SourceId = 'identity';
export const IDENTITY_SCOPE = 'people';

/**
 * Sources whose runs feed the person view, and the resource type each must have read completely to be joined: the
 * `peopleInput` of each manifest line (collectors/manifest.ts).
 */
export const PEOPLE_INPUTS: Readonly<Partial<Record<SourceId, string>>> = Object.fromEntries(
  SOURCE_MANIFEST.flatMap((s) => ('peopleInput' in s ? [[s.id, s.peopleInput]] : [])),
);
/** The identity providers: a person view needs at least one of them, since their users are the people. */
const IDP_SOURCES: readonly SourceId[] = SOURCE_MANIFEST.filter((s) => s.kind === 'identity-provider').map((s) => s.id);

/** Settings of the person view, from config (`people.mappingFile`, `rules.params`, `rules.disabled`). */
export interface PeopleOptions {
  /** Validated mapping file content. @defaultValue no mapping (email and local-part matching only) */
  mapping?: PeopleMapping;
  /** sha-256 of the mapping file bytes, recorded in the identity rule-set version. */
  mappingSha256?: string;
  /** Parameter overrides of `xsys.offboarding_timeliness`. */
  params?: { slaHours?: number; graceDays?: number; inactiveDays?: number };
  /** Cross-source rule ids disabled in config: their results are not recorded. */
  disabled?: string[];
  /** Only these sources are joined (the configured ones); a source dropped from config stops counting. @defaultValue every source with a `peopleInput` in the manifest */
  sources?: readonly string[];
  /** Offboarding points kept per deactivated person; only the last holding streak matters. @defaultValue 8 */
  maxPointsPerPerson?: number;
  /**
   * A joined run older than this (hours) before the newest run in the view makes every result `error`: a last good read
   * that old cannot back "holds no downstream access". @defaultValue DEFAULT_MAX_INPUT_AGE_HOURS (26, as for single-source rules)
   */
  maxInputAgeHours?: number;
}

/** Reads and validates the people mapping file (YAML or JSON); errors name the file, line and field. */
export function loadPeopleMapping(file: string): { mapping: PeopleMapping; sha256: string } {
  if (!existsSync(file)) throw new UsageError('PEOPLE_MAPPING', `${file}: no such people mapping file (people.mappingFile in the config)`);
  const bytes = readFileSync(file);
  const lc = new LineCounter();
  const doc = parseDocument(bytes.toString('utf8'), { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lc.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) throw new UsageError('PEOPLE_MAPPING', `${at(doc.errors[0]!.pos[0])}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const parsed = peopleMappingSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 5).map((i) => {
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      let node: { range?: [number, number, number] } | undefined;
      for (let n = path.length; n > 0 && !node?.range; n--) node = doc.getIn(path.slice(0, n), true) as typeof node;
      return `${at(node?.range?.[0])}: ${path.length ? path.join('.') : '(top level)'}: ${i.message}`;
    });
    throw new UsageError('PEOPLE_MAPPING', `invalid people mapping:\n  ${lines.join('\n  ')}`);
  }
  return { mapping: parsed.data, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Builds PeopleOptions from the loaded config: loads the mapping file (relative to the config file) and validates the
 * cross-source rules' parameter overrides. Throws UsageError naming what is wrong.
 */
export function peopleOptionsFromConfig(cfg: {
  file?: string;
  dir: string;
  config: { people?: { mappingFile?: string }; rules: { params: Record<string, Record<string, unknown>>; disabled: string[] } };
  sources: Partial<Record<string, unknown>>;
}): PeopleOptions {
  const out: PeopleOptions = { sources: Object.keys(cfg.sources) };
  const mf = cfg.config.people?.mappingFile;
  if (mf) {
    const { mapping, sha256 } = loadPeopleMapping(resolve(cfg.dir, mf));
    out.mapping = mapping;
    out.mappingSha256 = sha256;
  }
  const ids = new Set(CROSS_SOURCE_RULES.map((r) => r.id));
  for (const [id, overrides] of Object.entries(cfg.config.rules.params)) {
    if (!ids.has(id)) continue;
    const rule = CROSS_SOURCE_RULES.find((r) => r.id === id)!;
    for (const [k, v] of Object.entries(overrides ?? {})) {
      if (!(k in rule.params)) {
        throw new UsageError('UNKNOWN_RULE_PARAM', `params.${id}.${k}: rule ${id} has no parameter "${k}" (known: ${Object.keys(rule.params).join(', ') || 'none'})`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new UsageError('BAD_RULE_PARAMS', `params.${id}.${k}: expected a positive number, got ${JSON.stringify(v)}`);
    }
  }
  const sla = cfg.config.rules.params[offboardingTimeliness.id]?.slaHours;
  if (typeof sla === 'number') out.params = { slaHours: sla };
  const grace = cfg.config.rules.params[accessReviewRevocations.id]?.graceDays;
  if (typeof grace === 'number') out.params = { ...out.params, graceDays: grace };
  const inactive = cfg.config.rules.params[githubInactiveMembers.id]?.inactiveDays;
  if (typeof inactive === 'number') out.params = { ...out.params, inactiveDays: inactive };
  const disabled = cfg.config.rules.disabled.filter((id) => ids.has(id));
  if (disabled.length) out.disabled = disabled;
  return out;
}

/** Version of the cross-source rule set: their metadata, effective params, the join and evaluation code, and the mapping. */
export function crossSourceRuleSetVersion(opts: PeopleOptions): string {
  return createHash('sha256').update(canonicalBytes(crossSourceDefinition(opts))).digest('hex').slice(0, 16);
}

function crossSourceDefinition(opts: PeopleOptions) {
  const logicSha256 = createHash('sha256').update(joinPeople.toString()).update('\n').update(evaluatePeople.toString()).update('\n').update(evaluateRevocations.toString()).digest('hex');
  return {
    rules: CROSS_SOURCE_RULES.filter((r) => !opts.disabled?.includes(r.id)).map((r) => ({
      id: r.id, title: r.title, severity: r.severity, mode: r.mode, inputs: r.inputs,
      params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, (r.id === offboardingTimeliness.id && k === 'slaHours' ? opts.params?.slaHours
        : r.id === accessReviewRevocations.id && k === 'graceDays' ? opts.params?.graceDays
          : r.id === githubInactiveMembers.id && k === 'inactiveDays' ? opts.params?.inactiveDays : undefined) ?? v.default])),
    })),
    logicSha256,
    mappingSha256: opts.mappingSha256 ?? null,
    maxInputAgeHours: maxInputAgeHours(opts),
  };
}

function maxInputAgeHours(opts: PeopleOptions): number {
  return opts.maxInputAgeHours ?? DEFAULT_MAX_INPUT_AGE_HOURS;
}

/**
 * The per-person access state kept per identity run: `[email, not leaving, holds access, offboarding from]`, sorted.
 * Without an HR roster these are `[email, activeInIdp, holdsDownstreamAccess, deactivatedAt]` (as recorded before HR was
 * joined); for an HR leaver, `[email, false, holds IdP or downstream access, end of the HR termination date]`.
 */
export type PersonState = [string, boolean, boolean, string | null];

export function peopleStateBlob(view: PeopleView): Buffer {
  const rows: PersonState[] = view.people.map((p) => [p.email, !p.leaver, p.holdsAccess, p.offboardingFrom]);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return canonicalBytes(rows, 'peopleState');
}

/** A run the view can be built from: the fields of its `run` leaf that matter here. */
export interface RunRef {
  source: SourceId;
  scope: string;
  slot: string;
  startedAt: string;
  endedAt: string;
  resourcesSha256?: string;
  errors: Array<Omit<CollectionError, 'retryable'>>;
}

/** Offboarding history of one deactivated person: observation instants where their downstream access was seen held or not. */
interface Tracked {
  deactivatedAt: string | null;
  holds: boolean;
  points: Array<{ t: string; holds: boolean }>;
}

export interface DerivedRun {
  job: EvidenceJob;
  outcome: RecordOutcome;
}

/**
 * Keeps, in memory, the latest usable run of every (source, scope) feeding the person view and the offboarding history
 * of deactivated people, both rebuilt by one scan of the `run` leaves on first use. Memory is bounded by scopes and by
 * deactivated people × `maxPointsPerPerson`, not by the length of the ledger. Used by the single ledger writer only.
 */
export class PeopleDeriver {
  private loaded = false;
  /** source|scope → latest run whose person input was read completely. */
  private readonly usable = new Map<string, RunRef>();
  /** source|scope → latest run, when it could not read the person input. */
  private readonly broken = new Map<string, RunRef>();
  private readonly cache = new Map<string, { sha: string; size: number; blob: Buffer }>();
  private readonly tracked = new Map<string, Tracked>();
  private lastState?: { sha: string; observedAt: string };
  private definitionsWritten = false;
  /** Access reviews, for the `revoke` decisions tracked by xsys.access_review_revocations; caught up at each identity run. */
  private readonly reviews = new ReviewBook();
  /** source|scope of retired scopes (`scope.retired` until `scope.reinstated`): not joined, their people not counted. */
  private readonly retired = new Set<string>();

  constructor(
    private readonly ledger: Ledger,
    private readonly deps: { clock: Clock; logger: Logger; options?: PeopleOptions },
  ) {}

  private get opts(): PeopleOptions {
    return this.deps.options ?? {};
  }

  /** Whether a run of this source can change the person view. */
  feeds(source: string): boolean {
    return PEOPLE_INPUTS[source as SourceId] !== undefined && (this.opts.sources?.includes(source) ?? true);
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    for await (const leaf of this.ledger.leaves({ types: ['run', 'scope.retired', 'scope.reinstated'] })) {
      const body = JSON.parse(leaf.body.toString('utf8')) as RunRef & { peopleStateSha256?: string; type: string };
      if (body.type !== 'run') this.scopeChanged(body.type, body.source, body.scope);
      else if (body.source === IDENTITY_SOURCE) {
        if (body.scope !== IDENTITY_SCOPE || !body.peopleStateSha256) continue;
        if (body.peopleStateSha256 !== this.lastState?.sha) {
          const blob = await this.ledger.getBlob(body.peopleStateSha256);
          if (blob) this.track(JSON.parse(blob.toString('utf8')) as PersonState[], body.endedAt);
        }
        this.lastState = { sha: body.peopleStateSha256, observedAt: body.endedAt };
      } else this.note(body);
    }
  }

  /**
   * The writer retired or reinstated a scope. Before the first load the scan reads the leaf itself; after it, the
   * retired scope's runs leave the join at once (a reinstated one joins again with its next run).
   */
  scopeLeaf(type: string, source: string, scope: string): void {
    if (this.loaded) this.scopeChanged(type, source, scope);
  }

  private scopeChanged(type: string, source: string, scope: string): void {
    const key = `${source}|${scope}`;
    if (type === 'scope.reinstated') this.retired.delete(key);
    else if (type === 'scope.retired') {
      this.retired.add(key);
      this.usable.delete(key);
      this.broken.delete(key);
      this.cache.delete(key);
    }
  }

  private note(run: RunRef): void {
    if (!this.feeds(run.source)) return;
    const key = `${run.source}|${run.scope}`;
    // A run of a retired scope recorded late (its job was queued before the retirement) does not bring it back.
    if (this.retired.has(key)) return;
    const input = PEOPLE_INPUTS[run.source]!;
    if (run.resourcesSha256 && !run.errors.some((e) => e.inputs.includes(input))) {
      this.usable.set(key, run);
      this.broken.delete(key);
    } else this.broken.set(key, run);
  }

  /** Folds one identity run's person states into the offboarding history (distinct transitions only). */
  private track(rows: PersonState[], observedAt: string): void {
    const prevAt = this.lastState?.observedAt;
    const max = this.opts.maxPointsPerPerson ?? 8;
    const seen = new Set<string>();
    for (const [email, active, holds, deactivatedAt] of rows) {
      seen.add(email);
      if (active) {
        this.tracked.delete(email);
        continue;
      }
      const t = this.tracked.get(email);
      if (!t || t.deactivatedAt !== deactivatedAt) {
        this.tracked.set(email, { deactivatedAt, holds, points: [{ t: observedAt, holds }] });
        continue;
      }
      if (t.holds === holds) continue;
      // The previous run is the last observation of the old state: it bounds "last seen with access".
      if (prevAt && t.points[t.points.length - 1]!.t < prevAt) t.points.push({ t: prevAt, holds: t.holds });
      t.points.push({ t: observedAt, holds });
      t.holds = holds;
      if (t.points.length > max) t.points.splice(0, t.points.length - max);
    }
    for (const email of [...this.tracked.keys()]) if (!seen.has(email)) this.tracked.delete(email);
  }

  /**
   * The history evaluatePeople needs, rebuilt from the tracked points of people who held access while deactivated:
   * one view per distinct instant, each holding every such person's state as of that instant.
   */
  private history(): Array<{ observedAt: string; view: PeopleView }> {
    const last = this.lastState?.observedAt;
    const relevant = [...this.tracked.entries()]
      .filter(([, t]) => t.points.some((p) => p.holds))
      // The latest identity run observed each person in their current tracked state; evaluation needs that instant
      // as the last one "still holding" when this run is the first without access.
      .map(([email, t]): [string, Tracked] => [email, last && t.points[t.points.length - 1]!.t < last ? { ...t, points: [...t.points, { t: last, holds: t.holds }] } : t]);
    const times = [...new Set(relevant.flatMap(([, t]) => t.points.map((p) => p.t)))].sort();
    return times.map((at) => {
      const people: Person[] = [];
      for (const [email, t] of relevant) {
        const p = t.points.filter((x) => x.t <= at).pop();
        if (!p) continue;
        people.push({
          email, idp: [], github: [], aws: [], hr: null, serviceAccount: false, activeInIdp: false, deactivatedAt: t.deactivatedAt, holdsDownstreamAccess: p.holds,
          leaver: true, offboardingFrom: t.deactivatedAt, offboardingBasis: null, holdsAccess: p.holds,
        });
      }
      return { observedAt: at, view: { people, unmatched: { github: [], aws: [] }, sources: [], hrJoined: false } };
    });
  }

  private async resources(run: RunRef): Promise<{ blob: Buffer; size: number } | undefined> {
    const key = `${run.source}|${run.scope}`;
    const hit = this.cache.get(key);
    if (hit && hit.sha === run.resourcesSha256) return hit;
    const blob = await this.ledger.getBlob(run.resourcesSha256!);
    if (!blob) return undefined;
    this.cache.set(key, { sha: run.resourcesSha256!, size: blob.length, blob });
    return { blob, size: blob.length };
  }

  /**
   * Called by the writer after a run is recorded. When the run feeds the person view and some IdP has a usable run,
   * records an identity run (source `identity`, scope `people`) and returns it.
   *
   * Slot: the trigger's `endedAt`. Runs of several sources in the same scheduled slot each get their own identity run
   * (none is lost to the run key), and a redelivered trigger is a duplicate run, so it derives nothing twice. Two
   * triggers ending in the same millisecond: the later one takes the next free millisecond.
   */
  async afterRun(trigger: RunSummary): Promise<DerivedRun | undefined> {
    if (trigger.source === IDENTITY_SOURCE || !this.feeds(trigger.source)) return undefined;
    const firstLoad = !this.loaded;
    await this.load();
    // The scan already saw the trigger's leaf on first load; later triggers are noted here.
    if (!firstLoad) this.note({ ...trigger, errors: trigger.errors });
    const runs = [...this.usable.values()].sort((a, b) => `${a.source}|${a.scope}`.localeCompare(`${b.source}|${b.scope}`));
    if (!runs.some((r) => IDP_SOURCES.includes(r.source))) return undefined;
    await this.writeDefinitions();

    const snapshots = [];
    const artifacts: ArtifactRef[] = [];
    const errors: RunSummary['errors'] = [];
    for (const run of runs) {
      const res = await this.resources(run);
      if (!res) {
        errors.push({ operation: 'identity:join', code: 'ResourcesBlobMissing', message: `${run.source} ${run.scope}: resources blob ${run.resourcesSha256} of the run of ${run.endedAt} is not in the ledger`, inputs: [PEOPLE_INPUTS[run.source]!] });
        continue;
      }
      snapshots.push(snapshotFromResources(res.blob, { ...run, errors: [] }));
      artifacts.push({ sha256: run.resourcesSha256!, mediaType: 'application/json', size: res.size, label: `resources:${run.source}:${run.scope}@${run.endedAt}` });
    }
    // Ages are measured from the newest run in the view, not the writer's clock, so a backlog recorded late is judged
    // as of when it was observed; an undatable run counts as too old, as in the rules engine.
    const limitH = maxInputAgeHours(this.opts);
    const asOf = Math.max(...[...this.usable.values(), ...this.broken.values()].map((r) => Date.parse(r.endedAt)).filter((n) => !Number.isNaN(n)));
    const ageH = (run: RunRef) => (asOf - Date.parse(run.endedAt)) / 3_600_000;
    /** source|scope → why the scope has no complete read recent enough to judge by. */
    const unreadable = new Map<string, { source: SourceId; scope: string; why: string }>();
    for (const key of [...new Set([...this.usable.keys(), ...this.broken.keys()])].sort()) {
      const run = this.broken.get(key);
      const fallback = this.usable.get(key);
      const { source, scope } = (run ?? fallback)!;
      const input = PEOPLE_INPUTS[source]!;
      const failed = run ? `the run of ${run.endedAt} could not read ${input} (${run.errors.filter((e) => e.inputs.includes(input)).map((e) => `${e.operation} ${e.code}${e.permission ? ` (needs ${e.permission})` : ''}`).join('; ') || 'no resources recorded'}); ` : '';
      const age = fallback ? ageH(fallback) : NaN;
      if (fallback && age <= limitH) {
        if (run) errors.push({ operation: 'identity:join', code: 'StaleInput', message: `${source} ${scope}: ${failed}joined the run of ${fallback.endedAt} instead`, inputs: [input] });
        continue;
      }
      const message = fallback
        ? `${source} ${scope}: ${failed}its latest complete read of ${input} is the run of ${fallback.endedAt}, ${Number.isNaN(age) ? 'of unreadable age' : `${age.toFixed(1)} h old, ${(age - limitH).toFixed(1)} h beyond the ${limitH} h limit`}`
        : `${source} ${scope}: ${failed}no earlier complete run to join`;
      errors.push({ operation: 'identity:join', code: fallback ? 'InputTooOld' : 'InputUnavailable', message, inputs: [input] });
      unreadable.set(key, { source, scope, why: fallback ? `${source} ${scope}'s latest complete read of ${input} is ${Number.isNaN(age) ? 'of unreadable age' : `${age.toFixed(1)} h old (limit ${limitH} h)`}` : `${source} ${scope} has no complete read of ${input}` });
    }

    const view = joinPeople(snapshots, this.opts.mapping);
    const now = this.deps.clock.now();
    const hrConfigured = this.feeds('hris') && (this.opts.sources?.includes('hris') ?? [...this.usable.keys(), ...this.broken.keys()].some((k) => k.startsWith('hris|')));
    let results = evaluatePeople(view, { now, history: this.history(), params: this.opts.params ?? {}, hrConfigured });
    results.push(...(await this.revocationResults(snapshots, now)));
    const disabled = new Set(this.opts.disabled ?? []);
    results = results.filter((r) => !disabled.has(r.ruleId));
    // A source with no complete run at all, or only one too old to trust, would make its accounts look absent (or
    // present) as of long ago: that is "could not tell", never a pass.
    const unavailable = errors.filter((e) => e.code !== 'StaleInput');
    if (unavailable.length > 0) {
      const note = unavailable.map((e) => e.message).join('; ');
      results = results.map((r) => ({ ...r, status: 'error' as Status, reason: `could not tell: ${note}. Partial view said: ${r.reason}` }));
      // One result per unreadable scope and rule, so the gap shows even when the partial view judged nobody.
      for (const { source, scope, why } of unreadable.values()) {
        // Revocations judge only accounts someone decided to revoke; each names its own unreadable scope (evaluateRevocations).
        for (const rule of CROSS_SOURCE_RULES.filter((r) => !disabled.has(r.id) && r.id !== accessReviewRevocations.id && (hrConfigured || r.id !== hrReconciliation.id))) {
          results.push({ ruleId: rule.id, resourceId: `input:${source}:${scope}`, status: 'error', reason: `could not tell: ${why}`, observedAt: now.toISOString() });
        }
      }
    }
    const recorded: RecordedResult[] = results.map(({ observedAt: _o, ...r }) => r);
    const state = await this.ledger.putBlob(peopleStateBlob(view), 'application/json');
    const observed = view.sources.map((s) => s.observedAt).sort();
    const endedAt = observed[observed.length - 1] ?? now.toISOString();
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
    for (const r of recorded) counts[r.status]++;

    let slot = trigger.endedAt;
    while ((await this.ledger.seqOfKey(runKey(IDENTITY_SOURCE, IDENTITY_SCOPE, slot))) !== undefined) {
      slot = new Date(Date.parse(slot) + 1).toISOString();
    }
    const summary: RunSummary = {
      source: IDENTITY_SOURCE,
      scope: IDENTITY_SCOPE,
      slot,
      // The person view is as old as its oldest input and as new as its newest.
      startedAt: observed[0] ?? endedAt,
      endedAt,
      ruleSetVersion: crossSourceRuleSetVersion(this.opts),
      populationSize: view.people.length + view.unmatched.github.length + view.unmatched.aws.length,
      apiCalls: 0,
      counts,
      errors,
      artifacts,
      peopleStateSha256: state.sha256,
    };
    const job: EvidenceJob = { summary, results: recorded };
    const outcome = await recordRun(this.ledger, job);
    if (!outcome.duplicate && state.sha256 !== this.lastState?.sha) {
      this.track(JSON.parse(peopleStateBlob(view).toString('utf8')) as PersonState[], endedAt);
    }
    if (!outcome.duplicate) this.lastState = { sha: state.sha256, observedAt: endedAt };
    return { job, outcome };
  }

  /** xsys.access_review_revocations over the joined snapshots: every standing `revoke` decision of an access review. */
  private async revocationResults(snapshots: Snapshot[], now: Date): Promise<Result[]> {
    await this.reviews.catchUp(this.ledger);
    const revocations = this.reviews.revocations().map((r) => {
      const colon = r.account.indexOf(':');
      const rest = r.account.slice(colon + 1);
      return { ...r, source: r.account.slice(0, colon), scope: rest.slice(0, rest.indexOf('/')) };
    });
    // Nothing to track is said, not left silent: a criterion the rule evidences directly then counts it as not applicable.
    if (revocations.length === 0) return [{ ruleId: accessReviewRevocations.id, resourceId: 'revocations', status: 'not_applicable', reason: 'no access-review revoke decision stands', observedAt: now.toISOString() }];
    const joined = new Set(snapshots.map((s) => `${s.source}|${s.scope}`));
    return evaluateRevocations(accountsOf(snapshots), joined, revocations, { now, ...(this.opts.params?.graceDays ? { graceDays: this.opts.params.graceDays } : {}) });
  }

  /** `rule.defined` leaves for the cross-source rules and a `ruleset.defined` for source `identity`, once per version. */
  private async writeDefinitions(): Promise<void> {
    if (this.definitionsWritten) return;
    this.definitionsWritten = true;
    const def = crossSourceDefinition(this.opts);
    const version = crossSourceRuleSetVersion(this.opts);
    const leaves: LeafInput[] = def.rules.map((r) => ({
      type: 'rule.defined',
      idempotencyKey: `rule:${r.id}:${def.logicSha256}:${version}`,
      data: { rule: { ...r, source: IDENTITY_SOURCE, permissions: [], maxInputAgeHours: def.maxInputAgeHours, logicSha256: def.logicSha256 } },
    }));
    leaves.push({
      type: 'ruleset.defined',
      idempotencyKey: `ruleset:${IDENTITY_SOURCE}:${version}`,
      source: IDENTITY_SOURCE,
      data: { ruleSetVersion: version, rules: def.rules.map((r) => ({ id: r.id, logicSha256: def.logicSha256 })), mappingSha256: def.mappingSha256 },
    });
    await this.ledger.append(leaves);
  }
}
