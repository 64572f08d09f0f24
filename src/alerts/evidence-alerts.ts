// Manual evidence alerts: a requirement that becomes due (no evidence, or expiring within warnDays) or overdue (its
// evidence expired) raises one `evidence.due` / `evidence.overdue` alert per transition, folded from the ledger.
import { createHash } from 'node:crypto';
import type { LeafInput } from '../ledger/ledger.js';
import type { ManualRequirement } from '../rules/requirements.js';
import { RosterRuns, type BlobSource } from '../evidence/roster.js';
import { dueStates, foldEvidenceLeaf, type EvidenceRecord, type RequirementDue } from '../rules/manual-evidence.js';

/** What the engine needs to judge manual evidence: the framework's requirements and the warning window. */
export interface EvidenceAlertOptions {
  criteria: ReadonlyArray<{ id: string; manual?: readonly ManualRequirement[] }>;
  /** A requirement is due this many days before its evidence expires. */
  warnDays: number;
  /** Whether a `hris` source is configured: per-hire requirements are then judged on its roster. @defaultValue when the ledger holds a hris run */
  hrisConfigured?: boolean;
}

/** One requirement in an evidence alert (the `evidence` list of the alert leaf). */
export type EvidenceAlertItem = Pick<RequirementDue, 'criterion' | 'requirement' | 'title' | 'owner' | 'reason'> & { state: 'due' | 'overdue'; expiresAt?: string | null; latest?: string; hires?: string[] };

/**
 * A transition is keyed by requirement, state and the record it is judged on (none when there is no evidence), so the
 * same state alerts once; new evidence that later expires (or nears expiry) alerts again. Rebuilt from the ledger at
 * start like the rest of the engine's fold, so a restart raises nothing twice.
 */
export class EvidenceAlerts {
  private readonly records: EvidenceRecord[] = [];
  private readonly alerted = new Set<string>();
  private readonly roster = new RosterRuns();

  constructor(private readonly opts: EvidenceAlertOptions) {}

  /** An `evidence.added` or `evidence.withdrawn` leaf. */
  record(seq: number, body: Record<string, unknown>): void {
    foldEvidenceLeaf(this.records, seq, body);
  }

  /** A `run` leaf (the HR roster's runs are kept, for per-hire requirements). */
  run(body: Record<string, unknown>): void {
    this.roster.leaf(body);
  }

  /** An `alert` leaf's evidence items, as already alerted. */
  alertedItems(items: readonly EvidenceAlertItem[] | undefined): void {
    for (const i of items ?? []) this.alerted.add(keyOf(i));
  }

  /** Alert leaves for the transitions not yet alerted at `now`: one per kind, listing every requirement it concerns. */
  async leaves(now: Date, blobs: BlobSource): Promise<Array<LeafInput<'alert'>>> {
    const roster = await this.roster.state(blobs, now, this.opts.hrisConfigured !== undefined ? { configured: this.opts.hrisConfigured } : {});
    const fresh = dueStates(this.opts.criteria, this.records, now, this.opts.warnDays, roster)
      .filter((d): d is RequirementDue & { state: 'due' | 'overdue' } => d.state === 'due' || d.state === 'overdue')
      .map((d): EvidenceAlertItem => ({
        criterion: d.criterion,
        requirement: d.requirement,
        title: d.title,
        owner: d.owner,
        state: d.state,
        reason: d.reason,
        ...(d.expiresAt !== undefined ? { expiresAt: d.expiresAt } : {}),
        ...(d.latest !== undefined ? { latest: d.latest } : {}),
        ...(d.hires !== undefined ? { hires: d.hires } : {}),
      }))
      .filter((i) => !this.alerted.has(keyOf(i)));
    const out: Array<LeafInput<'alert'>> = [];
    for (const state of ['overdue', 'due'] as const) {
      const items = fresh.filter((i) => i.state === state);
      if (items.length === 0) continue;
      const names = items.map((i) => `${i.criterion}/${i.requirement}`);
      const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
      out.push({
        type: 'alert',
        idempotencyKey: `alert:evidence.${state}:${createHash('sha256').update(items.map(keyOf).join('\n')).digest('hex').slice(0, 16)}`,
        data: {
          kind: `evidence.${state}`,
          severity: state === 'overdue' ? 'medium' : 'low',
          title: `Manual evidence ${state}: ${shown}`,
          count: items.length,
          evidence: items,
        },
      });
    }
    return out;
  }
}

// Per hire, the hires judged on are part of the key: a newly overdue hire alerts again, the same ones never twice.
const keyOf = (i: Pick<EvidenceAlertItem, 'criterion' | 'requirement' | 'state' | 'latest' | 'hires'>): string => `${i.state}\u0000${i.criterion}\u0000${i.requirement}\u0000${i.latest ?? ''}\u0000${(i.hires ?? []).join(',')}`;
