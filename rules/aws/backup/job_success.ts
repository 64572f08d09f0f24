// aws.backup.job_success: each backup job that ended in the period, listed, with failures flagged for follow-up.
import { defineRule } from '../../../src/rules/define.js';
import { unread, unreadOutcome } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.backup.job_success',
  title: 'Backup jobs succeed throughout the period, and each failure has a follow-up',
  severity: 'high',
  source: 'aws',
  mode: 'period',
  inputs: ['aws.backup.job'],
  permissions: ['backup:ListBackupJobs'],
  rationale: 'A Type 2 audit asks whether backups actually ran during the period, not whether a plan existed on the audit date.',
  remediation: 'Investigate each failed job (StatusMessage), fix the cause, and link the follow-up ticket as an exception.',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.backup.job')
      .map((j) => {
        const a = j.attributes;
        const missing = unread(j, ['state', 'completedAt']);
        if (missing.length > 0) return unreadOutcome(j, missing);
        const ok = a.state === 'COMPLETED';
        return {
          resourceId: j.id,
          status: ok ? 'pass' : 'fail',
          reason: `backup of ${String(a.resourceArn)} ${ok ? 'completed' : `ended ${String(a.state)}${a.statusMessage ? `: ${String(a.statusMessage)}` : ''}`} at ${String(a.completedAt)}`,
          occurredAt: String(a.completedAt),
          ...(j.region ? { region: j.region } : {}),
          details: { state: a.state, resourceType: a.resourceType },
        };
      });
  },
});
