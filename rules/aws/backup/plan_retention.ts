// aws.backup.plan_retention: a scheduled backup plan with resource selections keeps backups long enough.
import { defineRule } from '../../../src/rules/define.js';
import { accountId } from '../../../src/rules/support/aws-services.js';

export default defineRule({
  id: 'aws.backup.plan_retention',
  title: 'A backup plan with a schedule, resource selections and enough retention exists',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.backup.plan'],
  permissions: ['backup:ListBackupPlans', 'backup:GetBackupPlan', 'backup:ListBackupSelections'],
  rationale: 'Backups must run on a schedule, cover the data that matters and be kept long enough to recover from problems found late.',
  remediation: 'Create an AWS Backup plan with a scheduled rule, Lifecycle.DeleteAfterDays at least minRetentionDays and a tag-based selection.',
  params: { minRetentionDays: { description: 'Fewest days a recovery point is kept.', default: 35 } },
  evaluate(snapshot, { params }) {
    const plans = snapshot.resources.filter((r) => r.type === 'aws.backup.plan');
    const good = plans.filter((p) => {
      const rules = (p.attributes.rules as Array<{ schedule: string | null; deleteAfterDays: number | null }>) ?? [];
      // no DeleteAfterDays means recovery points are kept forever
      return Number(p.attributes.selections) > 0 && rules.some((r) => r.schedule && (r.deleteAfterDays === null || r.deleteAfterDays >= params.minRetentionDays));
    });
    const unread = plans.filter((p) => !Array.isArray(p.attributes.rules) || typeof p.attributes.selections !== 'number');
    if (good.length > 0) return good.map((p) => ({ resourceId: p.id, status: 'pass' as const, reason: `plan ${p.name} is scheduled, selects resources and keeps backups ≥ ${params.minRetentionDays} days`, ...(p.region ? { region: p.region } : {}) }));
    if (unread.length > 0) return [{ resourceId: accountId(snapshot), status: 'error', reason: `no backup plan qualifies on what was read; ${unread.map((p) => p.name).join(', ')} could not be judged (rules or selections unread)` }];
    return [{ resourceId: accountId(snapshot), status: 'fail', reason: plans.length === 0 ? 'no AWS Backup plan' : `none of ${plans.length} backup plan(s) has a schedule, selections and retention ≥ ${params.minRetentionDays} days`, details: { plans: plans.map((p) => p.name) } }];
  },
});
