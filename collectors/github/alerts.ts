// Reads the organization's three alert feeds (Dependabot, secret scanning, code scanning): each is complete, unread or not enabled.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GithubAlertAttributes, GithubAlertFeedAttributes } from '../../src/core/contracts/github.js';
import { isFeatureNotEnabled } from './failure.js';
import { isObject } from './graphql-read.js';
import type { RunState } from './run-state.js';

const KINDS = [
  ['dependabot', 'GET /orgs/{org}/dependabot/alerts'],
  ['secret_scanning', 'GET /orgs/{org}/secret-scanning/alerts'],
  ['code_scanning', 'GET /orgs/{org}/code-scanning/alerts'],
] as const;

type AlertKind = (typeof KINDS)[number][0];

/**
 * Each alert kind is its own feed (`github.alert_feed`, id `kind:org`): a failed or refused list makes only that
 * kind's rule `error`, and a feature GitHub says is not enabled is recorded as such, never as "no alerts".
 */
export async function readAlerts(run: RunState): Promise<void> {
  await Promise.all(KINDS.map(async ([kind, route]) => {
    const feedId = `${kind}:${run.org}`;
    const feed = (state: GithubAlertFeedAttributes['state'], detail: string | null, open: number): void => {
      const attrs: GithubAlertFeedAttributes = { kind, state, detail, openAlerts: open };
      run.add('github.alert_feed', feedId, `${kind} alerts of ${run.org}`, attrs, run.now());
    };
    try {
      const list = await run.listAll(route, { state: 'open' });
      const parsed = list.map((a) => parseAlert(kind, route, a));
      const observedAt = run.now();
      for (const attrs of parsed) run.add('github.alert', `${kind}:${attrs.repository}#${attrs.number}`, `${kind} ${attrs.repository}#${attrs.number}`, attrs, observedAt);
      feed('listed', null, parsed.length);
    } catch (e) {
      if (isFeatureNotEnabled(e)) {
        const msg = (e as { response?: { data?: { message?: unknown } } }).response?.data?.message;
        feed('not_enabled', typeof msg === 'string' ? msg.slice(0, 200) : 'feature not enabled', 0);
        run.minApiCalls += 1;
        return;
      }
      feed('unread', null, 0);
      run.fail(route, kind, ['github.alert_feed'], e, [feedId]);
    }
  }));
  run.inputs['github.alert'] = { observedAt: run.now() };
  run.inputs['github.alert_feed'] = { observedAt: run.now() };
}

function parseAlert(kind: AlertKind, route: string, a: Record<string, unknown>): GithubAlertAttributes {
  const repo = isObject(a.repository) && typeof a.repository.full_name === 'string' ? a.repository.full_name : null;
  if (repo === null || typeof a.number !== 'number' || typeof a.state !== 'string' || typeof a.created_at !== 'string') {
    throw new MalformedReplyError(route, 'an alert lacks repository.full_name, number, state or created_at');
  }
  const adv = a.security_advisory;
  const rule = a.rule;
  const sev = kind === 'dependabot' ? (isObject(adv) && typeof adv.severity === 'string' ? adv.severity : undefined)
    : kind === 'code_scanning' ? (isObject(rule) ? (rule.security_severity_level as string | null | undefined) : undefined) : null;
  // A Dependabot alert has a severity; a code-scanning alert's may be null (not a security rule). Absent is malformed.
  if (sev === undefined) throw new MalformedReplyError(route, `alert ${repo}#${a.number} has no severity field`);
  return {
    kind, repository: repo, number: a.number, state: a.state, severity: sev, createdAt: a.created_at, url: String(a.html_url),
    validity: typeof a.validity === 'string' ? a.validity : null, secretType: typeof a.secret_type === 'string' ? a.secret_type : null,
  };
}
