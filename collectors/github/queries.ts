// The fixed GraphQL documents the collector sends; the emulator resolves them by operation name.

/** Rulesets and rules per repository page: bounded so one page of 100 repos stays a few dozen points. */
export const RULESETS_PER_REPO = 10;
export const RULES_PER_RULESET = 20;
export const OUTSIDE_COLLABORATORS_PER_REPO = 20;
export const APPROVALS_PER_PR = 20;

export const ORG_REPOSITORIES_QUERY = /* GraphQL */ `
query OrgRepositories($org: String!, $cursor: String) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    repositories(first: 100, after: $cursor, orderBy: { field: NAME, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId
        nameWithOwner
        isArchived
        isEmpty
        visibility
        viewerPermission
        hasVulnerabilityAlertsEnabled
        defaultBranchRef {
          name
          branchProtectionRule {
            pattern
            requiresApprovingReviews
            requiredApprovingReviewCount
            dismissesStaleReviews
            requiresCodeOwnerReviews
            requireLastPushApproval
            requiresStatusChecks
            requiresStrictStatusChecks
            requiredStatusCheckContexts
            allowsForcePushes
            allowsDeletions
            isAdminEnforced
          }
        }
        rulesets(first: ${RULESETS_PER_REPO}, includeParents: true) {
          totalCount
          nodes {
            databaseId
            name
            enforcement
            target
            source { __typename ... on Organization { login } ... on Repository { nameWithOwner } }
            conditions { refName { include exclude } }
            bypassActors(first: 1) { totalCount }
            rules(first: ${RULES_PER_RULESET}) {
              nodes {
                type
                parameters {
                  __typename
                  ... on PullRequestParameters { requiredApprovingReviewCount dismissStaleReviewsOnPush requireCodeOwnerReview requireLastPushApproval }
                  ... on RequiredStatusChecksParameters { strictRequiredStatusChecksPolicy requiredStatusChecks { context } }
                }
              }
            }
          }
        }
        collaborators(affiliation: OUTSIDE, first: ${OUTSIDE_COLLABORATORS_PER_REPO}) {
          totalCount
          edges { permission node { login } }
        }
        codeownersRoot: object(expression: "HEAD:CODEOWNERS") { __typename }
        codeownersGithub: object(expression: "HEAD:.github/CODEOWNERS") { __typename }
        codeownersDocs: object(expression: "HEAD:docs/CODEOWNERS") { __typename }
      }
    }
  }
}`;

export const ORG_SAML_QUERY = /* GraphQL */ `
query OrgSamlIdentities($org: String!, $cursor: String) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    samlIdentityProvider {
      ssoUrl
      externalIdentities(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { user { login } }
      }
    }
  }
}`;

export const MERGED_PULL_REQUESTS_QUERY = /* GraphQL */ `
query MergedPullRequests($q: String!, $cursor: String) {
  rateLimit { cost remaining resetAt }
  search(type: ISSUE, query: $q, first: 100, after: $cursor) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes {
      ... on PullRequest {
        number
        url
        mergedAt
        baseRefName
        author { login }
        mergedBy { login }
        repository { nameWithOwner defaultBranchRef { name } }
        reviews(states: APPROVED, first: ${APPROVALS_PER_PR}) { nodes { author { login } } }
      }
    }
  }
}`;

/** Search returns at most this many results per query; larger windows are split by date. */
export const SEARCH_RESULT_CAP = 1000;

/** GitHub's documented cost model: requests needed to fill every connection, divided by 100, at least 1. */
export function queryCost(operation: string): number {
  switch (operation) {
    case 'OrgRepositories': {
      const requests = 1 + 100 * (1 + 1) + 100 * RULESETS_PER_REPO * 2;
      return Math.max(1, Math.round(requests / 100));
    }
    case 'OrgSamlIdentities':
      return 1;
    case 'MergedPullRequests':
      return Math.max(1, Math.round((1 + 100) / 100));
    default:
      return 1;
  }
}
