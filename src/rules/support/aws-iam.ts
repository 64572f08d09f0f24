// IAM policy-document analysis the aws.iam.* rules share: parsing, action and resource matching, admin-equivalence, and what each principal holds.
import type { Snapshot } from '../../core/types.js';
import type {
  AwsIamGroupAttributes,
  AwsIamPolicyAttributes,
  AwsIamRoleAttributes,
  AwsIamUserAttributes,
} from '../../core/contracts/aws.js';
import { resourcesOfType, type Typed } from './resources.js';

/** AWS's managed full-access policy; holding it is admin-equivalent whatever its document says. */
export const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** The IAM actions that feed the credential-report-based resources (root, users). */
export const CREDENTIAL_REPORT_PERMISSIONS = ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'];

// ---------------------------------------------------------------------------------------------------------------
// Policy documents

export interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Present when the statement uses Action. */
  actions?: string[];
  /** Present when the statement uses NotAction: it applies to every action except these. */
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principal?: unknown;
  notPrincipal?: unknown;
  condition?: Record<string, Record<string, unknown>>;
}

export type ParsedPolicy = { ok: true; statements: Statement[] } | { ok: false; error: string };

function stringList(v: unknown, field: string): string[] | string {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return `${field} must be a string or a list of strings`;
}

/** Accepts a parsed document, or its JSON text (URL-encoded or not, as IAM returns it). Never throws. */
export function parsePolicy(document: unknown): ParsedPolicy {
  let doc = document;
  if (typeof doc === 'string') {
    const text = doc.trim();
    try {
      doc = JSON.parse(text.startsWith('{') ? text : decodeURIComponent(text));
    } catch {
      return { ok: false, error: 'document is not valid JSON' };
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, error: 'document is not a JSON object' };
  const raw = (doc as Record<string, unknown>).Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements: Statement[] = [];
  for (const [i, s] of list.entries()) {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return { ok: false, error: `Statement[${i}] is not an object` };
    const o = s as Record<string, unknown>;
    if (o.Effect !== 'Allow' && o.Effect !== 'Deny') return { ok: false, error: `Statement[${i}].Effect must be Allow or Deny` };
    const st: Statement = { effect: o.Effect };
    if (typeof o.Sid === 'string') st.sid = o.Sid;
    for (const [field, key] of [
      ['Action', 'actions'],
      ['NotAction', 'notActions'],
      ['Resource', 'resources'],
      ['NotResource', 'notResources'],
    ] as const) {
      if (o[field] === undefined) continue;
      const l = stringList(o[field], field);
      if (typeof l === 'string') return { ok: false, error: `Statement[${i}].${l}` };
      st[key] = l;
    }
    if (!st.actions && !st.notActions) return { ok: false, error: `Statement[${i}] has neither Action nor NotAction` };
    if (o.Principal !== undefined) st.principal = o.Principal;
    if (o.NotPrincipal !== undefined) st.notPrincipal = o.NotPrincipal;
    if (o.Condition !== undefined) {
      if (o.Condition === null || typeof o.Condition !== 'object' || Array.isArray(o.Condition)) return { ok: false, error: `Statement[${i}].Condition must be an object` };
      st.condition = o.Condition as Record<string, Record<string, unknown>>;
    }
    statements.push(st);
  }
  return { ok: true, statements };
}

const patternCache = new Map<string, RegExp>();

/** IAM wildcard match (`*`, `?`), case-insensitive as IAM compares action names. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re.test(value);
}

function isEverything(pattern: string): boolean {
  return /^\*(:\*)?$/.test(pattern.trim());
}

function hasCondition(s: Statement): boolean {
  return s.condition !== undefined && Object.keys(s.condition).length > 0;
}

/** Whether the statement applies to `action` (a concrete action such as `iam:PutUserPolicy`). */
export function statementCoversAction(s: Statement, action: string): boolean {
  if (s.actions) return s.actions.some((p) => wildcardMatch(p, action));
  return !(s.notActions ?? []).some((p) => wildcardMatch(p, action));
}

/** Whether the statement applies to every action of `service` (e.g. `kms`), as `kms:*` would. */
export function statementCoversService(s: Statement, service: string): boolean {
  if (s.actions) return s.actions.some((p) => isEverything(p) || p.toLowerCase() === `${service.toLowerCase()}:*`);
  // NotAction covers the whole service unless one of its patterns can name an action of that service.
  return !(s.notActions ?? []).some((p) => {
    const svc = p.includes(':') ? p.slice(0, p.indexOf(':')) : p;
    return wildcardMatch(svc, service);
  });
}

/** Every action: only an Action of `*` (or `*:*`); NotAction always leaves something out. */
export function statementCoversAllActions(s: Statement): boolean {
  return (s.actions ?? []).some(isEverything);
}

/**
 * An Allow reaching every resource: Resource `*`, or NotResource (everything but a few).
 * Resource-scoped grants are not counted; they need per-target analysis.
 */
function allowIsResourceWide(s: Statement): boolean {
  return (s.resources ?? []).some((p) => p.trim() === '*') || s.notResources !== undefined;
}

/** A Deny that certainly applies: Resource `*` and no Condition (a conditional Deny may not apply, so it cannot be relied on). */
function denyIsCertain(s: Statement): boolean {
  return s.effect === 'Deny' && !hasCondition(s) && (s.resources ?? []).some((p) => p.trim() === '*');
}

/** Allowed on every resource by some statement and not certainly denied. Conditional Allows count: the condition may hold. */
export function allowsAction(statements: readonly Statement[], action: string): boolean {
  const allowed = statements.some((s) => s.effect === 'Allow' && allowIsResourceWide(s) && statementCoversAction(s, action));
  return allowed && !statements.some((s) => denyIsCertain(s) && statementCoversAction(s, action));
}

/** Every action of the service allowed on every resource, and no action of it certainly denied. */
export function allowsWholeService(statements: readonly Statement[], service: string): boolean {
  const allowed = statements.some((s) => s.effect === 'Allow' && allowIsResourceWide(s) && statementCoversService(s, service));
  if (!allowed) return false;
  return !statements.some(
    (s) =>
      denyIsCertain(s) &&
      ((s.actions ?? []).some((p) => {
        const svc = p.includes(':') ? p.slice(0, p.indexOf(':')) : p;
        return wildcardMatch(svc, service);
      }) ||
        s.notActions !== undefined),
  );
}

/**
 * Actions that let a principal change its own permissions. A principal allowed `*:*` keeps admin power unless a
 * certain Deny blocks every one of these: otherwise it can rewrite or detach whatever restrains it.
 */
export const SELF_ESCALATION_ACTIONS = [
  'iam:PutUserPolicy',
  'iam:AttachUserPolicy',
  'iam:DeleteUserPolicy',
  'iam:DetachUserPolicy',
  'iam:PutGroupPolicy',
  'iam:AttachGroupPolicy',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:AddUserToGroup',
  'iam:UpdateAssumeRolePolicy',
] as const;

export interface AdminAssessment {
  admin: boolean;
  /** The Allow `*` on `*` statements found (sids or indexes), for the reason. */
  grants: string[];
  /** True when a grant exists but certain Denies block all self-escalation: broad, yet not admin-equivalent. */
  contained: boolean;
  conditional: boolean;
}

/** Admin-equivalence of a set of statements taken together (one policy, or everything a principal holds). */
export function assessAdmin(statements: readonly Statement[]): AdminAssessment {
  const grants = statements.filter((s) => s.effect === 'Allow' && allowIsResourceWide(s) && statementCoversAllActions(s));
  if (grants.length === 0) return { admin: false, grants: [], contained: false, conditional: false };
  const labels = grants.map((s) => (s.sid ? `Sid ${s.sid}` : `Statement ${statements.indexOf(s)}`));
  const deny = statements.filter(denyIsCertain);
  const contained = SELF_ESCALATION_ACTIONS.every((a) => deny.some((d) => statementCoversAction(d, a)));
  return { admin: !contained, grants: labels, contained, conditional: grants.every(hasCondition) };
}

// ---------------------------------------------------------------------------------------------------------------
// Principals and the policies they hold

export interface HeldPolicy {
  /** Human label: `inline policy ops`, `managed policy arn:…`, `group Admins: managed policy arn:…`. */
  via: string;
  arn?: string;
  statements: Statement[];
}

export interface PrincipalPolicies {
  held: HeldPolicy[];
  /** True when AWS AdministratorAccess is attached directly or through a group. */
  administratorAccess: string[];
  /** What could not be resolved (policy document not collected, group not collected, unparseable document). */
  unresolved: string[];
}

/** Lookups the principal resolution needs, built once per snapshot. */
export class IamIndex {
  readonly policies = new Map<string, Typed<AwsIamPolicyAttributes>>();
  readonly groupsByName = new Map<string, Typed<AwsIamGroupAttributes>>();
  readonly users: Array<Typed<AwsIamUserAttributes>>;
  readonly groups: Array<Typed<AwsIamGroupAttributes>>;
  readonly roles: Array<Typed<AwsIamRoleAttributes>>;
  // Group and managed documents are shared by thousands of users: parse each document object once.
  private readonly parsed = new Map<unknown, ParsedPolicy>();

  parse(document: unknown): ParsedPolicy {
    let p = this.parsed.get(document);
    if (!p) {
      p = parsePolicy(document);
      this.parsed.set(document, p);
    }
    return p;
  }

  constructor(snapshot: Snapshot) {
    for (const p of resourcesOfType<AwsIamPolicyAttributes>(snapshot, 'aws.iam.policy')) this.policies.set(p.id, p);
    this.groups = resourcesOfType<AwsIamGroupAttributes>(snapshot, 'aws.iam.group');
    for (const g of this.groups) this.groupsByName.set(g.name, g);
    this.users = resourcesOfType<AwsIamUserAttributes>(snapshot, 'aws.iam.user');
    this.roles = resourcesOfType<AwsIamRoleAttributes>(snapshot, 'aws.iam.role');
  }

  private collect(
    prefix: string,
    attached: readonly string[] | undefined,
    inline: ReadonlyArray<{ name: string; document: unknown }> | undefined,
    out: PrincipalPolicies,
  ): void {
    // A list the snapshot lacks is unknown, not empty: it may hold AdministratorAccess.
    if (!Array.isArray(attached)) out.unresolved.push(`${prefix}attached policies (not collected)`);
    if (!Array.isArray(inline)) out.unresolved.push(`${prefix}inline policies (not collected)`);
    for (const arn of [...(attached ?? [])].sort()) {
      if (arn === ADMINISTRATOR_ACCESS_ARN) out.administratorAccess.push(`${prefix}${arn}`);
      const p = this.policies.get(arn);
      if (!p) {
        if (arn !== ADMINISTRATOR_ACCESS_ARN) out.unresolved.push(`${prefix}managed policy ${arn} (document not collected)`);
        continue;
      }
      const parsed = this.parse(p.attributes.document);
      if (!parsed.ok) out.unresolved.push(`${prefix}managed policy ${arn} (${parsed.error})`);
      else out.held.push({ via: `${prefix}managed policy ${arn}`, arn, statements: parsed.statements });
    }
    for (const ip of [...(inline ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const parsed = this.parse(ip.document);
      if (!parsed.ok) out.unresolved.push(`${prefix}inline policy ${ip.name} (${parsed.error})`);
      else out.held.push({ via: `${prefix}inline policy ${ip.name}`, statements: parsed.statements });
    }
  }

  /** Everything a user holds: its own attached and inline policies and those of its groups. */
  userPolicies(user: Typed<AwsIamUserAttributes>): PrincipalPolicies {
    const out: PrincipalPolicies = { held: [], administratorAccess: [], unresolved: [] };
    this.collect('', user.attributes.attachedPolicies, user.attributes.inlinePolicies, out);
    if (!Array.isArray(user.attributes.groups)) out.unresolved.push('group memberships (not collected)');
    for (const name of [...(user.attributes.groups ?? [])].sort()) {
      const g = this.groupsByName.get(name);
      if (!g) {
        out.unresolved.push(`group ${name} (not collected)`);
        continue;
      }
      this.collect(`group ${name}: `, g.attributes.attachedPolicies, g.attributes.inlinePolicies, out);
    }
    return out;
  }

  rolePolicies(role: Typed<AwsIamRoleAttributes>): PrincipalPolicies {
    const out: PrincipalPolicies = { held: [], administratorAccess: [], unresolved: [] };
    this.collect('', role.attributes.attachedPolicies, role.attributes.inlinePolicies, out);
    return out;
  }

  groupPolicies(group: Typed<AwsIamGroupAttributes>): PrincipalPolicies {
    const out: PrincipalPolicies = { held: [], administratorAccess: [], unresolved: [] };
    this.collect('', group.attributes.attachedPolicies, group.attributes.inlinePolicies, out);
    return out;
  }

  /**
   * Principals whose policy lists the snapshot lacks (a user missing from the authorization details, or a list absent
   * with no per-resource error): what they hold is unknown, so rules over policies say `error` for each, never a pass
   * by omission.
   */
  unread(): Array<{ arn: string; kind: 'user' | 'group' | 'role'; missing: string[] }> {
    const out: Array<{ arn: string; kind: 'user' | 'group' | 'role'; missing: string[] }> = [];
    const lists = (a: object, keys: string[]) => keys.filter((k) => !Array.isArray((a as Record<string, unknown>)[k]));
    for (const u of this.users) {
      const missing = u.attributes.detailsMissing ? ['authorization details'] : lists(u.attributes, ['groups', 'attachedPolicies', 'inlinePolicies']);
      if (missing.length) out.push({ arn: u.id, kind: 'user', missing });
    }
    for (const g of this.groups) { const missing = lists(g.attributes, ['attachedPolicies', 'inlinePolicies']); if (missing.length) out.push({ arn: g.id, kind: 'group', missing }); }
    for (const r of this.roles) { const missing = lists(r.attributes, ['attachedPolicies', 'inlinePolicies']); if (missing.length) out.push({ arn: r.id, kind: 'role', missing }); }
    return out.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  }

  /** Customer-managed and inline policy documents with a stable id each, for per-policy rules. */
  policyDocuments(): Array<{ id: string; kind: string; document: unknown; attachmentCount?: number }> {
    const out: Array<{ id: string; kind: string; document: unknown; attachmentCount?: number }> = [];
    for (const p of [...this.policies.values()]) {
      if (p.attributes.awsManaged) continue;
      out.push({ id: p.id, kind: 'customer-managed policy', document: p.attributes.document, attachmentCount: p.attributes.attachmentCount });
    }
    const principals: Array<{ arn: string; kind: string; inline: ReadonlyArray<{ name: string; document: unknown }> }> = [
      ...this.users.map((u) => ({ arn: u.id, kind: 'user', inline: u.attributes.inlinePolicies ?? [] })),
      ...this.groups.map((g) => ({ arn: g.id, kind: 'group', inline: g.attributes.inlinePolicies ?? [] })),
      ...this.roles.map((r) => ({ arn: r.id, kind: 'role', inline: r.attributes.inlinePolicies ?? [] })),
    ];
    for (const pr of principals) {
      for (const ip of pr.inline) out.push({ id: inlinePolicyId(pr.arn, ip.name), kind: `inline policy of ${pr.kind}`, document: ip.document });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** Inline policies have no ARN; results name them `<principal ARN>#inline/<policy name>`. */
export function inlinePolicyId(principalArn: string, name: string): string {
  return `${principalArn}#inline/${name}`;
}

/** Admin-equivalence of what a principal holds, with the path that makes it so. */
export function principalAdmin(p: PrincipalPolicies): { admin: boolean; via: string[] } {
  const via = [...p.administratorAccess.map((v) => `AWS AdministratorAccess${v === ADMINISTRATOR_ACCESS_ARN ? '' : ` via ${v.slice(0, v.indexOf(':'))}`}`)];
  const all = p.held.flatMap((h) => h.statements);
  const whole = assessAdmin(all);
  if (whole.admin) {
    for (const h of p.held) {
      if (h.arn === ADMINISTRATOR_ACCESS_ARN) continue;
      if (assessAdmin(h.statements).grants.length > 0) via.push(`Allow *:* in ${h.via}`);
    }
  }
  return { admin: p.administratorAccess.length > 0 || whole.admin, via };
}
