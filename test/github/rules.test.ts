// The github.* rules by tables of snapshots, and the branch-rule layering they rely on.
import { describe, expect, it } from 'vitest';
import type { Resource, Rule, Snapshot } from '../../src/core/types.js';
import { evaluateSnapshot } from '../../src/rules/engine.js';
import { githubRules } from '../../rules/github/index.js';
import { effectiveBranchRules, rulesetAppliesToDefaultBranch, type GqlProtection, type GqlRuleset } from '../../collectors/github/branch-rules.js';
import type { GithubBranchRulesAttributes, GithubOrgAttributes } from '../../src/core/contracts/github.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const T = NOW.toISOString();
const rule = (id: string): Rule => githubRules.find((r) => r.id === id)!;

function snap(resources: Array<[string, string, Record<string, unknown>]>): Snapshot {
  const types = ['github.org', 'github.member', 'github.outside_collaborator', 'github.repository', 'github.branch_rules', 'github.alert', 'github.alert_feed', 'github.app_installation', 'github.pull_request', 'github.audit_log', 'github.audit_event', 'github.access_feed', 'github.access_grant'];
  return {
    source: 'github', scope: 'acme', slot: T, startedAt: T, endedAt: T, artifacts: [], errors: [], apiCalls: 1,
    inputs: Object.fromEntries(types.map((t) => [t, { observedAt: T }])),
    resources: resources.map(([type, id, attributes]): Resource => ({ source: 'github', scope: 'acme', type, id, name: id, attributes, observedAt: T })),
  };
}

function run(id: string, s: Snapshot, params?: Record<string, unknown>, now = NOW): Array<[string, string]> {
  return evaluateSnapshot(s, [rule(id)], { now, ...(params ? { params: { [id]: params } } : {}) }).map((r) => [r.resourceId, r.status]);
}

const ORG: GithubOrgAttributes = {
  login: 'acme', plan: 'team', twoFactorRequirementEnabled: true, defaultRepositoryPermission: 'read', membersCanCreateRepositories: false,
  membersCanCreatePublicRepositories: false, membersCanCreatePrivateRepositories: false,
  actions: { enabledRepositories: 'all', allowedActions: 'selected', defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false },
  saml: { configured: true, linkedIdentities: 2 }, ownerCount: 2, memberCount: 2,
};
const member = (login: string, over: Record<string, unknown> = {}): [string, string, Record<string, unknown>] =>
  ['github.member', login, { login, role: 'member', twoFactorDisabled: false, samlLinked: true, ...over }];

const BR: GithubBranchRulesAttributes = {
  repository: 'acme/api', branch: 'main', archived: false, visible: true, classicProtection: true, rulesets: [], protected: true, requiresPullRequest: true,
  requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireCodeOwnerReview: true, requireLastPushApproval: false, requiredStatusChecks: ['ci'],
  strictStatusChecks: false, forcePushBlocked: true, deletionBlocked: true, enforceAdmins: true, adminsIncluded: true,
};
const branch = (over: Partial<GithubBranchRulesAttributes>): [string, string, Record<string, unknown>] =>
  ['github.branch_rules', `${over.repository ?? 'acme/api'}:main`, { ...BR, ...over }];

describe('org rules', () => {
  it.each([
    ['all good', [['github.org', 'acme', ORG as never], member('a'), member('b')], 'pass'],
    ['requirement off', [['github.org', 'acme', { ...ORG, twoFactorRequirementEnabled: false }], member('a')], 'fail'],
    ['a member without 2FA', [['github.org', 'acme', ORG as never], member('a', { twoFactorDisabled: true })], 'fail'],
    ['an outside collaborator without 2FA', [['github.org', 'acme', ORG as never], ['github.outside_collaborator', 'o', { login: 'o', twoFactorDisabled: true, repositories: [] }]], 'fail'],
    ['requirement hidden from a non-owner', [['github.org', 'acme', { ...ORG, twoFactorRequirementEnabled: null }], member('a')], 'error'],
    ['2FA list unreadable', [['github.org', 'acme', ORG as never], member('a', { twoFactorDisabled: null })], 'error'],
    ['an outside collaborator whose 2FA state is null', [['github.org', 'acme', ORG as never], member('a'), ['github.outside_collaborator', 'o', { login: 'o', twoFactorDisabled: null, repositories: [] }]], 'error'],
    ['an outside collaborator without a 2FA state', [['github.org', 'acme', ORG as never], member('a'), ['github.outside_collaborator', 'o', { login: 'o', repositories: [] }]], 'error'],
    ['a member without a 2FA state', [['github.org', 'acme', ORG as never], member('a', { twoFactorDisabled: undefined })], 'error'],
    ['members and collaborators all known', [['github.org', 'acme', ORG as never], member('a'), ['github.outside_collaborator', 'o', { login: 'o', twoFactorDisabled: false, repositories: [] }]], 'pass'],
  ] as const)('two_factor_enforced: %s → %s', (_n, res, want) => {
    expect(run('github.org.two_factor_enforced', snap(res as never))).toEqual([['acme', want]]);
  });

  it.each([
    [{}, 'pass'],
    [{ defaultRepositoryPermission: 'write' }, 'fail'],
    [{ membersCanCreatePublicRepositories: true }, 'fail'],
    [{ defaultRepositoryPermission: null }, 'error'],
  ] as const)('member_privileges_restricted %j → %s', (over, want) => {
    expect(run('github.org.member_privileges_restricted', snap([['github.org', 'acme', { ...ORG, ...over }]]))).toEqual([['acme', want]]);
  });

  it('member_privileges_restricted can forbid all repository creation', () => {
    const s = snap([['github.org', 'acme', { ...ORG, membersCanCreatePrivateRepositories: true }]]);
    expect(run('github.org.member_privileges_restricted', s)).toEqual([['acme', 'pass']]);
    expect(run('github.org.member_privileges_restricted', s, { forbidAllRepoCreation: true })).toEqual([['acme', 'fail']]);
  });

  it.each([[1, 'fail'], [2, 'pass'], [5, 'pass'], [6, 'fail']] as const)('admin_counts with %i owners → %s', (n, want) => {
    const owners = Array.from({ length: n }, (_, i) => member(`o${i}`, { role: 'admin' }));
    expect(run('github.org.admin_counts', snap([['github.org', 'acme', ORG as never], ...owners, member('m')]))).toEqual([['acme', want]]);
  });

  it('outside_collaborators_governed: admin fails, write passes by default, write fails when only READ is allowed', () => {
    const s = snap([
      ['github.outside_collaborator', 'a', { login: 'a', twoFactorDisabled: false, repositories: [{ repository: 'acme/x', permission: 'ADMIN' }] }],
      ['github.outside_collaborator', 'w', { login: 'w', twoFactorDisabled: false, repositories: [{ repository: 'acme/x', permission: 'WRITE' }] }],
    ]);
    expect(run('github.org.outside_collaborators_governed', s)).toEqual([['a', 'fail'], ['w', 'pass']]);
    expect(run('github.org.outside_collaborators_governed', s, { highestAllowed: 'READ' })).toEqual([['a', 'fail'], ['w', 'fail']]);
  });

  it.each([
    [{ configured: true, linkedIdentities: 2 }, [member('a'), member('b')], 'pass'],
    [{ configured: true, linkedIdentities: 1 }, [member('a'), member('b', { samlLinked: false })], 'fail'],
    [{ configured: false, linkedIdentities: 0 }, [member('a', { samlLinked: null })], 'fail'],
    [null, [member('a', { samlLinked: null })], 'error'],
  ] as const)('saml_sso_enforced %j → %s', (saml, members, want) => {
    expect(run('github.org.saml_sso_enforced', snap([['github.org', 'acme', { ...ORG, saml }], ...members] as never))).toEqual([['acme', want]]);
  });

  it.each([
    [ORG.actions, 'pass'],
    [{ ...ORG.actions!, defaultWorkflowPermissions: 'write' }, 'fail'],
    [{ ...ORG.actions!, canApprovePullRequestReviews: true }, 'fail'],
    [{ ...ORG.actions!, allowedActions: 'all' }, 'fail'],
    [{ enabledRepositories: 'none', allowedActions: null, defaultWorkflowPermissions: 'write', canApprovePullRequestReviews: true }, 'pass'],
    [null, 'error'],
  ] as const)('actions_hardened %j → %s', (actions, want) => {
    expect(run('github.org.actions_hardened', snap([['github.org', 'acme', { ...ORG, actions }]]))).toEqual([['acme', want]]);
  });
});

describe('branch rules', () => {
  const ids = ['default_branch_protected', 'pr_review_required', 'status_checks_required', 'no_admin_bypass', 'history_protected', 'codeowners_enforced'].map((x) => `github.repo.${x}`);
  const repo: [string, string, Record<string, unknown>] = ['github.repository', 'acme/api', { fullName: 'acme/api', archived: false, codeownersPath: '.github/CODEOWNERS' }];

  it('a fully protected branch passes every branch rule', () => {
    for (const id of ids) expect(run(id, snap([repo, branch({})])), id).toEqual([['acme/api:main', 'pass']]);
  });

  it('an invisible branch is error for every branch rule, never pass; an archived one is outside the population', () => {
    for (const id of ids) expect(run(id, snap([repo, branch({ visible: false })])), id).toEqual([['acme/api:main', 'error']]);
    for (const id of ids) expect(run(id, snap([repo, branch({ archived: true })])), id).toEqual([['github:acme', 'not_applicable']]);
  });

  it.each([
    ['github.repo.default_branch_protected', { protected: false, classicProtection: false }],
    ['github.repo.pr_review_required', { requiresPullRequest: false }],
    ['github.repo.pr_review_required', { dismissStaleReviews: false }],
    ['github.repo.status_checks_required', { requiredStatusChecks: [] }],
    ['github.repo.no_admin_bypass', { enforceAdmins: false }],
    ['github.repo.no_admin_bypass', { rulesets: [{ id: 1, name: 'r', source: 'acme', enforcement: 'ACTIVE', bypassActorCount: 2, ruleTypes: [] }] }],
    ['github.repo.history_protected', { forcePushBlocked: false }],
    ['github.repo.history_protected', { deletionBlocked: false }],
    ['github.repo.codeowners_enforced', { requireCodeOwnerReview: false }],
  ] as const)('%s fails on %j', (id, over) => {
    expect(run(id, snap([repo, branch(over as Partial<GithubBranchRulesAttributes>)]))).toEqual([['acme/api:main', 'fail']]);
  });

  // One row per verdict and rule, each naming its rule: the pass and fail each branch rule must show (registry test).
  it.each([
    ['github.repo.default_branch_protected', {}, 'pass'],
    ['github.repo.default_branch_protected', { protected: false, classicProtection: false }, 'fail'],
    ['github.repo.pr_review_required', {}, 'pass'],
    ['github.repo.pr_review_required', { requiredApprovingReviewCount: 0 }, 'fail'],
    ['github.repo.status_checks_required', {}, 'pass'],
    ['github.repo.status_checks_required', { requiredStatusChecks: [] }, 'fail'],
    ['github.repo.no_admin_bypass', {}, 'pass'],
    ['github.repo.no_admin_bypass', { enforceAdmins: false }, 'fail'],
    ['github.repo.history_protected', {}, 'pass'],
    ['github.repo.history_protected', { forcePushBlocked: false }, 'fail'],
    ['github.repo.codeowners_enforced', {}, 'pass'],
    ['github.repo.codeowners_enforced', { requireCodeOwnerReview: false }, 'fail'],
  ] as const)('%s on %j → %s', (id, over, want) => {
    expect(run(id, snap([repo, branch(over as Partial<GithubBranchRulesAttributes>)]))).toEqual([['acme/api:main', want]]);
  });

  it('parameters tighten the rules', () => {
    expect(run('github.repo.pr_review_required', snap([branch({})]), { minApprovals: 2 })).toEqual([['acme/api:main', 'fail']]);
    expect(run('github.repo.status_checks_required', snap([branch({})]), { requireStrict: true })).toEqual([['acme/api:main', 'fail']]);
    expect(run('github.repo.no_admin_bypass', snap([branch({ rulesets: [{ id: 1, name: 'r', source: 'acme', enforcement: 'ACTIVE', bypassActorCount: 1, ruleTypes: [] }] })]), { allowedBypassActors: 1 })).toEqual([['acme/api:main', 'pass']]);
    expect(run('github.repo.codeowners_enforced', snap([['github.repository', 'acme/api', { fullName: 'acme/api', codeownersPath: null }], branch({})]))).toEqual([['acme/api:main', 'fail']]);
  });
});

describe('branch rule layering (collector side)', () => {
  const classic: GqlProtection = {
    requiresApprovingReviews: true, requiredApprovingReviewCount: 1, dismissesStaleReviews: false, requiresCodeOwnerReviews: false, requireLastPushApproval: false,
    requiresStatusChecks: true, requiresStrictStatusChecks: false, requiredStatusCheckContexts: ['build'], allowsForcePushes: true, allowsDeletions: false, isAdminEnforced: true,
  };
  const rs = (over: Partial<GqlRuleset>): GqlRuleset => ({
    databaseId: 1, name: 'r', enforcement: 'ACTIVE', target: 'BRANCH', source: { __typename: 'Organization', login: 'acme' },
    conditions: { refName: { include: ['~DEFAULT_BRANCH'], exclude: [] } }, bypassActors: { totalCount: 0 },
    rules: { nodes: [{ type: 'PULL_REQUEST', parameters: { requiredApprovingReviewCount: 2, dismissStaleReviewsOnPush: true } }, { type: 'NON_FAST_FORWARD', parameters: null }, { type: 'REQUIRED_STATUS_CHECKS', parameters: { strictRequiredStatusChecksPolicy: true, requiredStatusChecks: [{ context: 'test' }] } }] },
    ...over,
  });

  it('the strictest value of classic protection and active rulesets wins', () => {
    const e = effectiveBranchRules(classic, [rs({})], 'main');
    expect(e).toMatchObject({ protected: true, requiredApprovingReviewCount: 2, dismissStaleReviews: true, forcePushBlocked: true, deletionBlocked: true, requiredStatusChecks: ['build', 'test'], strictStatusChecks: true, adminsIncluded: true });
  });

  it('evaluate-mode and non-matching rulesets enforce nothing', () => {
    expect(effectiveBranchRules(null, [rs({ enforcement: 'EVALUATE' })], 'main')).toMatchObject({ protected: false, forcePushBlocked: false, adminsIncluded: false });
    expect(effectiveBranchRules(null, [rs({ conditions: { refName: { include: ['refs/heads/release/*'], exclude: [] } } })], 'main').protected).toBe(false);
  });

  it.each([
    [['refs/heads/main'], [], 'main', true],
    [['refs/heads/*'], [], 'main', true],
    [['refs/heads/release/*'], [], 'release/v1', true],
    [['refs/heads/release/*'], [], 'release/v1/hotfix', false],
    [['refs/heads/**'], [], 'a/b/c', true],
    [['~ALL'], ['refs/heads/main'], 'main', false],
    [['~ALL'], ['~DEFAULT_BRANCH'], 'main', false],
    [['refs/heads/ma?n'], [], 'main', true],
  ] as const)('include %j exclude %j on %s → %s', (include, exclude, b, want) => {
    expect(rulesetAppliesToDefaultBranch(rs({ conditions: { refName: { include: [...include], exclude: [...exclude] } } }), b)).toBe(want);
  });

  it('a ruleset with bypass actors leaves admins able to skip it', () => {
    expect(effectiveBranchRules(classic, [rs({ bypassActors: { totalCount: 1 } })], 'main').adminsIncluded).toBe(false);
  });
});

describe('incompletely read branches', () => {
  it.each([
    ['default_branch_protected', { protected: false }],
    ['pr_review_required', {}],
    ['history_protected', { forcePushBlocked: false }],
  ] as const)('%s: complete: false is error even where the read part would fail or pass', (id, over) => {
    expect(run(`github.repo.${id}`, snap([branch({ ...over, complete: false })]))).toEqual([['acme/api:main', 'error']]);
    expect(run(`github.repo.${id}`, snap([branch({ ...over, complete: true })]))[0]![1]).not.toBe('error');
  });
});

describe('alerts and the change population', () => {
  const alert = (id: string, kind: string, severity: string | null, createdAt: string, extra: Record<string, unknown> = {}): [string, string, Record<string, unknown>] =>
    ['github.alert', id, { kind, repository: 'acme/api', number: 1, state: 'open', severity, createdAt, url: 'https://github.com/x', validity: null, secretType: null, ...extra }];
  const daysAgo = (d: number, ms = 0): string => new Date(NOW.getTime() - d * 86_400_000 - ms).toISOString();

  it('dependabot_sla: exactly at the SLA passes, a moment past fails, medium and low are outside the population', () => {
    const s = snap([alert('c30', 'dependabot', 'critical', daysAgo(30)), alert('c31', 'dependabot', 'critical', daysAgo(30, 1)), alert('h', 'dependabot', 'high', daysAgo(89)), alert('m', 'dependabot', 'medium', daysAgo(400)), alert('x', 'code_scanning', 'critical', daysAgo(400))]);
    expect(run('github.alerts.dependabot_sla', s)).toEqual([['c30', 'pass'], ['c31', 'fail'], ['h', 'pass']]);
    expect(run('github.alerts.code_scanning', s)).toEqual([['x', 'fail']]);
  });

  it('secret_scanning_open: a live secret has the short SLA', () => {
    const s = snap([alert('live', 'secret_scanning', null, daysAgo(2), { validity: 'active' }), alert('unknown', 'secret_scanning', null, daysAgo(2), { validity: 'unknown' })]);
    expect(run('github.alerts.secret_scanning_open', s)).toEqual([['live', 'fail'], ['unknown', 'pass']]);
  });

  it('no alerts at all is not_applicable, not pass', () => {
    expect(run('github.alerts.dependabot_sla', snap([]))).toEqual([['github:acme', 'not_applicable']]);
  });

  const feed = (kind: string, state: string, openAlerts = 0, detail: string | null = null): [string, string, Record<string, unknown>] =>
    ['github.alert_feed', `${kind}:acme`, { kind, state, detail, openAlerts }];

  it.each([
    ['listed, none late', [feed('code_scanning', 'listed', 1), alert('x', 'code_scanning', 'high', daysAgo(10))], [['code_scanning:acme', 'pass'], ['x', 'pass']]],
    ['listed, one late', [feed('code_scanning', 'listed', 1), alert('x', 'code_scanning', 'critical', daysAgo(40))], [['code_scanning:acme', 'fail'], ['x', 'fail']]],
    ['listed and empty', [feed('code_scanning', 'listed', 0)], [['code_scanning:acme', 'pass']]],
    ['feature not enabled (GitHub said so)', [feed('code_scanning', 'not_enabled', 0, 'Advanced Security must be enabled for this repository to use code scanning.')], [['code_scanning:acme', 'not_applicable']]],
    ['list not read', [feed('code_scanning', 'unread')], [['code_scanning:acme', 'error']]],
    ['another kind unread does not touch this one', [feed('code_scanning', 'listed', 0), feed('dependabot', 'unread')], [['code_scanning:acme', 'pass']]],
  ] as const)('code_scanning feed: %s', (_n, res, want) => {
    expect(run('github.alerts.code_scanning', snap(res as never))).toEqual(want);
  });

  it('a failed list of one alert kind (per-resource error on its feed) errors only that kind’s rule', () => {
    const s = snap([feed('code_scanning', 'unread'), feed('dependabot', 'listed', 0), feed('secret_scanning', 'listed', 1), alert('s', 'secret_scanning', null, daysAgo(1))]);
    s.errors.push({ operation: 'GET /orgs/{org}/code-scanning/alerts', code: 'NotFound', cause: 'not_found', message: 'Not Found', inputs: ['github.alert_feed'], resources: ['code_scanning:acme'], retryable: false });
    expect(run('github.alerts.code_scanning', s)).toEqual([['code_scanning:acme', 'error']]);
    expect(run('github.alerts.dependabot_sla', s)).toEqual([['dependabot:acme', 'pass']]);
    expect(run('github.alerts.secret_scanning_open', s)).toEqual([['s', 'pass'], ['secret_scanning:acme', 'pass']]);
  });

  it('merged_changes_reviewed: approvals that could not be read are error, never an unreviewed merge', () => {
    const s = snap([['github.pull_request', 'a#9', { repository: 'acme/api', number: 9, url: 'u', author: 'ann', mergedBy: 'ann', mergedAt: daysAgo(1), baseRef: 'main', defaultBranch: 'main', toDefaultBranch: true, approvers: null }]]);
    expect(run('github.repo.merged_changes_reviewed', s)).toEqual([['a#9', 'error']]);
  });

  it('merged_changes_reviewed: approval by someone other than the author; other bases are outside the population', () => {
    const pr = (id: string, author: string, approvers: string[], toDefaultBranch = true): [string, string, Record<string, unknown>] =>
      ['github.pull_request', id, { repository: 'acme/api', number: 1, url: 'u', author, mergedBy: author, mergedAt: daysAgo(1), baseRef: toDefaultBranch ? 'main' : 'dev', defaultBranch: 'main', toDefaultBranch, approvers }];
    const s = snap([pr('a#1', 'ann', ['bob']), pr('a#2', 'ann', ['ann']), pr('a#3', 'ann', []), pr('a#4', 'ann', ['ann', 'bob']), pr('a#5', 'ann', [], false)]);
    expect(run('github.repo.merged_changes_reviewed', s)).toEqual([['a#1', 'pass'], ['a#2', 'fail'], ['a#3', 'fail'], ['a#4', 'pass']]);
  });

  it('reasons are identical for unchanged state evaluated later the same day', () => {
    const s = snap([alert('c', 'dependabot', 'critical', daysAgo(40)), ['github.org', 'acme', ORG as never], member('a'), member('b', { role: 'admin' }), member('c', { role: 'admin' })]);
    const later = new Date(NOW.getTime() + 5 * 3_600_000);
    const reasons = (now: Date) => evaluateSnapshot(s, githubRules, { now }).map((r) => r.reason);
    expect(reasons(later)).toEqual(reasons(NOW));
  });

  it('dependabot_alerts_enabled and secret_scanning_enabled: unknown is error, archived is skipped', () => {
    const r = (id: string, over: Record<string, unknown>): [string, string, Record<string, unknown>] =>
      ['github.repository', id, { fullName: id, archived: false, dependabotAlerts: true, secretScanning: true, secretScanningPushProtection: true, codeownersPath: null, ...over }];
    const s = snap([r('a/on', {}), r('a/off', { dependabotAlerts: false, secretScanningPushProtection: false }), r('a/unknown', { dependabotAlerts: null, secretScanning: null }), r('a/old', { archived: true, dependabotAlerts: false })]);
    expect(run('github.repo.dependabot_alerts_enabled', s)).toEqual([['a/off', 'fail'], ['a/on', 'pass'], ['a/unknown', 'error']]);
    expect(run('github.repo.secret_scanning_enabled', s)).toEqual([['a/off', 'fail'], ['a/on', 'pass'], ['a/unknown', 'error']]);
    expect(run('github.repo.secret_scanning_enabled', s, { requirePushProtection: false })).toEqual([['a/off', 'pass'], ['a/on', 'pass'], ['a/unknown', 'error']]);
  });
});

describe('audit log and third-party access (rows 51, 53, 61)', () => {
  const ago = (days: number): string => new Date(NOW.getTime() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const activity = (over: Record<string, unknown>): [string, string, Record<string, unknown>] =>
    ['github.audit_log', 'activity:acme', { stream: 'activity', state: 'listed', plan: 'enterprise', detail: null, from: ago(120), to: null, lastActivity: {}, addedAt: {}, events: 0, lostFrom: null, lostTo: null, ...over }];
  const protection = (over: Record<string, unknown>): [string, string, Record<string, unknown>] =>
    ['github.audit_log', 'protection:acme', { stream: 'protection', state: 'listed', plan: 'enterprise', detail: null, from: ago(1), to: ago(0), lastActivity: {}, addedAt: {}, events: 0, lostFrom: null, lostTo: null, ...over }];

  it('inactive_members: acted within 90 days passes, exactly 90 days passes, 91 days or never fails, a recent join is in grace', () => {
    const s = snap([member('ann'), member('bob'), member('cat', { role: 'admin' }), member('dan'), member('eve'),
      activity({ lastActivity: { ann: ago(3), bob: ago(90), cat: ago(91), zed: ago(1) }, addedAt: { eve: ago(10), dan: ago(100) } })]);
    expect(run('github.org.inactive_members', s)).toEqual([['ann', 'pass'], ['bob', 'pass'], ['cat', 'fail'], ['dan', 'fail'], ['eve', 'pass']]);
    const reasons = evaluateSnapshot(s, [rule('github.org.inactive_members')], { now: NOW }).map((r) => r.reason);
    expect(reasons).toContain(`owner cat has no audit-log event in the last 90 days (last event on ${ago(91).slice(0, 10)})`);
    expect(reasons).toContain('member dan has no audit-log event in the last 90 days (none in the whole audit-log window read)');
    expect(run('github.org.inactive_members', s, { inactiveDays: 100 })).toEqual([['ann', 'pass'], ['bob', 'pass'], ['cat', 'pass'], ['dan', 'pass'], ['eve', 'pass']]);
  });

  it.each([
    ['no Enterprise Cloud (GitHub answered 404)', { state: 'not_available', plan: 'team', detail: 'GitHub answered 404 Not Found: the organization audit-log API exists on Enterprise Cloud only' }, /^not assessable from GitHub: .*plan team/],
    ['the audit log could not be read', { state: 'unread' }, /^could not tell: the audit log of acme could not be read/],
    ['a window shorter than the rule looks back', { from: ago(30) }, /^could not tell: the audit log of acme was read from .* only, fewer days than the 90/],
  ] as const)('inactive_members: %s is error on the feed, never a verdict on members', (_n, over, reason) => {
    const out = evaluateSnapshot(snap([member('ann'), activity(over)]), [rule('github.org.inactive_members')], { now: NOW });
    expect(out.map((r) => [r.resourceId, r.status])).toEqual([['activity:acme', 'error']]);
    expect(out[0]!.reason).toMatch(reason);
  });

  it('inactive_members: an audit-log read that left no feed (or a snapshot from before it) is error', () => {
    expect(run('github.org.inactive_members', snap([member('ann')]))).toEqual([['github:acme', 'error']]);
    const old = snap([member('ann')]);
    delete old.inputs['github.audit_log'];
    expect(run('github.org.inactive_members', old)).toEqual([['github:acme', 'error']]);
  });

  const ev = (id: string, action: string, days: number, over: Record<string, unknown> = {}): [string, string, Record<string, unknown>] =>
    ['github.audit_event', id, { action, actor: 'ann', repository: 'acme/api', target: 'main', createdAt: ago(days), ...over }];

  it('protection_overrides: bypass, removal and ruleset changes fail as events, a new ruleset passes, a complete read passes', () => {
    const s = snap([protection({ events: 5 }), ev('e1', 'protected_branch.policy_override', 3), ev('e2', 'protected_branch.destroy', 4), ev('e3', 'repository_ruleset.update', 5, { repository: null, target: 'baseline' }),
      ev('e4', 'repository_ruleset.create', 6), ev('e5', 'repository_ruleset.destroy', 7)]);
    const out = evaluateSnapshot(s, [rule('github.repo.protection_overrides')], { now: NOW });
    expect(out.map((r) => [r.resourceId, r.status, r.occurredAt ?? null])).toEqual([
      ['e1', 'fail', ago(3)], ['e2', 'fail', ago(4)], ['e3', 'fail', ago(5)], ['e4', 'pass', ago(6)], ['e5', 'fail', ago(7)], ['protection:acme', 'pass', null]]);
    expect(out[0]!.reason).toBe(`ann bypassed branch protection acme/api main on ${ago(3).slice(0, 10)}: justify it or record an exception`);
    expect(out[2]!.reason).toBe(`ann changed ruleset baseline on ${ago(5).slice(0, 10)} (the change may weaken or disable it): justify it or record an exception`);
  });

  it.each([
    ['no Enterprise Cloud', { state: 'not_available', plan: 'free', detail: 'GitHub answered 404 Not Found' }, /^not assessable from GitHub/],
    ['read failed', { state: 'unread' }, /^could not tell: the audit log of acme could not be read/],
    ['a span past the 180-day retention was never read', { lostFrom: '2025-10-01T00:00:00Z', lostTo: '2025-12-19T12:01:00Z' }, /no run read the audit log between 2025-10-01T00:00:00Z and 2025-12-19T12:01:00Z.*180 days/],
  ] as const)('protection_overrides: %s is error', (_n, over, reason) => {
    const out = evaluateSnapshot(snap([protection(over)]), [rule('github.repo.protection_overrides')], { now: NOW });
    expect(out.map((r) => [r.resourceId, r.status])).toEqual([['protection:acme', 'error']]);
    expect(out[0]!.reason).toMatch(reason);
  });

  it('protection_overrides: events are not judged when the read was not complete, and no feed at all is error', () => {
    expect(run('github.repo.protection_overrides', snap([protection({ state: 'unread' }), ev('e1', 'protected_branch.policy_override', 3)]))).toEqual([['protection:acme', 'error']]);
    expect(run('github.repo.protection_overrides', snap([]))).toEqual([['github:acme', 'error']]);
  });

  const app = (id: string, permissions: Record<string, string>, over: Record<string, unknown> = {}): [string, string, Record<string, unknown>] =>
    ['github.app_installation', id, { appSlug: `app-${id}`, appId: 1, repositorySelection: 'all', permissions, events: [], createdAt: ago(30), suspended: false, ...over }];
  const accessFeed = (kind: string, state: string, count = 0): [string, string, Record<string, unknown>] => ['github.access_feed', `${kind}:acme`, { kind, state, detail: state === 'not_available' ? 'GitHub answered 404' : null, count }];
  const grant = (id: string, kind: string, over: Record<string, unknown>): [string, string, Record<string, unknown>] =>
    ['github.access_grant', id, { kind, owner: 'ann', name: 'tok', repositorySelection: 'all', permissions: [], since: ago(30), expiresAt: ago(-30), expired: false, lastUsedAt: ago(1), credentialType: null, ...over }];

  it('third_party_access_inventory: sensitive write permissions fail unless the App is suspended', () => {
    const s = snap([app('1', { contents: 'write', metadata: 'read' }), app('2', { administration: 'write' }), app('3', { members: 'read', workflows: 'write' }), app('4', { organization_administration: 'write' }, { suspended: true })]);
    expect(run('github.org.third_party_access_inventory', s)).toEqual([['app:1', 'pass'], ['app:2', 'fail'], ['app:3', 'fail'], ['app:4', 'pass']]);
    expect(run('github.org.third_party_access_inventory', s, { sensitiveAppPermissions: ['administration'] })).toEqual([['app:1', 'pass'], ['app:2', 'fail'], ['app:3', 'pass'], ['app:4', 'pass']]);
  });

  it('third_party_access_inventory: grants without expiry or unused past 90 days fail; requests waiting past 7 days fail; expired grants pass', () => {
    const s = snap([accessFeed('pat_grant', 'listed', 5), accessFeed('pat_request', 'listed', 2), accessFeed('credential_authorization', 'listed', 3),
      grant('pat_grant:1', 'pat_grant', {}),
      grant('pat_grant:2', 'pat_grant', { expiresAt: null }),
      grant('pat_grant:3', 'pat_grant', { lastUsedAt: ago(91) }),
      grant('pat_grant:4', 'pat_grant', { lastUsedAt: null, since: ago(90) }),
      grant('pat_grant:5', 'pat_grant', { expiresAt: ago(2), expired: true, lastUsedAt: ago(300) }),
      grant('pat_request:1', 'pat_request', { since: ago(7) }),
      grant('pat_request:2', 'pat_request', { since: ago(8) }),
      grant('credential_authorization:1', 'credential_authorization', { expiresAt: null, expired: null, credentialType: 'SSH key', lastUsedAt: ago(10) }),
      grant('credential_authorization:2', 'credential_authorization', { expiresAt: null, expired: null, credentialType: 'SSH key', lastUsedAt: null, since: ago(400) }),
      grant('credential_authorization:3', 'credential_authorization', { expired: null, credentialType: 'personal access token', lastUsedAt: ago(100) }),
    ]);
    expect(run('github.org.third_party_access_inventory', s)).toEqual([
      ['credential_authorization:1', 'pass'], ['credential_authorization:2', 'fail'], ['credential_authorization:3', 'fail'], ['credential_authorization:acme', 'pass'],
      ['pat_grant:1', 'pass'], ['pat_grant:2', 'fail'], ['pat_grant:3', 'fail'], ['pat_grant:4', 'pass'], ['pat_grant:5', 'pass'], ['pat_grant:acme', 'pass'],
      ['pat_request:1', 'pass'], ['pat_request:2', 'fail'], ['pat_request:acme', 'pass'],
    ]);
  });

  it('third_party_access_inventory: a list the credential cannot read is error, credential authorizations without Enterprise Cloud are not applicable', () => {
    const s = snap([app('1', { metadata: 'read' }), accessFeed('pat_grant', 'unread'), accessFeed('pat_request', 'unread'), accessFeed('credential_authorization', 'not_available')]);
    s.errors.push({ operation: 'GET /orgs/{org}/personal-access-tokens', code: 'AccessDenied', cause: 'denied', message: 'Resource not accessible by personal access token', inputs: ['github.access_feed'], resources: ['pat_grant:acme'], retryable: false });
    expect(run('github.org.third_party_access_inventory', s)).toEqual([['app:1', 'pass'], ['credential_authorization:acme', 'not_applicable'], ['pat_grant:acme', 'error'], ['pat_request:acme', 'error']]);
  });
});
