// entra.governance.access_reviews_configured: recurring Entra access reviews cover privileged role holders (and guests),
// and each has an instance completed within `maxAgeDays`. Needs Entra ID P2 or ID Governance; without it: error.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { EntraAccessReviewAttributes } from '../../../src/core/contracts/entra.js';

export default defineRule({
  id: 'entra.governance.access_reviews_configured',
  title: 'Recurring Entra access reviews cover privileged roles and guests and have completed recently',
  severity: 'medium',
  source: 'entra',
  mode: 'snapshot',
  inputs: ['entra.tenant', 'entra.access_review'],
  permissions: ['AccessReview.Read.All', 'Entra ID P2 or ID Governance licence'],
  rationale:
    'Access granted once tends to stay. A recurring review of privileged role holders and guests, completed on schedule, is the periodic access review auditors test; a review that exists but has not completed in the period evidences nothing.',
  remediation:
    'Identity Governance › Access reviews: create recurring (quarterly) reviews of the privileged directory roles and of guest users in all Microsoft 365 groups, with reviewers and auto-apply, and make sure each instance is completed.',
  params: {
    maxAgeDays: { description: 'Longest time since a review instance of each population completed, in days.', default: 100 },
    requireGuests: { description: 'Also require a recurring review of guest users.', default: true },
  },
  evaluate(snapshot, { now, params }) {
    const t = resourcesOfType(snapshot, 'entra.tenant')[0];
    if (!t) return [];
    const reviews = resourcesOfType<EntraAccessReviewAttributes>(snapshot, 'entra.access_review');
    const targets: Array<['privileged_roles' | 'guests', string]> = [['privileged_roles', 'privileged role holders'], ...(params.requireGuests ? [['guests', 'guest users'] as ['guests', string]] : [])];
    const problems: string[] = [];
    const found: string[] = [];
    for (const [target, label] of targets) {
      const recurring = reviews.filter((r) => r.attributes.target === target && r.attributes.recurrence !== null);
      if (recurring.length === 0) { problems.push(`no recurring access review of ${label}`); continue; }
      const latest = recurring.map((r) => r.attributes.lastCompletedAt).filter((x): x is string => x !== null).sort().pop() ?? null;
      const age = latest === null ? null : Math.floor((now.getTime() - Date.parse(latest)) / 86_400_000);
      const names = recurring.map((r) => `"${r.name}"`).join(', ');
      if (age === null) problems.push(`the review of ${label} (${names}) has never completed`);
      else if (age > params.maxAgeDays) problems.push(`the review of ${label} (${names}) last completed ${age} days ago (limit ${params.maxAgeDays})`);
      else found.push(`${label} reviewed ${age} days ago (${names})`);
    }
    const details = { reviews: reviews.map((r) => ({ id: r.id, name: r.name, target: r.attributes.target, recurrence: r.attributes.recurrence, lastCompletedAt: r.attributes.lastCompletedAt })) };
    return problems.length
      ? [{ resourceId: t.id, status: 'fail', reason: problems.join('; '), details }]
      : [{ resourceId: t.id, status: 'pass', reason: found.join('; '), details }];
  },
});
