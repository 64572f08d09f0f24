// risk-acceptances.csv: the register of exceptions in force at some point of the period (approved requests, grants from
// exceptions.yaml, and older single-step grants): those in force at the period start, and those granted, revoked or
// expired in it, one row each (Type 1: those in force at the instant). A request never approved (pending or rejected)
// accepted no risk and is not a row.
import { csvRow, type ReportOut } from './csv.js';
import { describeStoredPrincipal } from '../../core/principal-text.js';
import { str, type LeafRecord } from './types.js';


export const RISK_FILE = 'report/risk-acceptances.csv';
/**
 * `requester`/`approver` are principals (`token:name (role)`, `local:user@host`) for a two-step exception, typed names
 * for one from exceptions.yaml (`origin` `file:<path>`: only as trustworthy as the review of that file) or from before
 * two-step approval. `active_at_start`: in force when the period began. `requested` is when a two-step exception was
 * asked for; `forced`, `yes` when it was requested on a resource with no failing result.
 */
export const RISK_HEADER = ['id', 'rule', 'resource', 'requester', 'approver', 'granted', 'expires', 'revoked', 'reason', 'status', 'granted_seq', 'ended_seq', 'ended_by', 'end_reason', 'active_at_start', 'origin', 'requested', 'forced'];
/** Columns every row must fill: what an auditor needs to judge an acceptance (checked again by the verifier). */
export const RISK_REQUIRED = ['id', 'rule', 'resource', 'requester', 'approver', 'granted', 'expires', 'reason'] as const;

interface Entry {
  id: string;
  grant: Record<string, unknown>;
  granted: string;
  grantedSeq: number | '';
  revoked: string;
  expired: boolean;
  endedSeq: number | '';
  endedBy: string;
  endReason: string;
  /** An end leaf before the period start: not in force at the start. */
  endedBefore: boolean;
}

/**
 * Folds `exception.*` leaves by exception id. A grant leaf holds the grant under `exception`; an end leaf names it by
 * `exceptionId` and (since end leaves carry it) holds a copy of the grant with `grantedAt`/`grantedSeq`, so a revocation
 * whose grant predates the slice is still a complete row. Leaves before the period start (`prior`) only tell which
 * exceptions were in force at the start: the slice starts low enough to hold the grant of each (src/export/bundle.ts).
 * Rows: those in force at the start in grant order, then the others in the order each id first appears in the period.
 */
export class RiskRegister {
  private readonly entries = new Map<string, Entry>();
  /** Ids in the order they first appear in the period. */
  private readonly inPeriod = new Set<string>();
  /** Exception leaves in the period (Type 1: before the instant). */
  records = 0;
  private rowCount = 0;

  constructor(
    private readonly out: ReportOut,
    private readonly start: string,
    private readonly end: string,
  ) {}

  /** Rows of the register (known once `finish` ran). */
  get rows(): number {
    return this.rowCount;
  }

  /** An exception leaf recorded before the period start. */
  prior(l: LeafRecord, type: string, at: string): void {
    if (type === 'exception.requested' || type === 'exception.rejected') return;
    const e = this.fold(l, type, at);
    if (type !== 'exception.granted' && type !== 'exception.approved') e.endedBefore = true;
  }

  /** An exception leaf of the period. */
  leaf(l: LeafRecord, type: string, at: string): void {
    // A request takes effect only when approved (whose leaf carries it); a rejected one never did.
    if (type === 'exception.requested' || type === 'exception.rejected') return;
    this.records++;
    const e = this.fold(l, type, at);
    this.inPeriod.add(e.id);
  }

  private fold(l: LeafRecord, type: string, at: string): Entry {
    const b = l.body;
    let grant = (b.exception ?? {}) as Record<string, unknown>;
    if (type === 'exception.approved') grant = { ...grant, requester: describeStoredPrincipal(grant.requestedBy), approver: describeStoredPrincipal(b.by) };
    const id = type === 'exception.granted' ? str(grant.id) ?? '' : str(b.exceptionId) ?? str(grant.id) ?? '';
    let e = this.entries.get(id);
    if (!e) {
      e = { id, grant, granted: '', grantedSeq: '', revoked: '', expired: false, endedSeq: '', endedBy: '', endReason: '', endedBefore: false };
      this.entries.set(id, e);
    }
    if (type === 'exception.granted' || type === 'exception.approved') {
      e.grant = grant;
      e.granted = at;
      e.grantedSeq = l.seq;
      return e;
    }
    if (e.granted === '') {
      // The grant is older than the slice: the end leaf's copy speaks for it.
      e.grant = grant;
      e.granted = str(grant.grantedAt) ?? '';
      e.grantedSeq = typeof grant.grantedSeq === 'number' ? grant.grantedSeq : '';
    }
    if (type === 'exception.revoked') e.revoked = at;
    if (type === 'exception.expired') e.expired = true;
    e.endedSeq = l.seq;
    e.endedBy = str(b.by) ?? '';
    e.endReason = str(b.reason) ?? '';
    return e;
  }

  /** In force at the period start: granted before it, not ended by a leaf before it, expiring after it. */
  private activeAtStart(e: Entry): boolean {
    const expires = str(e.grant.expiresAt);
    const s = Date.parse(this.start);
    return e.granted !== '' && Date.parse(e.granted) < s && !e.endedBefore && expires !== undefined && Date.parse(expires) > s;
  }

  finish(): void {
    const carried = [...this.entries.values()].filter((e) => this.activeAtStart(e));
    const ids = new Set(carried.map((e) => e.id));
    const list = [...carried, ...[...this.inPeriod].filter((id) => !ids.has(id)).map((id) => this.entries.get(id)!)];
    this.rowCount = list.length;
    const rows = list.map((e) => {
      const g = e.grant;
      const expires = str(g.expiresAt) ?? '';
      const status = e.revoked !== '' ? 'revoked' : e.expired || (expires !== '' && Date.parse(expires) <= Date.parse(this.end)) ? 'expired' : 'active';
      const requested = g.requestedBy === undefined ? '' : str(g.requestedAt) ?? '';
      return csvRow([e.id, str(g.ruleId) ?? '', str(g.resourceId) ?? '', str(g.requester) ?? '', str(g.approver) ?? '', e.granted, expires, e.revoked, str(g.reason) ?? '', status, e.grantedSeq, e.endedSeq, e.endedBy, e.endReason, ids.has(e.id) ? 'yes' : 'no', str(g.origin) ?? '', requested, g.forced === true ? 'yes' : '']);
    });
    this.out.write(RISK_FILE, RISK_HEADER, rows.join(''));
  }
}
