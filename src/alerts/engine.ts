// Derives alerts from the ledger (change, run, gap and exception leaves) and appends them as `alert` leaves; restart-safe.
import { createHash } from 'node:crypto';
import type { Clock, Logger } from '../core/collector.js';
import { UNRESOLVED_SCOPE } from '../core/collector.js';
import type { Rule, Severity } from '../core/types.js';
import type { Ledger, LeafInput } from '../ledger/ledger.js';
import type { LeafOf } from '../ledger/leaf-catalogue.js';
import { loadResults } from '../pipeline/record.js';
import { ExceptionBook, EXCEPTION_LEAF_TYPES, endLeaf } from '../exceptions/exceptions.js';
import type { AlertKind, AlertsConfig, GraceWindow } from './config.js';
import { runHealth, type RunErrorSummary, type RunHealth } from '../report/health.js';
import { EvidenceAlerts, type EvidenceAlertItem, type EvidenceAlertOptions } from './evidence-alerts.js';

export interface AlertItem {
  resourceId: string;
  /** Status before the transition (null for a resource first seen failing). */
  from: string | null;
  to: string;
  reason: string;
  /** When the current status began (ledger time of its change leaf). */
  since?: string;
  region?: string;
}

/** The data of an `alert` leaf. */
export interface AlertData {
  kind: AlertKind;
  severity: Severity;
  title: string;
  ruleId?: string;
  /** The run that triggered it (seq of its `run` leaf) and that run's slot. */
  runSeq?: number;
  slot?: string;
  count: number;
  items?: AlertItem[];
  /** Chunk index when one transition of more than MAX_ITEMS resources is split over several leaves. */
  part?: number;
  parts?: number;
  gap?: { seq: number; source: string; scope: string; from: string; to: string; slots: number; reason: string };
  exception?: { id: string; ruleId: string; resourceId: string; expiresAt: string; approver: string; requester: string; reason: string };
  /** Monitoring health of a whole source/scope (kind `error` when it could not be read, `recovered` when it is again). */
  health?: HealthAlert;
  /** Manual evidence requirements that became due or overdue (kinds `evidence.due`, `evidence.overdue`). */
  evidence?: EvidenceAlertItem[];
}

/** What a monitoring-health alert says: since when the scope could not be read, for how many runs, and why. */
export interface HealthAlert {
  state: 'failing' | 'healthy';
  /** Ledger time of the first failing run of this episode. */
  since: string;
  /** Failing runs in the episode so far (for `healthy`: how many runs failed before this one). */
  failedRuns: number;
  causes: string[];
  errors: RunErrorSummary[];
  reason?: string;
}

/** An alert as read back from the ledger. */
export interface AlertRecord extends AlertData {
  seq: number;
  observedAt: string;
  source?: string;
  scope?: string;
}

export const MAX_ITEMS_PER_ALERT = 1000;
const SEVERITY_ORDER: Severity[] = ['low', 'medium', 'high', 'critical'];
export const severityRank = (s: string) => SEVERITY_ORDER.indexOf(s as Severity);

interface ItemState {
  ruleId: string;
  resourceId: string;
  status: string;
  from: string | null;
  reason: string;
  since: string;
  /** Index (per scope) of the run the current status was first seen in. */
  sinceRun: number;
  alerted?: 'broke' | 'error' | 'recovered';
  /** An exception on it ended: alert again without waiting for grace. */
  reopen?: boolean;
  region?: string;
  /**
   * Absent from the latest run while that run could not have seen it (the scope or the rule's input failed): its last
   * observed status stands. Not observing a failure is not a recovery; it is resolved at the next healthy run.
   */
  unobserved?: boolean;
}

interface ScopeState {
  source: string;
  scope: string;
  runs: number;
  lastRunSeq?: number;
  lastSlot?: string;
  resultsSha256?: string;
  items: Map<string, ItemState>;
  /** Set while the scope's runs fail entirely: the episode's first failing run, its length and the causes alerted. */
  failing?: { since: string; runs: number; causes: string };
}

const FOLD_TYPES = ['run', 'change', 'gap', 'alert', 'evidence.added', 'evidence.withdrawn', ...EXCEPTION_LEAF_TYPES] as const;
/** A leaf the engine folds. */
type FoldLeaf = LeafOf<(typeof FOLD_TYPES)[number]>;
const ik = (ruleId: string, resourceId: string) => `${ruleId}\u0000${resourceId}`;
const hash12 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** What the engine needs of a rule: its title and severity (source rules and cross-source rules alike). */
export type AlertRuleInfo = Pick<Rule, 'id' | 'title' | 'severity'>;

export interface AlertEngineOptions {
  ledger: Ledger;
  rules: AlertRuleInfo[];
  config: AlertsConfig;
  clock: Clock;
  logger: Logger;
  /** Called with the seqs of newly appended alert leaves (delivery). */
  onAlerts?: (seqs: number[]) => Promise<void>;
  /** Manual evidence requirements to raise due/overdue alerts for (src/alerts/evidence-alerts.ts). @defaultValue none */
  evidence?: EvidenceAlertOptions;
}

/**
 * Keeps a fold of the ledger (what is failing since when, what was alerted) and turns it into `alert` leaves.
 * The fold is memory only as a cache: it is rebuilt from the ledger at start, so pending grace windows survive a restart,
 * and every alert leaf has an idempotency key derived from what it reports, so a replay appends nothing twice.
 */
export class AlertEngine {
  private nextSeq = 0;
  private readonly scopes = new Map<string, ScopeState>();
  private readonly pendingGaps = new Map<number, { source: string; scope: string; from: string; to: string; slots: number; reason: string }>();
  /** Health alerts due, by idempotency key; derived from run leaves in ledger order, so a restart rebuilds the same set. */
  private readonly pendingHealth = new Map<string, LeafInput>();
  private readonly alertedExceptions = new Set<string>();
  readonly exceptions = new ExceptionBook();
  private readonly rulesById: Map<string, AlertRuleInfo>;
  private readonly evidence: EvidenceAlerts | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: AlertEngineOptions) {
    this.rulesById = new Map(opts.rules.map((r) => [r.id, r]));
    this.evidence = opts.evidence ? new EvidenceAlerts(opts.evidence) : undefined;
  }

  /** Folds new leaves, appends the alerts now due, and hands their seqs to `onAlerts`. Calls are serialized. */
  tick(): Promise<number[]> {
    const run = this.chain.then(() => this.tickNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async tickNow(): Promise<number[]> {
    const seqs: number[] = [];
    // A second pass picks up what the first one's leaves caused (an exception expiring re-opens its failures).
    for (let pass = 0; pass < 3; pass++) {
      await this.catchUp();
      const now = this.opts.clock.now();
      const leaves = [...this.expiryLeaves(now), ...this.gapAlerts(), ...this.pendingHealth.values(), ...this.ruleAlerts(now), ...(this.evidence ? await this.evidence.leaves(now, this.opts.ledger) : [])];
      if (leaves.length === 0) break;
      const out = await this.opts.ledger.append(leaves);
      const added = out.filter((o) => o.type === 'alert' && !o.duplicate).map((o) => o.seq);
      seqs.push(...added);
      if (out.every((o) => o.duplicate)) {
        await this.catchUp();
        break;
      }
    }
    if (seqs.length) this.opts.logger.info({ alerts: seqs.length }, 'alerts recorded');
    if (seqs.length && this.opts.onAlerts) await this.opts.onAlerts(seqs);
    return seqs;
  }

  /**
   * Appends alerts raised outside the fold (a witness refusing a checkpoint: src/witness/submitter.ts), in turn with the
   * ticks, and hands the new ones to delivery like any other. Keyed inputs are recorded once.
   */
  raise(alerts: Array<LeafInput<'alert'>>): Promise<number[]> {
    const run = this.chain.then(async () => {
      const out = await this.opts.ledger.append(alerts);
      const seqs = out.filter((o) => !o.duplicate).map((o) => o.seq);
      if (seqs.length && this.opts.onAlerts) await this.opts.onAlerts(seqs);
      return seqs;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private reopenWanted: Array<{ ruleId: string; resourceId: string; at: string }> = [];

  /** Folds every relevant leaf appended since the last call. */
  async catchUp(): Promise<void> {
    for await (const l of this.opts.ledger.readLeaves({ fromSeq: this.nextSeq, types: FOLD_TYPES })) {
      this.fold(l.seq, l.body);
      this.nextSeq = l.seq + 1;
    }
    if (this.reopenWanted.length) await this.resolveReopens();
  }

  private scope(source: string, scope: string): ScopeState {
    const k = `${source}|${scope}`;
    let s = this.scopes.get(k);
    if (!s) this.scopes.set(k, (s = { source, scope, runs: 0, items: new Map() }));
    return s;
  }

  private fold(seq: number, b: FoldLeaf): void {
    const at = String(b.observedAt);
    if (b.type === 'evidence.added' || b.type === 'evidence.withdrawn') return this.evidence?.record(seq, b as unknown as Record<string, unknown>);
    if (b.type === 'exception.granted' || b.type === 'exception.requested' || b.type === 'exception.approved' || b.type === 'exception.rejected' || b.type === 'exception.revoked' || b.type === 'exception.expired') {
      this.exceptions.apply(seq, b);
      // Only the end of an exception in force re-opens its failures (a request, approval or rejection does not).
      if (b.type === 'exception.revoked' || b.type === 'exception.expired') {
        const e = this.exceptions.all.get(String(b.exceptionId));
        if (!e) return;
        // Items in the fold re-open now, in ledger order (a later alert leaf then marks them alerted again);
        // the others are looked up in the latest results after this catch-up.
        let found = false;
        for (const s of this.scopes.values()) {
          const item = s.items.get(ik(e.ruleId, e.resourceId));
          if (!item) continue;
          found = true;
          if (item.status === 'fail') {
            item.alerted = undefined;
            item.reopen = true;
          }
        }
        if (!found || e.resourceId === '*') this.reopenWanted.push({ ruleId: e.ruleId, resourceId: e.resourceId, at });
      }
      return;
    }
    if (b.type === 'gap') {
      // Monitoring gaps (scheduled slots with no run) carry a slot count; other gap leaves (history a source's API could
      // not reach on a first run) are coverage notes for the auditor, not alerts.
      if (typeof b.slots !== 'number' || !Number.isFinite(b.slots)) return;
      this.pendingGaps.set(seq, { source: String(b.source), scope: String(b.scope), from: String(b.from), to: String(b.to), slots: Number(b.slots), reason: String(b.reason) });
      return;
    }
    if (b.type === 'alert') {
      if (b.health) this.pendingHealth.delete(String(b.idempotencyKey));
      if (b.evidence) this.evidence?.alertedItems(b.evidence as EvidenceAlertItem[]);
      return this.foldAlert(b as unknown as AlertRecord);
    }
    const s = this.scope(String(b.source), String(b.scope));
    if (b.type === 'run') {
      if (b.source === 'hris') this.evidence?.run(b as unknown as Record<string, unknown>);
      s.runs++;
      s.lastRunSeq = seq;
      s.lastSlot = String(b.slot);
      s.resultsSha256 = String(b.resultsSha256);
      const h = runHealth(b);
      this.foldHealth(s, seq, at, String(b.slot), h);
      if (h.state === 'healthy') this.resolveUnobserved(s, at);
      return;
    }
    // change: precedes its run leaf in the same batch, so the run it belongs to is s.runs + 1
    const key = ik(String(b.ruleId), String(b.resourceId));
    const to = String(b.to);
    const prev = s.items.get(key);
    if (to === 'absent' && prev) {
      // Whether it is gone or merely unread is known only from the run leaf that follows (same batch).
      prev.unobserved = true;
      return;
    }
    if (prev) prev.unobserved = false;
    if (to === 'fail' || to === 'error') {
      const item: ItemState = prev ?? { ruleId: String(b.ruleId), resourceId: String(b.resourceId), status: to, from: null, reason: '', since: at, sinceRun: s.runs + 1 };
      if (!prev || prev.status !== to) {
        item.since = at;
        item.sinceRun = s.runs + 1;
      }
      item.from = (b.from as string | null) ?? null;
      item.status = to;
      item.reason = String(b.reason);
      if (typeof b.region === 'string') item.region = b.region;
      s.items.set(key, item);
    } else if (prev) {
      prev.from = prev.status;
      prev.status = to;
      prev.reason = String(b.reason);
      prev.since = at;
      prev.reopen = false;
      if (prev.alerted !== 'broke' && prev.alerted !== 'error') s.items.delete(key);
    }
  }

  /**
   * A run that failed entirely opens a health episode (one alert, the first run included); a change of causes within it
   * alerts again; the first healthy run closes it with one `recovered` alert. A run with a real scope also closes the
   * source's UNRESOLVED_SCOPE episode: its scopes resolve again, and each real scope then has its own health.
   */
  private foldHealth(s: ScopeState, seq: number, at: string, slot: string, h: RunHealth): void {
    if (h.state === 'failing') {
      const causes = h.causes.join(',');
      if (!s.failing) {
        s.failing = { since: at, runs: 1, causes };
        this.queueHealth(s, seq, slot, h, 'opened');
      } else {
        s.failing.runs++;
        if (s.failing.causes !== causes) {
          s.failing.causes = causes;
          this.queueHealth(s, seq, slot, h, 'changed');
        }
      }
    } else if (s.failing) {
      this.queueHealth(s, seq, slot, h, 'recovered');
      s.failing = undefined;
    }
    if (s.scope === UNRESOLVED_SCOPE) return;
    const u = this.scopes.get(`${s.source}|${UNRESOLVED_SCOPE}`);
    if (u?.failing) {
      if (h.state === 'healthy') this.queueHealth(u, seq, slot, h, 'recovered', s.scope);
      u.failing = undefined;
    }
  }

  private queueHealth(s: ScopeState, seq: number, slot: string, h: RunHealth, what: 'opened' | 'changed' | 'recovered', resolvedAs?: string): void {
    const ep = s.failing!;
    const where = `${s.source} ${s.scope}`;
    const plural = (n: number) => `${n} failed run${n === 1 ? '' : 's'}`;
    const title =
      what === 'opened'
        ? `Monitoring failed: ${where} could not be read — ${h.reason}`
        : what === 'changed'
          ? `Monitoring still failing: ${where} (${plural(ep.runs)}), now ${h.reason}`
          : resolvedAs
            ? `Monitoring recovered: ${s.source} scopes resolved again (${resolvedAs} read) after ${plural(ep.runs)} since ${ep.since}`
            : `Monitoring recovered: ${where} read again after ${plural(ep.runs)} since ${ep.since}`;
    const kind: AlertKind = what === 'recovered' ? 'recovered' : 'error';
    const health: HealthAlert = {
      state: what === 'recovered' ? 'healthy' : 'failing',
      since: ep.since,
      failedRuns: ep.runs,
      causes: what === 'recovered' ? ep.causes.split(',').filter(Boolean) : h.causes,
      errors: what === 'recovered' ? [] : h.errors,
      ...(h.reason ? { reason: h.reason } : {}),
    };
    const data: AlertData = { kind, severity: 'high', title, runSeq: seq, slot, count: 1, health };
    const key = `alert:health:${s.source}:${s.scope}:${kind}:${seq}`;
    this.pendingHealth.set(key, { type: 'alert', source: s.source, scope: s.scope, idempotencyKey: key, data });
  }

  /** After a healthy run: an unobserved item is really gone unless its rule could not be judged on the whole scope. */
  private resolveUnobserved(s: ScopeState, at: string): void {
    const scopeId = `${s.source}:${s.scope}`;
    for (const [key, item] of s.items) {
      if (!item.unobserved) continue;
      const whole = s.items.get(ik(item.ruleId, scopeId));
      if (item.resourceId !== scopeId && whole && !whole.unobserved && whole.status === 'error') continue;
      item.unobserved = false;
      item.from = item.status;
      item.status = 'absent';
      // a scope-level error going away means the rule judges the scope's resources again, not that something was deleted
      item.reason = item.resourceId === scopeId ? 'the rule evaluates the scope again' : 'resource or rule no longer present in this run';
      item.since = at;
      item.reopen = false;
      if (item.alerted !== 'broke' && item.alerted !== 'error') s.items.delete(key);
    }
  }

  private foldAlert(a: AlertRecord): void {
    if (a.kind === 'gap' && a.gap) this.pendingGaps.delete(a.gap.seq);
    if ((a.kind === 'exception.expiring' || a.kind === 'exception.expired') && a.exception) this.alertedExceptions.add(`${a.kind}:${a.exception.id}`);
    if (!a.ruleId || !a.items || !a.source || !a.scope) return;
    const s = this.scope(a.source, a.scope);
    for (const it of a.items) {
      const key = ik(a.ruleId, it.resourceId);
      const item = s.items.get(key);
      if (!item) {
        // alerted before its re-open lookup ran (same batch): that lookup is answered already
        this.reopenWanted = this.reopenWanted.filter((w) => !(w.ruleId === a.ruleId && w.resourceId === it.resourceId));
        continue;
      }
      if (a.kind === 'recovered') s.items.delete(key);
      else if (a.kind === 'broke' || a.kind === 'error') {
        item.alerted = a.kind;
        item.reopen = false;
      }
    }
  }

  /** An exception ended: its failure must alert again. The item may not be in the fold (failing since the first run), so read the latest results. */
  private async resolveReopens(): Promise<void> {
    const wanted = this.reopenWanted;
    this.reopenWanted = [];
    for (const w of wanted) {
      for (const s of this.scopes.values()) {
        if (!s.resultsSha256) continue;
        const results = (await loadResults(this.opts.ledger, s.resultsSha256)) ?? [];
        for (const r of results) {
          if (r.ruleId !== w.ruleId || (w.resourceId !== '*' && r.resourceId !== w.resourceId) || r.status !== 'fail') continue;
          if (s.items.has(ik(r.ruleId, r.resourceId))) continue;
          s.items.set(ik(r.ruleId, r.resourceId), { ruleId: r.ruleId, resourceId: r.resourceId, status: 'fail', from: null, reason: r.reason, since: w.at, sinceRun: s.runs, reopen: true, ...(r.region ? { region: r.region } : {}) });
        }
      }
    }
  }

  graceFor(ruleId: string): Required<GraceWindow> {
    const g = this.opts.config.grace;
    const sev = this.rulesById.get(ruleId)?.severity ?? 'medium';
    const w = g.rules[ruleId] ?? g.severity[sev] ?? g.default;
    return { runs: w.runs ?? 1, minutes: w.minutes ?? 0 };
  }

  private ruleAlerts(now: Date): LeafInput[] {
    const leaves: LeafInput[] = [];
    for (const s of this.scopes.values()) {
      const groups = new Map<string, { ruleId: string; kind: AlertKind; items: AlertItem[] }>();
      for (const item of s.items.values()) {
        let kind: AlertKind | undefined;
        // Not seen by the latest run (its scope could not be read): neither a new failure nor a recovery can be told.
        if (item.unobserved) continue;
        if (item.status === 'fail' || item.status === 'error') {
          const k = item.status === 'fail' ? 'broke' : 'error';
          if (item.alerted === k) continue;
          // While the whole scope cannot be read, its one health alert says so; a could-not-evaluate per rule is noise.
          if (k === 'error' && s.failing) continue;
          if (k === 'broke' && this.exceptions.acceptedBy(item.ruleId, item.resourceId, now)) continue;
          const g = this.graceFor(item.ruleId);
          const runsSeen = s.runs - item.sinceRun + 1;
          const minutes = (now.getTime() - Date.parse(item.since)) / 60_000;
          if (!item.reopen && (runsSeen < g.runs || minutes < g.minutes)) continue;
          kind = k;
        } else if (item.alerted === 'broke' || item.alerted === 'error') {
          kind = 'recovered';
        }
        if (!kind) continue;
        const gk = `${item.ruleId}\u0000${kind}`;
        const grp = groups.get(gk) ?? { ruleId: item.ruleId, kind, items: [] };
        grp.items.push({ resourceId: item.resourceId, from: item.from, to: item.status, reason: item.reason, since: item.since, ...(item.region ? { region: item.region } : {}) });
        groups.set(gk, grp);
      }
      for (const g of groups.values()) {
        g.items.sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
        const rule = this.rulesById.get(g.ruleId);
        const parts = Math.ceil(g.items.length / MAX_ITEMS_PER_ALERT);
        for (let p = 0; p < parts; p++) {
          const items = g.items.slice(p * MAX_ITEMS_PER_ALERT, (p + 1) * MAX_ITEMS_PER_ALERT);
          const ids = hash12(items.map((i) => `${i.resourceId}\u0000${i.to}`).join('\n'));
          const verb = g.kind === 'broke' ? 'Control broke' : g.kind === 'error' ? 'Could not evaluate' : 'Recovered';
          const data: AlertData = {
            kind: g.kind,
            severity: rule?.severity ?? 'medium',
            title: `${verb}: ${rule?.title ?? g.ruleId} (${items.length} resource${items.length === 1 ? '' : 's'})`,
            ruleId: g.ruleId,
            ...(s.lastRunSeq !== undefined ? { runSeq: s.lastRunSeq } : {}),
            ...(s.lastSlot ? { slot: s.lastSlot } : {}),
            count: items.length,
            items,
            ...(parts > 1 ? { part: p + 1, parts } : {}),
          };
          leaves.push({ type: 'alert', source: s.source, scope: s.scope, idempotencyKey: `alert:${s.source}:${s.scope}:${g.ruleId}:${g.kind}:${s.lastRunSeq ?? 0}:${ids}`, data });
        }
      }
    }
    return leaves;
  }

  private gapAlerts(): LeafInput[] {
    return [...this.pendingGaps.entries()].map(([seq, g]) => ({
      type: 'alert',
      source: g.source,
      scope: g.scope,
      idempotencyKey: `alert:gap:${seq}`,
      data: {
        kind: 'gap',
        severity: 'high',
        title: `Monitoring gap: ${g.source} ${g.scope} missed ${g.slots} scheduled run${g.slots === 1 ? '' : 's'} (${g.from} – ${g.to})`,
        count: g.slots,
        gap: { seq, ...g },
      } satisfies AlertData,
    }));
  }

  /** Expired exceptions get an `exception.expired` leaf and an alert; those expiring soon get one warning alert. */
  private expiryLeaves(now: Date): LeafInput[] {
    const leaves: LeafInput[] = [];
    const warnMs = this.opts.config.expiringDays * 86_400_000;
    for (const e of this.exceptions.active()) {
      const left = Date.parse(e.expiresAt) - now.getTime();
      const kind: AlertKind | undefined = left <= 0 ? 'exception.expired' : left <= warnMs ? 'exception.expiring' : undefined;
      if (!kind || this.alertedExceptions.has(`${kind}:${e.id}`)) continue;
      if (kind === 'exception.expired') leaves.push(endLeaf('expired', e, 'vigil', `expiry ${e.expiresAt} reached`));
      const rule = this.rulesById.get(e.ruleId);
      leaves.push({
        type: 'alert',
        idempotencyKey: `alert:${kind}:${e.id}`,
        data: {
          kind,
          severity: rule?.severity ?? 'medium',
          title: kind === 'exception.expired' ? `Exception ${e.id} expired: ${e.ruleId} on ${e.resourceId} is no longer accepted` : `Exception ${e.id} expires ${e.expiresAt}: ${e.ruleId} on ${e.resourceId}`,
          ruleId: e.ruleId,
          count: 1,
          exception: { id: e.id, ruleId: e.ruleId, resourceId: e.resourceId, expiresAt: e.expiresAt, approver: e.approver, requester: e.requester, reason: e.reason },
        } satisfies AlertData,
      });
    }
    return leaves;
  }
}
