// risk-acceptances.csv: the register of exceptions (`vigil exceptions add`) granted, revoked or expired in the period, one row each.
import { csvRow, type ReportOut } from './csv.js';
import { str, type LeafRecord } from './types.js';

export const RISK_FILE = 'report/risk-acceptances.csv';
export const RISK_HEADER = ['id', 'rule', 'resource', 'requester', 'approver', 'granted', 'expires', 'revoked', 'reason', 'status', 'granted_seq', 'ended_seq', 'ended_by', 'end_reason'];
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
}

/**
 * Folds `exception.*` leaves by exception id. A grant leaf holds the grant under `exception`; an end leaf names it by
 * `exceptionId` and (since end leaves carry it) holds a copy of the grant with `grantedAt`/`grantedSeq`, so a revocation
 * whose grant predates the slice is still a complete row. Rows come in the order each id first appears.
 */
export class RiskRegister {
  private readonly entries = new Map<string, Entry>();
  records = 0;

  constructor(private readonly out: ReportOut, private readonly end: string) {}

  /** Rows of the register: one per exception id. */
  get rows(): number {
    return this.entries.size;
  }

  leaf(l: LeafRecord, type: string, at: string): void {
    const b = l.body;
    this.records++;
    const grant = (b.exception ?? {}) as Record<string, unknown>;
    const id = type === 'exception.granted' ? str(grant.id) ?? '' : str(b.exceptionId) ?? str(grant.id) ?? '';
    let e = this.entries.get(id);
    if (!e) {
      e = { id, grant, granted: '', grantedSeq: '', revoked: '', expired: false, endedSeq: '', endedBy: '', endReason: '' };
      this.entries.set(id, e);
    }
    if (type === 'exception.granted') {
      e.grant = grant;
      e.granted = at;
      e.grantedSeq = l.seq;
      return;
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
  }

  finish(): void {
    const rows = [...this.entries.values()].map((e) => {
      const g = e.grant;
      const expires = str(g.expiresAt) ?? '';
      const status = e.revoked !== '' ? 'revoked' : e.expired || (expires !== '' && Date.parse(expires) <= Date.parse(this.end)) ? 'expired' : 'active';
      return csvRow([e.id, str(g.ruleId) ?? '', str(g.resourceId) ?? '', str(g.requester) ?? '', str(g.approver) ?? '', e.granted, expires, e.revoked, str(g.reason) ?? '', status, e.grantedSeq, e.endedSeq, e.endedBy, e.endReason]);
    });
    this.out.write(RISK_FILE, RISK_HEADER, rows.join(''));
  }
}
