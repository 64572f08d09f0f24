// GuardDuty findings a run must see to judge triage: every active (not archived) finding of severity HIGH or above
// (≥ 7.0) of each detector in a region, listed with ListFindings' criteria and read in batches of 50 with GetFindings.
import { GetFindingsCommand, ListFindingsCommand } from '@aws-sdk/client-guardduty';
import { pages, type Item } from './services-regional.js';
import type { AnyClient, Reader } from './service-reader.js';

/** The lowest severity GuardDuty calls HIGH (HIGH 7.0–8.9, CRITICAL 9.0–10.0); the listing asks for these only. */
export const HIGH_SEVERITY = 7;
/** GetFindings takes at most 50 finding ids a call. */
const GET_BATCH = 50;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const iso = (v: unknown): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : null);

export const FINDINGS_ACTION_INPUTS: Record<string, string[]> = {
  'guardduty:ListFindings': ['aws.guardduty.findings'],
  'guardduty:GetFindings': ['aws.guardduty.findings'],
};

/** One finding as the rule reads it, or why it cannot be judged. */
function finding(f: Item): Record<string, unknown> | string {
  const id = str(f.Id);
  if (!id) return 'a finding without Id';
  const severity = typeof f.Severity === 'number' && Number.isFinite(f.Severity) ? f.Severity : null;
  const archived = (f.Service as Item | undefined)?.Archived;
  // an open finding the rule would date from CreatedAt: without it (or its severity) the finding cannot be judged
  return { id, type: str(f.Type), title: str(f.Title), severity, createdAt: iso(f.CreatedAt), updatedAt: iso(f.UpdatedAt), archived: typeof archived === 'boolean' ? archived : null };
}

/** Active HIGH+ findings of one detector; undefined when a page or batch failed or a finding came without its id. */
async function detectorFindings(rd: Reader, region: string, gd: AnyClient, detectorId: string): Promise<Array<Record<string, unknown>> | undefined> {
  const criteria = { Criterion: { severity: { GreaterThanOrEqual: HIGH_SEVERITY }, 'service.archived': { Equals: ['false'] } } };
  const ids = await pages(rd, 'guardduty:ListFindings', region, gd, (t) => new ListFindingsCommand({ DetectorId: detectorId, FindingCriteria: criteria, MaxResults: 50, ...(t ? { NextToken: t } : {}) }), 'FindingIds', (r) => r.NextToken);
  if (!ids) return undefined;
  if (ids.some((x) => !str(x))) {
    rd.malformed('guardduty:ListFindings', region, 'an empty finding id');
    return undefined;
  }
  const out: Array<Record<string, unknown>> = [];
  const list = [...new Set(ids as unknown as string[])];
  for (let i = 0; i < list.length; i += GET_BATCH) {
    const batch = list.slice(i, i + GET_BATCH);
    const r = await rd.send<{ Findings: Item[] }>('guardduty:GetFindings', region, gd, new GetFindingsCommand({ DetectorId: detectorId, FindingIds: batch }), { list: 'Findings' });
    rd.count();
    if (!r) return undefined;
    rd.art(`guardduty:GetFindings ${region} ${detectorId}#${i / GET_BATCH + 1}`, r);
    const got = r.Findings.map(finding);
    const bad = got.find((x) => typeof x === 'string');
    if (bad) {
      rd.malformed('guardduty:GetFindings', region, String(bad));
      return undefined;
    }
    // GetFindings leaves out ids it no longer knows; a listed finding that did not come back cannot be judged
    const seen = new Set(got.map((x) => (x as Record<string, unknown>).id));
    const lost = batch.filter((id) => !seen.has(id));
    if (lost.length > 0) {
      rd.malformed('guardduty:GetFindings', region, `${lost.length} listed finding(s) not returned (${lost.slice(0, 3).join(', ')})`, 'incomplete');
      return undefined;
    }
    out.push(...(got as Array<Record<string, unknown>>));
  }
  return out;
}

/** The region's active HIGH+ findings over its detectors, as one resource; true when every detector was read whole. */
export async function readGuardDutyFindings(rd: Reader, region: string, gd: AnyClient, detectorIds: string[]): Promise<boolean> {
  const findings: Array<Record<string, unknown>> = [];
  for (const id of detectorIds) {
    const f = await detectorFindings(rd, region, gd, id);
    if (!f) return false;
    findings.push(...f.map((x) => ({ ...x, detectorId: id })));
  }
  rd.res('aws.guardduty.findings', `arn:aws:guardduty:${region}:${rd.account}:findings/high-active`, `guardduty-findings/${region}`, region, { detectors: detectorIds.length, minSeverity: HIGH_SEVERITY, findings });
  return true;
}
