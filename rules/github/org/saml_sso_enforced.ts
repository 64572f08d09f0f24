// github.org.saml_sso_enforced: SAML SSO is configured and every member has a linked identity, so access follows the IdP.
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { GithubMemberAttributes, GithubOrgAttributes } from '../../../src/core/contracts/github.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'github.org.saml_sso_enforced',
  title: 'SAML single sign-on is configured and every member has a linked IdP identity',
  severity: 'medium',
  source: 'github',
  mode: 'snapshot',
  inputs: ['github.org', 'github.member'],
  permissions: ['admin:org (classic, as an organization owner)', 'Organization administration: read'],
  rationale:
    'With SAML SSO, disabling someone in the identity provider cuts their GitHub access too, so joiner–mover–leaver controls reach source code. A member without a linked identity escapes that lifecycle.',
  remediation:
    'Organization settings → Authentication security → enable SAML single sign-on (GitHub Enterprise Cloud) and "Require SAML SSO authentication"; ask members without a linked identity to authenticate through the IdP, or remove them.',
  params: {},
  evaluate(snapshot) {
    const out: RuleOutcome[] = [];
    for (const o of resourcesOfType<GithubOrgAttributes>(snapshot, 'github.org')) {
      const saml = o.attributes.saml;
      if (saml === null) {
        out.push({ resourceId: o.id, status: 'error', reason: `org ${o.attributes.login}: could not read the SAML identity provider (admin:org as an owner, or Organization administration: read)` });
        continue;
      }
      if (!saml.configured) {
        out.push({ resourceId: o.id, status: 'fail', reason: `org ${o.attributes.login}: no SAML identity provider is configured` });
        continue;
      }
      const unlinked = resourcesOfType<GithubMemberAttributes>(snapshot, 'github.member').filter((m) => m.attributes.samlLinked === false).map((m) => m.id);
      out.push(unlinked.length > 0
        ? { resourceId: o.id, status: 'fail', reason: `org ${o.attributes.login}: SAML SSO configured but ${unlinked.length} member(s) have no linked identity: ${unlinked.join(', ')}`, details: { unlinked } }
        : { resourceId: o.id, status: 'pass', reason: `org ${o.attributes.login}: SAML SSO configured and every member has a linked identity` });
    }
    return out;
  },
});
