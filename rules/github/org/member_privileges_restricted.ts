// github.org.member_privileges_restricted: base permission none/read, and members cannot create public repositories.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubOrgAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.org.member_privileges_restricted',
  title: 'Base repository permission is none or read and members cannot create public repositories',
  severity: 'high',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.org'],
  permissions: ['read:org (classic, as an organization owner)', 'Organization administration: read'],
  rationale:
    'A write or admin base permission gives every member push rights to every repository, defeating least privilege; members creating public repositories can publish code or secrets without review.',
  remediation:
    'Organization settings → Member privileges: set "Base permissions" to Read or No permission, grant write through teams, and untick public repository creation (or all creation, see the parameter).',
  params: {
    allowedBasePermissions: { description: 'Base permissions that pass.', default: ['none', 'read'] },
    forbidAllRepoCreation: { description: 'Also fail when members can create private or internal repositories.', default: false },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const o of resourcesOfType<GithubOrgAttributes>(snapshot, 'github.org')) {
      const a = o.attributes;
      if (a.defaultRepositoryPermission === null || a.membersCanCreatePublicRepositories === null) {
        out.push({ resourceId: o.id, status: 'error', reason: `org ${a.login}: member privilege settings are visible to organization owners only` });
        continue;
      }
      const problems: string[] = [];
      if (!params.allowedBasePermissions.includes(a.defaultRepositoryPermission)) problems.push(`base permission is ${a.defaultRepositoryPermission}`);
      if (a.membersCanCreatePublicRepositories) problems.push('members can create public repositories');
      if (params.forbidAllRepoCreation && (a.membersCanCreatePrivateRepositories || a.membersCanCreateRepositories)) problems.push('members can create repositories');
      const details = { defaultRepositoryPermission: a.defaultRepositoryPermission, membersCanCreatePublicRepositories: a.membersCanCreatePublicRepositories, membersCanCreatePrivateRepositories: a.membersCanCreatePrivateRepositories };
      out.push(problems.length > 0
        ? { resourceId: o.id, status: 'fail', reason: `org ${a.login}: ${problems.join('; ')}`, details }
        : { resourceId: o.id, status: 'pass', reason: `org ${a.login}: base permission ${a.defaultRepositoryPermission}; members cannot create public repositories`, details });
    }
    return out;
  },
});
