// aws.guardduty.enabled: a GuardDuty detector is enabled (not suspended) in every enabled region.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.guardduty.enabled',
  title: 'GuardDuty has an enabled detector in every enabled region',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.guardduty.detectors'],
  permissions: ['guardduty:ListDetectors', 'guardduty:GetDetector'],
  rationale: 'GuardDuty watches CloudTrail, VPC flow and DNS logs for malicious activity; a region without it is a blind spot an attacker can use.',
  remediation: 'aws guardduty create-detector --enable --region REGION (or enable it for the organization from the delegated administrator); resume a suspended detector with update-detector --enable.',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.guardduty.detectors')
      .map((g) => {
        const ds = g.attributes.detectors;
        if (!Array.isArray(ds)) return unreadOutcome(g, ['detectors']);
        const where = g.region ? { region: g.region } : {};
        const list = ds as Array<{ id: string; status: string | null }>;
        if (list.some((d) => d.status === 'ENABLED')) return { resourceId: g.id, status: 'pass' as const, reason: `${g.region}: detector ${list.find((d) => d.status === 'ENABLED')!.id} enabled`, ...where };
        if (list.some((d) => d.status === null)) return unreadOutcome(g, ['detector status']);
        return { resourceId: g.id, status: 'fail' as const, reason: list.length === 0 ? `${g.region}: no GuardDuty detector` : `${g.region}: detector ${list.map((d) => d.id).join(', ')} ${list.map((d) => d.status).join(', ')} (suspended)`, ...where };
      });
  },
});
