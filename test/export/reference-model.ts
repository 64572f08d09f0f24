// A second, independent account of a Type 2 report's facts, computed straight from the whole ledger: the property test holds the exporter to it.
// Written from the definitions in docs/export.md, not from src/export/: it imports nothing of the report code, only what
// reads a ledger. It walks every run's full results (no change leaves, no caches, no slices) and derives from them.

/** One ledger leaf as the model reads it. */
export interface ModelLeaf {
  seq: number;
  hash: string;
  body: Record<string, unknown>;
}

export interface ModelResult {
  ruleId: string;
  resourceId: string;
  status: string;
  reason: string;
}

export interface ModelInput {
  /** Every leaf of the ledger, in seq order (not only the bundled slice). */
  leaves: ModelLeaf[];
  /** The results of a run, by its resultsSha256. */
  results: (sha256: string) => ModelResult[];
  from: string;
  to: string;
  tz: string;
  /** The time of the export: a period whose last day is that day ends then. */
  now: string;
  /** Every rule the framework maps (all criteria are in scope). */
  frameworkRules: string[];
}

export interface ModelReport {
  start: string;
  end: string;
  dates: string[];
  /** CSV rows (fields as strings), without headers. */
  timeline: string[][];
  deviations: string[][];
  gaps: string[][];
  risk: string[][];
  rules: Record<string, { runs: number; evaluations: number; counts: Record<string, number>; first: string | null; last: string | null; daysWithEvidence: number }>;
  totals: Record<string, number>;
  runs: number;
  scopes: string[];
  /** `scope.retired` leaves in the period, in order: [source/scope, observedAt]. A retired scope's runs still count above. */
  retired: string[][];
  closedDeviations: number;
  openDeviations: number;
}

const SLA_HOURS = 720;

/** Local calendar date of an instant in an IANA zone (en-CA formats as YYYY-MM-DD). */
export function dateIn(t: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t));
}

/**
 * The first instant whose local date is `date`: every zone's offsets and transitions fall on quarter hours, so walking
 * quarter hours from 14 h before UTC midnight finds it (a skipped midnight makes it the instant the clocks resume).
 */
export function dayStart(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  for (let t = utc - 15 * 3_600_000; t <= utc + 15 * 3_600_000; t += 15 * 60_000) if (dateIn(t, tz) === date) return t;
  throw new Error(`no start found for ${date} in ${tz}`);
}

const nextDate = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const iso = (t: number): string => new Date(t).toISOString();
const worst = (statuses: Set<string>): string => ['fail', 'error', 'pass', 'not_applicable'].find((s) => statuses.has(s)) ?? 'no_data';

export function referenceReport(input: ModelInput): ModelReport {
  const start = dayStart(input.from, input.tz);
  const end = Math.min(dayStart(nextDate(input.to), input.tz), Math.floor(Date.parse(input.now) / 1000) * 1000);
  const inPeriod = (at: string): boolean => Date.parse(at) >= start && Date.parse(at) < end;
  const dates: string[] = [];
  for (let d = input.from; dates.length === 0 || d <= dateIn(end - 1, input.tz); d = nextDate(d)) dates.push(d);
  const at = (l: ModelLeaf): string => String(l.body.observedAt);
  const inside = input.leaves.filter((l) => inPeriod(at(l)));

  // Tallies and the timeline: every result of every run in the period.
  const rules: ModelReport['rules'] = {};
  const days = new Map<string, Map<string, Set<string>>>();
  const rule = (id: string) => (rules[id] ??= { runs: 0, evaluations: 0, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 }, first: null, last: null, daysWithEvidence: 0 });
  for (const id of input.frameworkRules) rule(id);
  const runs = inside.filter((l) => l.body.type === 'run');
  for (const r of runs) {
    const date = dateIn(Date.parse(at(r)), input.tz);
    const seen = new Set<string>();
    for (const x of input.results(String(r.body.resultsSha256))) {
      const t = rule(x.ruleId);
      if (!seen.has(x.ruleId)) t.runs++;
      seen.add(x.ruleId);
      t.evaluations++;
      t.counts[x.status] = (t.counts[x.status] ?? 0) + 1;
      t.first ??= at(r);
      t.last = at(r);
      const byDay = days.get(x.ruleId) ?? new Map<string, Set<string>>();
      days.set(x.ruleId, byDay);
      byDay.set(date, (byDay.get(date) ?? new Set()).add(x.status));
    }
  }
  const ids = Object.keys(rules).sort();
  for (const id of ids) rules[id]!.daysWithEvidence = dates.filter((d) => days.get(id)?.has(d)).length;
  const timeline = ids.flatMap((id) => dates.map((d) => [id, d, worst(days.get(id)?.get(d) ?? new Set())]));
  const totals = { pass: 0, fail: 0, error: 0, not_applicable: 0 } as Record<string, number>;
  for (const id of ids) for (const k of Object.keys(totals)) totals[k]! += rules[id]!.counts[k] ?? 0;

  return {
    start: iso(start),
    end: iso(end),
    dates,
    timeline,
    ...deviationEpisodes(input, inPeriod, end),
    gaps: gapRows(input.leaves, inside, start, end),
    risk: register(input.leaves, inside, start, end),
    rules,
    totals,
    runs: runs.length,
    scopes: [...new Set(runs.map((r) => `${String(r.body.source)}/${String(r.body.scope)}`))].sort(),
    retired: inside.filter((l) => l.body.type === 'scope.retired').map((l) => [`${String(l.body.source)}/${String(l.body.scope)}`, at(l)]),
  };
}

/**
 * A deviation is a stretch of consecutive runs of a scope in which the rule failed on the resource. It opens at the
 * first such run in the period and closes at the first later run where the result is anything else (or gone). It is
 * carried in when the failure was already there before the period: the scope's previous run also failed, or the scope
 * had no earlier run at all. The leaf that first showed it is the run itself when carried in, else the change leaf.
 */
function deviationEpisodes(input: ModelInput, inPeriod: (at: string) => boolean, end: number): Pick<ModelReport, 'deviations' | 'closedDeviations' | 'openDeviations'> {
  const changeSeq = new Map<string, number>();
  for (const l of input.leaves) if (l.body.type === 'change') changeSeq.set([l.body.source, l.body.scope, l.body.slot, l.body.ruleId, l.body.resourceId].join('\u0000'), l.seq);
  const rows: string[][] = [];
  let closed = 0;
  const byScope = new Map<string, ModelLeaf[]>();
  for (const l of input.leaves) if (l.body.type === 'run') byScope.set(`${String(l.body.source)}\u0000${String(l.body.scope)}`, [...(byScope.get(`${String(l.body.source)}\u0000${String(l.body.scope)}`) ?? []), l]);
  for (const scopeRuns of byScope.values()) {
    const open = new Map<string, { seq: number; at: string; carried: boolean; ruleId: string; resourceId: string }>();
    let prev: Map<string, string> | undefined;
    let firstInPeriod = true;
    for (const r of scopeRuns) {
      const now = new Map(input.results(String(r.body.resultsSha256)).map((x) => [`${x.ruleId}\u0000${x.resourceId}`, x.status]));
      const at = String(r.body.observedAt);
      if (inPeriod(at)) {
        const source = String(r.body.source);
        const scope = String(r.body.scope);
        for (const k of new Set([...(prev?.keys() ?? []), ...now.keys()])) {
          const [ruleId, resourceId] = k.split('\u0000') as [string, string];
          const status = now.get(k) ?? 'absent';
          const was = prev?.get(k);
          const leafSeq = (): number => changeSeq.get([source, scope, r.body.slot, ruleId, resourceId].join('\u0000'))!;
          const o = open.get(k);
          if (status === 'fail' && !o) {
            const carried = firstInPeriod && (prev === undefined || was === 'fail');
            if (carried || was !== 'fail') open.set(k, { seq: carried ? r.seq : leafSeq(), at, carried, ruleId, resourceId });
          } else if (status !== 'fail' && o) {
            closed++;
            rows.push(episodeRow(o, source, scope, leafSeq(), at));
            open.delete(k);
          }
        }
        firstInPeriod = false;
      }
      prev = now;
    }
    const [source, scope] = [String(scopeRuns[0]!.body.source), String(scopeRuns[0]!.body.scope)];
    for (const o of open.values()) rows.push(episodeRow(o, source, scope, null, null, end));
  }
  return { deviations: rows, closedDeviations: closed, openDeviations: rows.length - closed };
}

function episodeRow(o: { seq: number; at: string; carried: boolean; ruleId: string; resourceId: string }, source: string, scope: string, closedSeq: number | null, closedAt: string | null, end?: number): string[] {
  const hours = Math.round(((closedAt !== null ? Date.parse(closedAt) : end!) - Date.parse(o.at)) / 36_000) / 100;
  const sla = closedAt === null ? (hours > SLA_HOURS ? 'no' : 'open') : hours <= SLA_HOURS ? 'yes' : 'no';
  return [o.ruleId, o.resourceId, source, scope, String(o.seq), o.at, o.at, closedSeq === null ? '' : String(closedSeq), closedAt ?? '', String(hours), String(SLA_HOURS), sla, o.carried ? 'yes' : 'no', closedAt === null ? 'yes' : 'no'];
}

/**
 * Gaps of the period: the writer's missed slots (`from`/`to` are the first and last missed slot), history a collector
 * declared out of reach ([from, to)), and runs that collected nothing (their one slot); each clipped to the period and
 * left out when it does not touch it. Missed slots are then split by the operator's declared outages recorded before
 * the end (windows [from, to], both included; the declaration's scope, or every scope): each stretch of the clipped gap
 * covered by a declaration is `declared outage` naming the earliest-recorded one covering it, the rest `missed slots`.
 */
function gapRows(all: ModelLeaf[], inside: ModelLeaf[], start: number, end: number): string[][] {
  const declarations = all.filter((l) => l.body.type === 'outage.declared' && Date.parse(String(l.body.observedAt)) < end);
  const rows: string[][] = [];
  for (const l of inside) {
    const b = l.body;
    let span: [string, string, boolean, string, string, string] | undefined;
    if (b.type === 'gap') span = [String(b.from), String(b.to), b.declared !== true, b.declared === true ? 'history out of reach' : 'missed slots', String(b.slots ?? ''), String(b.reason ?? '')];
    else if (b.type === 'run' && b.outcome === 'failed') span = [String(b.slot), String(b.slot), true, 'collection failed', '1', JSON.stringify(b.errors ?? [])];
    if (!span) continue;
    const [from, to, toIncluded, kind, slots, detail] = span;
    const f = Date.parse(from);
    const t = Date.parse(to);
    if (f >= end || t < start || (!toIncluded && t === start)) continue;
    const cf = f < start ? iso(start) : from;
    const ct = t > end ? iso(end) : to;
    const row = (a: string, z: string, k: string, d?: ModelLeaf): string[] => {
      const by = d?.body.declaredBy as { kind: string; name: string; role?: string } | undefined;
      const declared = d ? [String(d.seq), String(d.body.observedAt), by!.kind === 'local' ? `local:${by!.name}` : `${by!.kind}:${by!.name} (${by!.role})`, String(d.body.reason)] : ['', '', '', ''];
      return [String(l.seq), l.hash, String(b.source ?? ''), String(b.scope ?? ''), a, z, slots, k, a !== from || z !== to ? 'yes' : 'no', detail, ...declared];
    };
    if (kind !== 'missed slots') {
      rows.push(row(cf, ct, kind));
      continue;
    }
    const mine = declarations.filter((d) => d.body.source === b.source && (d.body.scope === undefined || d.body.scope === b.scope));
    // Elementary stretches between every bound inside the gap; each takes the first declaration (ledger order) holding it whole.
    const a0 = Date.parse(cf);
    const z0 = Date.parse(ct);
    const bounds = [a0, z0];
    for (const d of mine) for (const x of [Date.parse(String(d.body.from)), Date.parse(String(d.body.to))]) if (x > a0 && x < z0 && !bounds.includes(x)) bounds.push(x);
    bounds.sort((x, y) => x - y);
    const stretches = a0 === z0 ? [[a0, z0]] : bounds.slice(0, -1).map((x, i) => [x, bounds[i + 1]!]);
    const text = (x: number): string => (x === a0 ? cf : x === z0 ? ct : iso(x));
    let cur: { a: number; z: number; d: ModelLeaf | undefined } | undefined;
    const flush = (): void => void (cur && rows.push(row(text(cur.a), text(cur.z), cur.d ? 'declared outage' : 'missed slots', cur.d)));
    for (const [x, y] of stretches as Array<[number, number]>) {
      const d = mine.find((m) => Date.parse(String(m.body.from)) <= x && y <= Date.parse(String(m.body.to)));
      if (cur && cur.d === d) cur.z = y;
      else {
        flush();
        cur = { a: x, z: y, d };
      }
    }
    flush();
  }
  return rows;
}

const principalText = (p: unknown): string => {
  const q = p as { kind: string; name: string; role?: string };
  return q.kind === 'local' ? `local:${q.name}` : `${q.kind}:${q.name} (${q.role})`;
};

/**
 * The register: every exception that took effect (a grant, or an approval of a request) and was in force at the start
 * (taking effect before it, no end leaf before it, expiring after it), in grant order, then every other such exception
 * with a grant, approval, revocation or expiry leaf in the period, in the order each first appears there; its grant or
 * approval looked up wherever it is in the ledger. Requests and rejections are not rows. Requester and approver are the
 * principals of a two-step exception, the typed names of a grant. Type 1 passes start = end = the instant.
 */
export function register(all: ModelLeaf[], inside: ModelLeaf[], start: number, end: number): string[][] {
  const grants = new Map<string, { leaf: ModelLeaf; e: Record<string, unknown> }>();
  for (const l of all) {
    if (l.body.type === 'exception.granted') grants.set(String((l.body.exception as { id: string }).id), { leaf: l, e: l.body.exception as Record<string, unknown> });
    if (l.body.type === 'exception.approved') {
      const req = l.body.exception as Record<string, unknown>;
      grants.set(String(l.body.exceptionId), { leaf: l, e: { ...req, requester: principalText(req.requestedBy), approver: principalText(l.body.by) } });
    }
  }
  const isEnd = (l: ModelLeaf): boolean => l.body.type === 'exception.revoked' || l.body.type === 'exception.expired';
  const endedBefore = new Set(all.filter((l) => isEnd(l) && Date.parse(String(l.body.observedAt)) < start).map((l) => String(l.body.exceptionId)));
  const atStart = [...grants.entries()]
    .filter(([id, g]) => Date.parse(String(g.leaf.body.observedAt)) < start && !endedBefore.has(id) && Date.parse(String(g.e.expiresAt)) > start)
    .sort((a, b) => a[1].leaf.seq - b[1].leaf.seq)
    .map(([id]) => id);
  const ids: string[] = [...atStart];
  for (const l of inside) {
    const t = String(l.body.type);
    if (!t.startsWith('exception.') || t === 'exception.requested' || t === 'exception.rejected') continue;
    const id = t === 'exception.granted' ? String((l.body.exception as { id: string }).id) : String(l.body.exceptionId);
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.map((id) => {
    const { leaf: g, e } = grants.get(id)!;
    const s = (k: string) => String(e[k]);
    const ends = inside.filter((l) => isEnd(l) && l.body.exceptionId === id);
    const last = ends[ends.length - 1];
    const revoked = ends.find((l) => l.body.type === 'exception.revoked');
    const status = revoked ? 'revoked' : ends.length > 0 || Date.parse(s('expiresAt')) <= end ? 'expired' : 'active';
    const twoStep = e.requestedBy !== undefined;
    return [id, s('ruleId'), s('resourceId'), s('requester'), s('approver'), String(g.body.observedAt), s('expiresAt'), revoked ? String(revoked.body.observedAt) : '', s('reason'), status, String(g.seq), last ? String(last.seq) : '', last ? String(last.body.by) : '', last ? String(last.body.reason) : '', atStart.includes(id) ? 'yes' : 'no', s('origin'), twoStep ? s('requestedAt') : '', e.forced === true ? 'yes' : ''];
  });
}

export interface ModelType1 {
  at: string;
  rules: Record<string, { evaluations: number; counts: Record<string, number>; first: string | null; last: string | null }>;
  scopes: string[];
  staleScopes: string[];
  /** Scopes with a run before the instant whose latest retirement leaf before it is not followed by a reinstatement. */
  retiredScopes: string[];
  /** Rules with evaluations, whose definitions the bundle must carry. */
  reported: string[];
  /** risk-acceptances.csv rows: the exceptions in force at the instant. */
  risk: string[][];
}

/**
 * Type 1 as of the close of `asOf` (or `now` when that is earlier): each scope's latest run before the instant, counted
 * once, unless it is retired at the instant (listed apart) or more than 48 hours old — a scope that stopped reporting
 * is stale, not in scope.
 */
export function referenceType1(input: Omit<ModelInput, 'from' | 'to'> & { asOf: string }): ModelType1 {
  const at = Math.min(dayStart(nextDate(input.asOf), input.tz), Math.floor(Date.parse(input.now) / 1000) * 1000);
  const latest = new Map<string, ModelLeaf>();
  for (const l of input.leaves) if (l.body.type === 'run' && Date.parse(String(l.body.observedAt)) < at) latest.set(`${String(l.body.source)}/${String(l.body.scope)}`, l);
  const rules: ModelType1['rules'] = {};
  for (const id of input.frameworkRules) rules[id] = { evaluations: 0, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 }, first: null, last: null };
  const retired = new Set<string>();
  for (const l of input.leaves) {
    if (Date.parse(String(l.body.observedAt)) >= at) continue;
    const name = `${String(l.body.source)}/${String(l.body.scope)}`;
    if (l.body.type === 'scope.retired') retired.add(name);
    else if (l.body.type === 'scope.reinstated') retired.delete(name);
  }
  const scopes: string[] = [];
  const staleScopes: string[] = [];
  const retiredScopes: string[] = [];
  for (const [name, l] of latest) {
    const when = String(l.body.observedAt);
    if (retired.has(name)) {
      retiredScopes.push(name);
      continue;
    }
    if (Date.parse(when) < at - 48 * 3_600_000) {
      staleScopes.push(name);
      continue;
    }
    scopes.push(name);
    for (const x of input.results(String(l.body.resultsSha256))) {
      const r = (rules[x.ruleId] ??= { evaluations: 0, counts: { pass: 0, fail: 0, error: 0, not_applicable: 0 }, first: null, last: null });
      r.evaluations++;
      r.counts[x.status] = (r.counts[x.status] ?? 0) + 1;
      if (r.first === null || when < r.first) r.first = when;
      if (r.last === null || when > r.last) r.last = when;
    }
  }
  const reported = Object.keys(rules).filter((id) => rules[id]!.evaluations > 0).sort();
  return { at: iso(at), rules, scopes: scopes.sort(), staleScopes: staleScopes.sort(), retiredScopes: retiredScopes.sort(), reported, risk: register(input.leaves, [], at, at) };
}
