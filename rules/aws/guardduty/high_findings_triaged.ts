// aws.guardduty.high_findings_triaged: no HIGH or CRITICAL GuardDuty finding stays active past its triage SLA.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';
import { day, instant, olderThanDays } from '../../../src/rules/support/time.js';

interface Finding {
  id: string;
  type: string | null;
  severity: number | null;
  createdAt: string | null;
  archived: boolean | null;
}

export default defineRule({
  id: 'aws.guardduty.high_findings_triaged',
  title: 'No active HIGH or CRITICAL GuardDuty finding (severity 7.0 and above) is older than the triage SLA',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.guardduty.findings'],
  permissions: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:ListFindings', 'guardduty:GetFindings'],
  rationale: 'A HIGH finding is likely a compromise in progress (a credential used from an attacker, an instance mining or scanning); one left active past the SLA shows findings are not being triaged, whatever the detector coverage.',
  remediation: 'Investigate each finding, remediate the resource, then archive the finding (aws guardduty archive-findings) or record why it is accepted; route HIGH findings to on-call through EventBridge.',
  params: { maxOpenDays: { description: 'Longest a HIGH or CRITICAL finding may stay active (not archived), in days from its creation.', default: 7 } },
  evaluate(snapshot, { params, now }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.guardduty.findings')
      .map((g) => {
        const where = g.region ? { region: g.region } : {};
        const list = g.attributes.findings;
        if (!Array.isArray(list)) return unreadOutcome(g, ['findings']);
        if (g.attributes.detectors === 0) return { resourceId: g.id, status: 'not_applicable' as const, reason: `${g.region}: no GuardDuty detector (aws.guardduty.enabled judges that)`, ...where };
        // the listing asked for active HIGH+ findings; one that says otherwise is not counted as open
        const open = (list as Finding[]).filter((f) => f.archived !== true && (f.severity === null || f.severity >= 7));
        const late = open.filter((f) => f.createdAt !== null && instant(f.createdAt) !== undefined && olderThanDays(f.createdAt, now, params.maxOpenDays));
        const details = { open: open.length, late: late.map((f) => ({ id: f.id, type: f.type, severity: f.severity, createdAt: f.createdAt })) };
        if (late.length > 0) return { resourceId: g.id, status: 'fail' as const, reason: `${g.region}: ${late.length} HIGH+ finding(s) active past ${params.maxOpenDays} days: ${late.slice(0, 3).map((f) => `${f.type ?? f.id} since ${day(String(f.createdAt))}`).join('; ')}`, ...where, details };
        const undated = open.filter((f) => f.createdAt === null || instant(f.createdAt) === undefined || f.severity === null);
        if (undated.length > 0) return { resourceId: g.id, status: 'error' as const, reason: `${g.region}: could not tell — ${undated.length} active finding(s) without a creation time or severity`, ...where, details };
        return { resourceId: g.id, status: 'pass' as const, reason: open.length === 0 ? `${g.region}: no active HIGH+ finding` : `${g.region}: ${open.length} active HIGH+ finding(s), none older than ${params.maxOpenDays} days`, ...where, details };
      });
  },
});
