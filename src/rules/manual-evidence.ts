// Manual evidence records as the ledger holds them (`evidence.added` leaves), and what they cover in a window; pure (no
// I/O, no node: imports), as coverage.ts uses it and the export's verifier bundles it to recompute the report.
import { addCadence, cadenceOf, type ManualRequirement } from './requirements.js';
import { judgeOnHire, type HireVerdict, type RosterState } from './on-hire.js';

/** Who recorded a piece of evidence: an authenticated principal (src/core/principal.ts), copied into the leaf. */
export interface EvidenceUploader {
  kind: 'token' | 'session' | 'local';
  name: string;
  role?: string;
}

/** The data of an `evidence.added` leaf. The leaf's `observedAt` is when it was recorded; never merged with `effectiveAt`. */
export interface EvidenceData {
  /** `ev_` + 12 hex digits, unique in the ledger. */
  id: string;
  framework: string;
  criterion: string;
  requirement: string;
  title: string;
  /** The file: a content-addressed blob in the ledger's blob store. */
  sha256: string;
  size: number;
  mediaType: string;
  /** The file's base name as given (no directories). */
  fileName: string;
  /** From when the evidence holds (the policy's adoption, the test's date): an ISO instant, never after it was recorded. */
  effectiveAt: string;
  /** Until when it holds; null when the requirement's cadence is `once` and no expiry was given. */
  expiresAt: string | null;
  /** The requirement's owner key and, when the config maps it, the person. */
  owner: string | null;
  ownerName: string | null;
  uploader: EvidenceUploader;
  /** Withheld from export bundles: they carry its hash and this record, not the file. */
  confidential: boolean;
  /** Per-hire (`on-hire`) requirements only: the employee it evidences, their work email on the HR roster (lower-case). */
  subject?: string;
}

/** The data of an `evidence.withdrawn` leaf: a record withdrawn by an authenticated principal, with why. */
export interface EvidenceWithdrawalData {
  /** The withdrawn record's id (`ev_…`); criterion and requirement repeat the record's, for a reader of this leaf alone. */
  id: string;
  framework: string;
  criterion: string;
  requirement: string;
  reason: string;
  by: EvidenceUploader;
}

/** A withdrawal as read back onto its record: when it was recorded (the leaf's observedAt), by whom, why, its leaf seq. */
export interface EvidenceWithdrawal {
  at: string;
  by: EvidenceUploader;
  reason: string;
  seq: number;
}

/** A record as read back: the data, its leaf seq and when it was recorded, and its withdrawal if one was recorded. */
export interface EvidenceRecord extends EvidenceData {
  seq: number;
  recordedAt: string;
  withdrawn?: EvidenceWithdrawal;
}

/** A record from a stored `evidence.added` leaf body (envelope + data). */
export function recordFromLeaf(seq: number, body: Record<string, unknown>): EvidenceRecord {
  const { v: _v, seq: _s, type: _t, observedAt, source: _so, scope: _sc, idempotencyKey: _k, ...data } = body;
  return { ...(data as unknown as EvidenceData), seq, recordedAt: String(observedAt) };
}

/** The leaf types that make up the evidence records: additions and the withdrawals folded onto them. */
export const EVIDENCE_LEAF_TYPES = ['evidence.added', 'evidence.withdrawn'] as const;

/**
 * Folds one evidence leaf (ascending seq) into `records`: an addition appends a record, a withdrawal marks its record
 * (the first withdrawal wins; one naming a record not in `records` — outside a bundle's slice — is ignored). Other leaf
 * types are ignored. Returns whether the leaf was an evidence leaf.
 */
export function foldEvidenceLeaf(records: EvidenceRecord[], seq: number, body: Record<string, unknown>): boolean {
  if (body.type === 'evidence.added') {
    records.push(recordFromLeaf(seq, body));
    return true;
  }
  if (body.type !== 'evidence.withdrawn') return false;
  const r = records.find((x) => x.id === body.id);
  if (r !== undefined && r.withdrawn === undefined) r.withdrawn = { at: String(body.observedAt), by: body.by as EvidenceUploader, reason: String(body.reason), seq };
  return true;
}

/** Whether the record was withdrawn at or before `at` (ms): from its withdrawal on, it no longer counts. */
export const withdrawnBy = (r: EvidenceRecord, at: number): boolean => r.withdrawn !== undefined && Date.parse(r.withdrawn.at) <= at;

/** The window coverage is judged over: an instant (status now, Type 1 as-of) or a period [start, end) (Type 2). */
export type EvidenceWindow = { at: string } | { start: string; end: string };

/**
 * Whether a record counts for the window. At an instant: recorded by then, effective by then, not yet expired and not
 * withdrawn by then. Over a period: its effective date falls in the period and it was not withdrawn before the period's
 * end (docs/evidence.md, "What counts", "Withdrawal"). A withdrawal never reaches back: before it, the record counted.
 */
export function countsFor(r: EvidenceRecord, w: EvidenceWindow): boolean {
  const eff = Date.parse(r.effectiveAt);
  if ('at' in w) {
    const at = Date.parse(w.at);
    return Date.parse(r.recordedAt) <= at && eff <= at && (r.expiresAt === null || Date.parse(r.expiresAt) > at) && !withdrawnBy(r, at);
  }
  const end = Date.parse(w.end);
  return eff >= Date.parse(w.start) && eff < end && !withdrawnBy(r, end - 1);
}

/** Days before its evidence expires that a requirement becomes due, when the config does not say (`evidence.warnDays`). */
export const DEFAULT_WARN_DAYS = 30;

/**
 * How one requirement stands for a window. Per hire (src/rules/on-hire.ts): `evidenced` when no hire is overdue,
 * `missing` when one is, `error` when the HR roster cannot be trusted, `not-assessed` when no roster source is configured.
 */
export type RequirementState = 'evidenced' | 'missing' | 'error' | 'not-assessed';

export interface RequirementCoverage {
  id: string;
  title: string;
  cadence: string;
  owner?: string;
  state: RequirementState;
  /** Ids of the records that count, oldest effective first. */
  evidence: string[];
  /** Per-hire requirements judged on a roster: each hire of the window with its verdict, and the tally in words. */
  hires?: HireVerdict[];
  reason?: string;
}

/**
 * Each requirement of a criterion with the records that count for it in the window. `roster`: the HR roster per-hire
 * requirements are judged on (absent: they are not assessed, as where no roster is at hand).
 */
export function requirementCoverage(criterion: string, reqs: readonly ManualRequirement[], records: readonly EvidenceRecord[], w: EvidenceWindow, roster?: RosterState): RequirementCoverage[] {
  return reqs.map((q) => {
    const base = { id: q.id, title: q.title, cadence: q.cadence, ...(q.owner !== undefined ? { owner: q.owner } : {}) };
    const cad = cadenceOf(q.cadence);
    if (cad.kind === 'on-hire') {
      if (roster === undefined) return { ...base, state: 'not-assessed', evidence: [] };
      const j = judgeOnHire(criterion, q.id, cad.days, records, roster, w);
      return { ...base, state: j.state, evidence: j.evidence, hires: j.hires, reason: j.reason };
    }
    const ev = records
      .filter((r) => r.criterion === criterion && r.requirement === q.id && countsFor(r, w))
      .sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt) || a.seq - b.seq)
      .map((r) => r.id);
    return { ...base, state: ev.length > 0 ? 'evidenced' : 'missing', evidence: ev };
  });
}

/**
 * When a requirement needs attention now:
 * - `current`: evidence in force beyond the warning window (per hire: every hire of the last year evidenced);
 * - `due`: no evidence ever recorded, or the evidence in force expires within the warning window (per hire: a hire
 *   without evidence whose deadline has not passed);
 * - `overdue`: every piece recorded has expired (per hire: a hire without evidence past the deadline);
 * - `error`: per hire, the HR roster cannot be trusted (the reason says why);
 * - `not-assessed`: per hire, no HR roster source is configured (or none was handed in).
 */
export type DueState = 'current' | 'due' | 'overdue' | 'error' | 'not-assessed';

export interface RequirementDue {
  criterion: string;
  requirement: string;
  title: string;
  cadence: string;
  owner: string | null;
  state: DueState;
  /** Expiry of the evidence that lasts longest (null: never expires); absent when none was recorded. */
  expiresAt?: string | null;
  /** The record that lasts longest, which the state is judged on. */
  latest?: string;
  /** Per hire: the work emails of the hires overdue (state overdue) or pending (due), which the state is judged on. */
  hires?: string[];
  reason: string;
}

/**
 * Every requirement of the framework with its due state at `now`; `warnDays` before expiry it becomes due. Per-hire
 * requirements are judged on `roster` (absent: not assessed).
 */
export function dueStates(
  criteria: ReadonlyArray<{ id: string; manual?: readonly ManualRequirement[] }>,
  records: readonly EvidenceRecord[],
  now: Date,
  warnDays: number,
  roster?: RosterState,
): RequirementDue[] {
  const out: RequirementDue[] = [];
  const t = now.getTime();
  for (const c of criteria) {
    for (const q of c.manual ?? []) {
      const base = { criterion: c.id, requirement: q.id, title: q.title, cadence: q.cadence, owner: q.owner ?? null };
      const cad = cadenceOf(q.cadence);
      if (cad.kind === 'on-hire') {
        out.push(onHireDue(base, cad.days, records, now, roster));
        continue;
      }
      // The record that holds longest among those already effective (a future-dated one cannot be recorded).
      const mine = records.filter((r) => r.criterion === c.id && r.requirement === q.id && Date.parse(r.effectiveAt) <= t && !withdrawnBy(r, t));
      const best = mine.reduce<EvidenceRecord | undefined>((b, r) => (b === undefined || expiryMs(r) > expiryMs(b) ? r : b), undefined);
      if (best === undefined) {
        // Evidence withdrawn and nothing else: named (and keyed by that record), so the withdrawal alerts afresh.
        const gone = records.filter((r) => r.criterion === c.id && r.requirement === q.id && withdrawnBy(r, t)).at(-1);
        if (gone?.withdrawn !== undefined) out.push({ ...base, state: 'due', latest: gone.id, reason: `evidence ${gone.id} was withdrawn ${gone.withdrawn.at} (${gone.withdrawn.reason}); no other evidence in force` });
        else out.push({ ...base, state: 'due', reason: 'no evidence recorded' });
        continue;
      }
      const left = expiryMs(best) - t;
      const ev = { expiresAt: best.expiresAt, latest: best.id };
      if (left <= 0) out.push({ ...base, ...ev, state: 'overdue', reason: `evidence ${best.id} expired ${best.expiresAt}` });
      else if (left <= warnDays * 86_400_000) out.push({ ...base, ...ev, state: 'due', reason: `evidence ${best.id} expires ${best.expiresAt}` });
      else out.push({ ...base, ...ev, state: 'current', reason: best.expiresAt === null ? `evidence ${best.id}, no expiry` : `evidence ${best.id} until ${best.expiresAt}` });
    }
  }
  return out;
}

function onHireDue(base: Omit<RequirementDue, 'state' | 'reason'>, days: number, records: readonly EvidenceRecord[], now: Date, roster: RosterState | undefined): RequirementDue {
  if (roster === undefined) return { ...base, state: 'not-assessed', reason: 'per new hire: no HR roster at hand' };
  const j = judgeOnHire(base.criterion, base.requirement, days, records, roster, { at: now.toISOString() });
  const on = j.hires.filter((h) => (j.due === 'overdue' ? h.status === 'fail' : h.status === 'pending')).map((h) => h.email);
  return { ...base, state: j.due, reason: j.reason, ...(j.due === 'overdue' || j.due === 'due' ? { hires: on } : {}) };
}

const expiryMs = (r: EvidenceRecord): number => (r.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(r.expiresAt));

/** The default expiry of evidence effective at `effectiveAt` for a requirement: effective + cadence (null for `once`). */
export function defaultExpiry(req: ManualRequirement, effectiveAt: string): string | null {
  return addCadence(effectiveAt, cadenceOf(req.cadence));
}
