// github.org.third_party_access_inventory: installed Apps, fine-grained PAT grants and requests, and SSO credential authorizations are inventoried and within policy.
import { defineRule } from '../../../src/rules/define.js';
import { day, instant, olderThanDays } from '../../../src/rules/support/time.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubAccessFeedAttributes, GithubAccessGrantAttributes, GithubAppInstallationAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

const LABEL: Record<GithubAccessFeedAttributes['kind'], string> = {
  pat_grant: 'fine-grained PAT grants', pat_request: 'pending fine-grained PAT requests', credential_authorization: 'SAML SSO credential authorizations',
};

export default defineRule({
  id: 'github.org.third_party_access_inventory',
  title: 'Third-party access to the organization is inventoried, bounded and in use',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.app_installation', 'github.access_feed', 'github.access_grant'],
  permissions: [
    'Organization administration: read (installed Apps)', 'Personal access tokens: read and Personal access token requests: read (GitHub App only)',
    'read:org of an organization owner (classic token only: SSO credential authorizations, Enterprise Cloud)',
  ],
  rationale:
    'Apps, tokens and SSH keys act for people and vendors without an interactive sign-in: they are the vendor and service access CC9.2 asks to be known and reviewed, and broad, never-expiring or unused grants are access nobody needs (CC6.3). Each list GitHub could not give is named, never counted as empty.',
  remediation:
    'Review the listed Apps with write access to administration, members, secrets or workflows; revoke PAT grants and SSO authorizations unused for the limit or without expiry (Organization → Settings → Personal access tokens / People → SAML identity); approve or deny pending requests. Fine-grained PAT lists need a GitHub App, SSO authorizations a classic owner token: read each with the credential GitHub allows.',
  params: {
    staleDays: { description: 'Days a PAT grant or SSO authorization may go unused.', default: 90 },
    maxPendingDays: { description: 'Days a fine-grained PAT request may wait for review.', default: 7 },
    sensitiveAppPermissions: { description: 'App permissions whose write or admin level fails (needs an approval on record).', default: ['administration', 'organization_administration', 'members', 'organization_secrets', 'secrets', 'workflows'] },
  },
  evaluate(snapshot, { now, params }) {
    const out: RuleOutcome[] = [];
    for (const i of resourcesOfType<GithubAppInstallationAttributes>(snapshot, 'github.app_installation')) {
      const a = i.attributes;
      const broad = Object.entries(a.permissions).filter(([k, v]) => params.sensitiveAppPermissions.includes(k) && (v === 'write' || v === 'admin')).map(([k, v]) => `${k}:${v}`).sort();
      const scope = a.repositorySelection === 'all' ? 'all repositories' : 'selected repositories';
      const details = { appSlug: a.appSlug, permissions: a.permissions, repositorySelection: a.repositorySelection, suspended: a.suspended };
      out.push(broad.length > 0 && !a.suspended
        ? { resourceId: `app:${i.id}`, status: 'fail', reason: `App ${a.appSlug} holds ${broad.join(', ')} on ${scope}: needs an approval on record`, details }
        : { resourceId: `app:${i.id}`, status: 'pass', reason: `App ${a.appSlug}${a.suspended ? ' (suspended)' : ''} holds no sensitive write permission (${scope})`, details });
    }
    for (const f of resourcesOfType<GithubAccessFeedAttributes>(snapshot, 'github.access_feed')) {
      const a = f.attributes;
      if (a.state === 'unread') out.push({ resourceId: f.id, status: 'error', reason: `could not tell: the ${LABEL[a.kind]} of ${snapshot.scope} could not be read (see the collection errors for the credential GitHub requires)` });
      else if (a.state === 'not_available') out.push({ resourceId: f.id, status: 'not_applicable', reason: `${snapshot.scope} has no ${LABEL[a.kind]} (GitHub: ${a.detail ?? 'not available'})` });
      else out.push({ resourceId: f.id, status: 'pass', reason: `${a.count} ${LABEL[a.kind]} listed in full; each is judged on its own` });
    }
    for (const g of resourcesOfType<GithubAccessGrantAttributes>(snapshot, 'github.access_grant')) out.push(judgeGrant(g.id, g.attributes, now, params));
    return out;
  },
});

function judgeGrant(id: string, a: GithubAccessGrantAttributes, now: Date, p: { staleDays: number; maxPendingDays: number }): RuleOutcome {
  const what = a.kind === 'pat_grant' ? `fine-grained PAT ${a.name ?? ''} of ${a.owner}` : a.kind === 'pat_request' ? `PAT request ${a.name ?? ''} of ${a.owner}` : `${a.credentialType ?? 'credential'} ${a.name ?? ''} of ${a.owner}`;
  const label = what.replace(/\s+/g, ' ');
  const details = { owner: a.owner, permissions: a.permissions, repositorySelection: a.repositorySelection, since: a.since, expiresAt: a.expiresAt, lastUsedAt: a.lastUsedAt };
  if (a.kind === 'pat_request') {
    const late = olderThanDays(a.since, now, p.maxPendingDays);
    return { resourceId: id, status: late ? 'fail' : 'pass', reason: `${label} pending since ${day(a.since)}: ${late ? 'past' : 'within'} the ${p.maxPendingDays}-day review limit`, details };
  }
  if (a.expired === true || (a.expiresAt !== null && (instant(a.expiresAt) ?? Infinity) < now.getTime())) {
    return { resourceId: id, status: 'pass', reason: `${label} expired on ${day(a.expiresAt ?? a.since)} and can no longer be used`, details };
  }
  const problems: string[] = [];
  if (a.kind === 'pat_grant' && a.expiresAt === null) problems.push('never expires');
  const used = a.lastUsedAt ?? null;
  if (used === null ? olderThanDays(a.since, now, p.staleDays) : olderThanDays(used, now, p.staleDays)) {
    problems.push(used === null ? `never used since ${a.kind === 'pat_grant' ? 'granted' : 'authorized'} on ${day(a.since)}` : `last used on ${day(used)}`);
  }
  return problems.length > 0
    ? { resourceId: id, status: 'fail', reason: `${label}: ${problems.join(', ')} (unused limit ${p.staleDays} days): revoke it or record why it stays`, details }
    : { resourceId: id, status: 'pass', reason: `${label} is in use${a.expiresAt ? ` and expires on ${day(a.expiresAt)}` : ''}`, details };
}
