// The rule-replay appendix of an export (`vigil export --replay RULE`): what a rule as it is now would have said about
// the period's stored snapshots, carried beside the evidence and labelled as a what-if, never as a record. Shared by the
// exporter (which writes it) and the verifier (which checks it), so it imports no rule code.
import type { ReplayReport } from '../report/replay.js';

export const REPLAY_APPENDIX_KIND = 'vigil.rule-replay';

/** The label every replay appendix carries, word for word (the verifier checks it is there, unaltered). */
export const WHAT_IF_NOTICE =
  'WHAT-IF, NOT EVIDENCE: this appendix re-evaluates the resource snapshots stored with the period\'s runs with the rule as it was when the bundle was exported (logicSha256, params). It is not what was recorded: the recorded results are the evidence (ledger/, attachments/, report/), and the ledger was not changed.';

/** One appendix file as manifest.json lists it. */
export interface AppendixEntry {
  kind: 'rule-replay';
  ruleId: string;
  file: string;
}

/** The file's content: the replay report wrapped with its label and the period it covers. */
export interface ReplayAppendix {
  kind: typeof REPLAY_APPENDIX_KIND;
  whatIf: true;
  notice: string;
  ruleId: string;
  /** The bundle's period (manifest.json report.start/end): the replay covers runs whose slot is in [start, end). */
  period: { start: string; end: string };
  /** Vigil version that ran the replay (the rule code it ran is that version's). */
  generator: { name: 'vigil'; version: string };
  report: ReplayReport;
}

const RULE_ID = /^[a-z0-9][a-z0-9_.-]*$/;

/** Where a rule's replay goes in the bundle; undefined for an id that cannot be a bundle file name. */
export function replayAppendixFile(ruleId: string): string | undefined {
  return RULE_ID.test(ruleId) ? `appendix/replay/${ruleId}.json` : undefined;
}

/** The appendix text for `report` over the bundle's period (pretty JSON: it is read by people too). */
export function replayAppendixText(report: ReplayReport, period: { start: string; end: string }, version: string): string {
  const a: ReplayAppendix = { kind: REPLAY_APPENDIX_KIND, whatIf: true, notice: WHAT_IF_NOTICE, ruleId: report.ruleId, period, generator: { name: 'vigil', version }, report };
  return `${JSON.stringify(a, null, 2)}\n`;
}
