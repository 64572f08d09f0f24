// Works out which rulesets apply to a default branch and merges them with classic protection the way GitHub layers them.
import type { GithubBranchRulesAttributes, GithubRulesetSummary } from '../../src/core/contracts/github.js';

export interface GqlProtection {
  requiresApprovingReviews: boolean;
  requiredApprovingReviewCount: number | null;
  dismissesStaleReviews: boolean;
  requiresCodeOwnerReviews: boolean;
  requireLastPushApproval: boolean;
  requiresStatusChecks: boolean;
  requiresStrictStatusChecks: boolean;
  requiredStatusCheckContexts: string[] | null;
  allowsForcePushes: boolean;
  allowsDeletions: boolean;
  isAdminEnforced: boolean;
}

export interface GqlRuleset {
  databaseId: number;
  name: string;
  enforcement: 'ACTIVE' | 'EVALUATE' | 'DISABLED';
  target: string | null;
  source: { __typename: string; login?: string; nameWithOwner?: string } | null;
  conditions: { refName: { include: string[]; exclude: string[] } | null } | null;
  bypassActors: { totalCount: number };
  rules: { nodes: Array<{ type: string; parameters: Record<string, unknown> | null }> };
}

/** fnmatch-style ref pattern (GitHub rulesets): `*` stays within a path segment, `**` crosses them. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') { re += '.*'; i++; } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function refMatches(pattern: string, branch: string): boolean {
  if (pattern === '~ALL' || pattern === '~DEFAULT_BRANCH') return true;
  const full = `refs/heads/${branch}`;
  return globToRegExp(pattern).test(full) || globToRegExp(pattern).test(branch);
}

/** True when the ruleset targets branches and its ref conditions include the default branch and do not exclude it. */
export function rulesetAppliesToDefaultBranch(rs: GqlRuleset, branch: string): boolean {
  if (rs.target !== null && rs.target !== 'BRANCH') return false;
  const cond = rs.conditions?.refName;
  if (!cond) return false;
  const excluded = cond.exclude.some((p) => p !== '~ALL' && refMatches(p, branch)) || cond.exclude.includes('~DEFAULT_BRANCH');
  return !excluded && cond.include.some((p) => refMatches(p, branch));
}

type Effective = Omit<GithubBranchRulesAttributes, 'repository' | 'branch' | 'archived' | 'visible'>;

/** Merges classic protection and the active rulesets: every layer applies, so the strictest value of each setting wins. */
export function effectiveBranchRules(classic: GqlProtection | null, rulesets: GqlRuleset[], branch: string): Effective {
  const applying = rulesets.filter((r) => rulesetAppliesToDefaultBranch(r, branch));
  const active = applying.filter((r) => r.enforcement === 'ACTIVE');
  const out: Effective = {
    classicProtection: classic !== null,
    rulesets: applying.map((r): GithubRulesetSummary => ({
      id: r.databaseId, name: r.name, source: r.source?.login ?? r.source?.nameWithOwner ?? 'unknown', enforcement: r.enforcement,
      bypassActorCount: r.bypassActors.totalCount, ruleTypes: r.rules.nodes.map((n) => n.type),
    })),
    protected: classic !== null || active.length > 0,
    requiresPullRequest: classic?.requiresApprovingReviews ?? false,
    requiredApprovingReviewCount: classic?.requiresApprovingReviews ? classic.requiredApprovingReviewCount ?? 0 : 0,
    dismissStaleReviews: classic?.requiresApprovingReviews ? classic.dismissesStaleReviews : false,
    requireCodeOwnerReview: classic?.requiresApprovingReviews ? classic.requiresCodeOwnerReviews : false,
    requireLastPushApproval: classic?.requiresApprovingReviews ? classic.requireLastPushApproval : false,
    requiredStatusChecks: classic?.requiresStatusChecks ? [...(classic.requiredStatusCheckContexts ?? [])] : [],
    strictStatusChecks: classic?.requiresStatusChecks ? classic.requiresStrictStatusChecks : false,
    forcePushBlocked: classic !== null && !classic.allowsForcePushes,
    deletionBlocked: classic !== null && !classic.allowsDeletions,
    enforceAdmins: classic ? classic.isAdminEnforced : null,
    adminsIncluded: (classic === null || classic.isAdminEnforced) && active.every((r) => r.bypassActors.totalCount === 0) && (classic !== null || active.length > 0),
  };
  for (const rs of active) {
    for (const rule of rs.rules.nodes) {
      const p = rule.parameters ?? {};
      switch (rule.type) {
        case 'PULL_REQUEST':
          out.requiresPullRequest = true;
          out.requiredApprovingReviewCount = Math.max(out.requiredApprovingReviewCount, Number(p.requiredApprovingReviewCount ?? 0));
          out.dismissStaleReviews ||= p.dismissStaleReviewsOnPush === true;
          out.requireCodeOwnerReview ||= p.requireCodeOwnerReview === true;
          out.requireLastPushApproval ||= p.requireLastPushApproval === true;
          break;
        case 'REQUIRED_STATUS_CHECKS': {
          const checks = Array.isArray(p.requiredStatusChecks) ? (p.requiredStatusChecks as Array<{ context?: string }>) : [];
          for (const c of checks) if (c.context && !out.requiredStatusChecks.includes(c.context)) out.requiredStatusChecks.push(c.context);
          out.strictStatusChecks ||= p.strictRequiredStatusChecksPolicy === true;
          break;
        }
        case 'NON_FAST_FORWARD': out.forcePushBlocked = true; break;
        case 'DELETION': out.deletionBlocked = true; break;
        default: break;
      }
    }
  }
  out.requiredStatusChecks.sort();
  return out;
}
