// changes.csv: what changed about the monitoring itself in the period — agent versions, rule definitions, rule sets.
import { csvRow, type ReportOut } from './csv.js';
import { str, type LeafRecord } from './types.js';

export const CHANGES_FILE = 'report/changes.csv';
export const CHANGES_HEADER = ['seq', 'observed_at', 'kind', 'subject', 'version_or_hash', 'parameters'];

export class ChangeLog {
  readonly agentVersions = new Set<string>();

  constructor(private readonly out: ReportOut, private readonly ruleFilter: (id: string) => boolean) {}

  /** An `agent.started`, `rule.defined` (rules in scope) or `ruleset.defined` leaf. */
  leaf(l: LeafRecord, type: string, at: string): void {
    const b = l.body;
    const row = (fields: unknown[]): void => this.out.write(CHANGES_FILE, CHANGES_HEADER, csvRow([l.seq, at, type, ...fields]));
    if (type === 'agent.started') {
      const v = str(b.version);
      if (v) this.agentVersions.add(v);
      row(['', v ?? '', '']);
    } else if (type === 'rule.defined') {
      const r = (b.rule ?? {}) as Record<string, unknown>;
      const id = str(r.id) ?? '';
      if (this.ruleFilter(id)) row([id, str(r.logicSha256) ?? '', JSON.stringify(r.params ?? {})]);
    } else row([str(b.source) ?? '', str(b.ruleSetVersion) ?? '', '']);
  }

  finish(): void {
    this.out.write(CHANGES_FILE, CHANGES_HEADER, '');
  }
}
