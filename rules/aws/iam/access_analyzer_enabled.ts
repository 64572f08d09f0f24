// aws.iam.access_analyzer_enabled: an active IAM Access Analyzer for external access covers every enabled region, and
// none of its ACTIVE findings has been left unreviewed past the allowed age.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';
import { listSome } from '../../../src/rules/support/resources.js';

// analyzers of external access; the *_UNUSED_ACCESS types watch unused permissions, not sharing outside the zone of trust
const EXTERNAL = new Set(['ACCOUNT', 'ORGANIZATION']);

export default defineRule({
  id: 'aws.iam.access_analyzer_enabled',
  title: 'IAM Access Analyzer (external access) is active in every enabled region, with no ACTIVE finding left unreviewed',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.accessanalyzer.analyzers'],
  permissions: ['access-analyzer:ListAnalyzers', 'access-analyzer:ListFindingsV2'],
  rationale: 'Access Analyzer finds buckets, keys, roles and other resources shared outside the account or organization, region by region.',
  remediation: 'aws accessanalyzer create-analyzer --analyzer-name external-access --type ACCOUNT --region REGION (or type ORGANIZATION from the delegated administrator); review each ACTIVE finding: remove the access, or archive it as intended (an archive rule for recurring intended access).',
  params: {
    maxFindingAgeDays: { description: 'Days an ACTIVE finding may stay unreviewed (neither archived nor resolved).', default: 30 },
  },
  evaluate(snapshot, { params, now }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.accessanalyzer.analyzers')
      .map((a) => {
        const list = a.attributes.analyzers;
        if (!Array.isArray(list)) return unreadOutcome(a, ['analyzers']);
        const where = a.region ? { region: a.region } : {};
        const xs = list as Array<{ name: string; type: string | null; status: string | null; activeFindings?: unknown }>;
        const active = xs.find((x) => x.status === 'ACTIVE' && x.type !== null && EXTERNAL.has(x.type));
        if (active) {
          const findings = (active as { activeFindings?: unknown }).activeFindings;
          if (!Array.isArray(findings)) return unreadOutcome(a, ['active findings']);
          const fs = findings as Array<{ id: string; resource: string | null; createdAt: string | null }>;
          if (fs.some((f) => f.createdAt === null)) return unreadOutcome(a, ['finding createdAt']);
          const limit = now.getTime() - params.maxFindingAgeDays * 86_400_000;
          const stale = fs.filter((f) => Date.parse(String(f.createdAt)) < limit);
          const base = `${a.region}: analyzer ${active.name} (${active.type}) active`;
          if (stale.length > 0) return { resourceId: a.id, status: 'fail' as const, reason: `${base}, but ${stale.length} ACTIVE finding(s) unreviewed for more than ${params.maxFindingAgeDays} days: ${listSome(stale.map((f) => `${f.resource ?? f.id} since ${String(f.createdAt).slice(0, 10)}`))}`, ...where, details: { stale: stale.map((f) => f.id) } };
          return { resourceId: a.id, status: 'pass' as const, reason: `${base}, ${fs.length} ACTIVE finding(s), none older than ${params.maxFindingAgeDays} days`, ...where };
        }
        if (xs.some((x) => x.status === null || x.type === null)) return unreadOutcome(a, ['analyzer type or status']);
        return { resourceId: a.id, status: 'fail' as const, reason: xs.length === 0 ? `${a.region}: no Access Analyzer` : `${a.region}: no active external-access analyzer (${xs.map((x) => `${x.name} ${x.type} ${x.status}`).join(', ')})`, ...where };
      });
  },
});
