// aws.iam.access_analyzer_enabled: an active IAM Access Analyzer for external access covers every enabled region.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

// analyzers of external access; the *_UNUSED_ACCESS types watch unused permissions, not sharing outside the zone of trust
const EXTERNAL = new Set(['ACCOUNT', 'ORGANIZATION']);

export default defineRule({
  id: 'aws.iam.access_analyzer_enabled',
  title: 'IAM Access Analyzer (external access) is active in every enabled region',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.accessanalyzer.analyzers'],
  permissions: ['access-analyzer:ListAnalyzers'],
  rationale: 'Access Analyzer finds buckets, keys, roles and other resources shared outside the account or organization, region by region.',
  remediation: 'aws accessanalyzer create-analyzer --analyzer-name external-access --type ACCOUNT --region REGION (or type ORGANIZATION from the delegated administrator).',
  params: {},
  evaluate(snapshot) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.accessanalyzer.analyzers')
      .map((a) => {
        const list = a.attributes.analyzers;
        if (!Array.isArray(list)) return unreadOutcome(a, ['analyzers']);
        const where = a.region ? { region: a.region } : {};
        const xs = list as Array<{ name: string; type: string | null; status: string | null }>;
        const active = xs.find((x) => x.status === 'ACTIVE' && x.type !== null && EXTERNAL.has(x.type));
        if (active) return { resourceId: a.id, status: 'pass' as const, reason: `${a.region}: analyzer ${active.name} (${active.type}) active`, ...where };
        if (xs.some((x) => x.status === null || x.type === null)) return unreadOutcome(a, ['analyzer type or status']);
        return { resourceId: a.id, status: 'fail' as const, reason: xs.length === 0 ? `${a.region}: no Access Analyzer` : `${a.region}: no active external-access analyzer (${xs.map((x) => `${x.name} ${x.type} ${x.status}`).join(', ')})`, ...where };
      });
  },
});
