// Reads pull requests merged since the last run's cursor through GraphQL search, halving windows past search's 1,000-result cap.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GithubPullRequestAttributes } from '../../src/core/contracts/github.js';
import { connectionPages, errorsByNode, GraphqlErrorsError, isObject, type GqlError } from './graphql-read.js';
import { MERGED_PULL_REQUESTS_QUERY, SEARCH_RESULT_CAP } from './queries.js';
import { isoSeconds, type RunState } from './run-state.js';

/** Cursor key in Snapshot.cursors: the merged-at instant up to which pull requests were read. */
export const PR_CURSOR = 'github.pull_requests.mergedUntil';

const OP = 'graphql search(type: ISSUE, is:pr is:merged)';

export async function readPullRequests(run: RunState, lookbackDays: number): Promise<void> {
  if (run.lacksScope(['repo'])) return; // reported with the repositories
  const now = run.ctx.clock.now();
  const prev = run.ctx.cursors?.[PR_CURSOR];
  const prevMs = prev ? Date.parse(prev) : NaN;
  // Windows overlap by the cursor's own second: search dates have second precision, so starting one second later
  // could skip a merge that landed after the previous run read that second. A merge in that second may be reported twice.
  const from = Number.isNaN(prevMs) ? new Date(now.getTime() - lookbackDays * 86_400_000) : new Date(prevMs);
  const to = new Date(Math.floor(now.getTime() / 1000) * 1000);
  try {
    run.op(OP);
    const seen = new Set<string>();
    const gaps: string[] = [];
    await searchWindow(run, from, to, seen, gaps);
    if (gaps.length > 0) {
      run.errors.push({
        operation: 'graphql search.nodes.reviews', code: 'Incomplete', cause: 'incomplete', permission: run.perm('pulls'), inputs: ['github.pull_request'],
        resources: gaps, retryable: false, message: `approvals of ${gaps.length} merged pull requests could not be read`,
      });
    }
    run.cursors[PR_CURSOR] = isoSeconds(to);
    run.inputs['github.pull_request'] = { observedAt: run.now() };
  } catch (e) {
    run.dropType('github.pull_request');
    run.fail(OP, 'pulls', ['github.pull_request'], e);
  }
}

/** Search stops at 1,000 results, so a window holding more is halved until each half fits. */
async function searchWindow(run: RunState, from: Date, to: Date, seen: Set<string>, gaps: string[]): Promise<void> {
  if (from.getTime() > to.getTime()) return;
  const q = `org:${run.org} is:pr is:merged merged:${isoSeconds(from)}..${isoSeconds(to)}`;
  let count = 0;
  let first = true;
  for await (const page of connectionPages(run.octokit, OP, MERGED_PULL_REQUESTS_QUERY, { q }, ['search'])) {
    if (page.connection === null) throw new GraphqlErrorsError(OP, page.errors.length > 0 ? page.errors : [{ message: 'search is null' }]);
    const { byNode, whole } = errorsByNode(page.errors, ['search']);
    if (whole.length > 0) throw new GraphqlErrorsError(OP, whole);
    const search = page.connection;
    if (typeof search.issueCount !== 'number') throw new MalformedReplyError(OP, 'search.issueCount missing');
    if (first && search.issueCount > SEARCH_RESULT_CAP && to.getTime() - from.getTime() > 2000) {
      const mid = new Date(Math.floor((from.getTime() + to.getTime()) / 2000) * 1000);
      await searchWindow(run, from, mid, seen, gaps);
      await searchWindow(run, new Date(mid.getTime() + 1000), to, seen, gaps);
      return;
    }
    first = false;
    search.nodes.forEach((raw, i) => {
      const pr = pullRequestOf(raw, i, byNode.get(i) ?? []);
      if (pr === null || seen.has(pr.id)) return;
      seen.add(pr.id);
      count++;
      // Approvals that could not be read are "unknown", never "none": the merge is then `error`, not an exception.
      if (pr.attrs.approvers === null) gaps.push(pr.id);
      run.add('github.pull_request', pr.id, pr.id, pr.attrs, pr.attrs.mergedAt);
    });
  }
  run.minApiCalls += Math.max(1, Math.ceil(count / 100));
}

/** One search node as a pull request; null for an issue (the query selects PR fields only). Errors on the node leave its approvals unknown. */
function pullRequestOf(raw: unknown, i: number, nodeErrors: Array<{ error: GqlError }>): { id: string; attrs: GithubPullRequestAttributes } | null {
  if (!isObject(raw)) throw new MalformedReplyError(OP, `search node ${i} is not an object`);
  if (raw.number === undefined) return null;
  const repoNode = raw.repository;
  if (typeof raw.number !== 'number' || typeof raw.mergedAt !== 'string' || typeof raw.baseRefName !== 'string' || typeof raw.url !== 'string'
    || !isObject(repoNode) || typeof repoNode.nameWithOwner !== 'string' || !('defaultBranchRef' in repoNode)) {
    throw new MalformedReplyError(OP, `pull request node ${i} lacks number, url, mergedAt, baseRefName or repository`);
  }
  const repo = repoNode.nameWithOwner;
  const id = `${repo}#${raw.number}`;
  const ref = repoNode.defaultBranchRef;
  const defaultBranch = isObject(ref) && typeof ref.name === 'string' ? ref.name : null;
  const reviews = raw.reviews;
  const reviewNodes = isObject(reviews) && Array.isArray(reviews.nodes) && nodeErrors.length === 0 ? reviews.nodes : null;
  const login = (u: unknown): string | null => (isObject(u) && typeof u.login === 'string' ? u.login : null);
  return {
    id,
    attrs: {
      repository: repo, number: raw.number, url: raw.url, author: login(raw.author), mergedBy: login(raw.mergedBy), mergedAt: raw.mergedAt,
      baseRef: raw.baseRefName, defaultBranch, toDefaultBranch: defaultBranch !== null && raw.baseRefName === defaultBranch,
      approvers: reviewNodes === null ? null : [...new Set(reviewNodes.map((r) => (isObject(r) ? login(r.author) : null)).filter((l): l is string => l !== null))].sort(),
    },
  };
}
