// Reads the organization's people over REST: members with their role and 2FA state, and outside collaborators.
import { MalformedReplyError } from '../../src/core/failure.js';
import type { GithubMemberAttributes } from '../../src/core/contracts/github.js';
import type { RunState } from './run-state.js';

/** Members with role and 2FA (null when the 2FA filter could not be read); null when the member list itself failed. */
export async function readMembers(run: RunState): Promise<Array<Omit<GithubMemberAttributes, 'samlLinked'>> | null> {
  const inputs = ['github.member', 'github.org'];
  if (run.lacksScope(['read:org', 'admin:org'])) { run.missingScope('GET /orgs/{org}/members', 'members', 'read:org', inputs); return null; }
  let all: Array<Record<string, unknown>>;
  let admins: Array<Record<string, unknown>>;
  try {
    [all, admins] = await Promise.all([run.listAll('GET /orgs/{org}/members', { role: 'all' }), run.listAll('GET /orgs/{org}/members', { role: 'admin' })]);
    for (const u of [...all, ...admins]) if (typeof u.login !== 'string') throw new MalformedReplyError('GET /orgs/{org}/members', 'a member has no login');
  } catch (e) { run.fail('GET /orgs/{org}/members', 'members', inputs, e); return null; }
  let no2fa: Set<string> | null = null;
  try {
    const list = await run.listAll('GET /orgs/{org}/members', { filter: '2fa_disabled' });
    if (list.some((u) => typeof u.login !== 'string')) throw new MalformedReplyError('GET /orgs/{org}/members?filter=2fa_disabled', 'a member has no login');
    no2fa = new Set(list.map((u) => u.login as string));
  } catch (e) { run.fail('GET /orgs/{org}/members?filter=2fa_disabled', 'members2fa', [], e); }
  const adminSet = new Set(admins.map((u) => u.login as string));
  run.inputs['github.member'] = { observedAt: run.now() };
  return all.map((u) => ({ login: u.login as string, role: adminSet.has(u.login as string) ? 'admin' as const : 'member' as const, twoFactorDisabled: no2fa ? no2fa.has(u.login as string) : null }));
}

/** Outside collaborators with their 2FA state; null when the list failed (their repositories come from the repository read). */
export async function readOutsideCollaborators(run: RunState): Promise<Array<{ login: string; twoFactorDisabled: boolean | null }> | null> {
  const inputs = ['github.outside_collaborator'];
  if (run.lacksScope(['read:org', 'admin:org'])) { run.missingScope('GET /orgs/{org}/outside_collaborators', 'outside', 'read:org', inputs); return null; }
  try {
    const [all, no2fa] = await Promise.all([
      run.listAll('GET /orgs/{org}/outside_collaborators', {}),
      run.listAll('GET /orgs/{org}/outside_collaborators', { filter: '2fa_disabled' }),
    ]);
    if ([...all, ...no2fa].some((u) => typeof u.login !== 'string')) throw new MalformedReplyError('GET /orgs/{org}/outside_collaborators', 'a collaborator has no login');
    const off = new Set(no2fa.map((u) => u.login as string));
    return all.map((u) => ({ login: u.login as string, twoFactorDisabled: off.has(u.login as string) }));
  } catch (e) { run.fail('GET /orgs/{org}/outside_collaborators', 'outside', inputs, e); return null; }
}
