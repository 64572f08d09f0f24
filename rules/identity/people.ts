// Joins identity-provider users with GitHub members and AWS IAM users into `person` records, listing what does not match,
// and the HR roster's employment status (`hris.employee`) to them by work email.
import { z } from 'zod';
import type { Resource, Snapshot } from '../../src/core/types.js';
import { IDENTITY_USER_TYPES, type IdentityUserAttributes } from '../../src/core/contracts/identity.js';
import { terminationInstant, type HrisEmployeeAttributes } from '../../src/core/contracts/hris.js';

/**
 * Optional mapping file (YAML or JSON, validated with this schema) for accounts that cannot be matched by email:
 * GitHub members never expose an email, and IAM user names are free text.
 */
export const peopleMappingSchema = z.strictObject({
  people: z.array(z.strictObject({
    email: z.email(),
    github: z.array(z.string().min(1)).default([]),
    /** IAM user names or ARNs. */
    aws: z.array(z.string().min(1)).default([]),
  })).default([]),
  /** Accounts that belong to no person (bots, break-glass); listed, never reported as unmatched. */
  serviceAccounts: z.strictObject({
    github: z.array(z.string()).default([]),
    aws: z.array(z.string()).default([]),
    /** IdP accounts (email or login) that are no employee: shared mailboxes, bots. Not reported as lacking an HR record. */
    idp: z.array(z.string()).default([]),
  }).default({ github: [], aws: [], idp: [] }),
  /** Also match a GitHub login or IAM user name equal to the email's local part (`jane.doe`). @defaultValue true */
  matchLocalPart: z.boolean().default(true),
});
export type PeopleMapping = z.infer<typeof peopleMappingSchema>;

export type MatchedBy = 'mapping' | 'email' | 'local-part';

export interface IdpAccount {
  source: string;
  scope: string;
  id: string;
  login: string;
  status: string;
  active: boolean;
  statusChanged: string | null;
  /** Last interactive sign-in (IdentityUserAttributes.lastLogin); absent in views recorded before it was joined. */
  lastLogin?: string | null;
  /** False when the provider does not report sign-ins (e.g. Entra without P1). */
  lastLoginKnown?: boolean;
  observedAt: string;
}

export interface GithubAccount {
  org: string;
  login: string;
  role: string;
  matchedBy?: MatchedBy;
  /**
   * Whether the org's audit log was read (`github.audit_log` activity stream `listed`): then github.org.inactive_members
   * judges the member from it; otherwise xsys.github_inactive_members falls back to the IdP's sign-ins.
   */
  auditLogRead?: boolean;
  observedAt: string;
}

export interface AwsAccount {
  account: string;
  arn: string;
  userName: string;
  passwordEnabled: boolean;
  activeAccessKeys: number;
  matchedBy?: MatchedBy;
  observedAt: string;
}

/** The person's row of the HR roster (`hris.employee`), joined by work email. */
export interface HrRecord extends HrisEmployeeAttributes {
  /** The roster (the hris run's scope). */
  scope: string;
  observedAt: string;
}

export interface Person {
  /** Lower-cased email: the join key. */
  email: string;
  idp: IdpAccount[];
  github: GithubAccount[];
  aws: AwsAccount[];
  /** HR record, when an HR roster was joined and lists this email; with two rosters, the latest employment (start date). */
  hr: HrRecord | null;
  /** Every IdP account of the person is a declared service account (mapping `serviceAccounts.idp`). */
  serviceAccount: boolean;
  /** True when at least one IdP account can sign in. */
  activeInIdp: boolean;
  /** Latest status change among the person's inactive IdP accounts, when all are inactive. */
  deactivatedAt: string | null;
  /** Whether the person still holds GitHub membership or an AWS user with a password or an active key. */
  holdsDownstreamAccess: boolean;
  /**
   * Whether the person is offboarding: terminated in HR when an HR record says so, else deactivated in every IdP account
   * (the view without HR). Offboarding timeliness is measured for these people.
   */
  leaver: boolean;
  /** When offboarding started: the HR termination date (end of that day, UTC) for HR leavers, else `deactivatedAt`. */
  offboardingFrom: string | null;
  /** What `offboardingFrom` comes from. */
  offboardingBasis: 'hr' | 'idp' | null;
  /** Access a leaver must lose: for an HR leaver any active IdP account too; otherwise `holdsDownstreamAccess`. */
  holdsAccess: boolean;
}

export interface PeopleView {
  people: Person[];
  unmatched: { github: GithubAccount[]; aws: AwsAccount[] };
  /** Sources joined and the instant each was observed. */
  sources: Array<{ source: string; scope: string; observedAt: string }>;
  /** Whether an HR roster (`hris.employee`) was among the joined snapshots. */
  hrJoined: boolean;
}

function localPart(email: string): string {
  return email.split('@')[0] ?? email;
}

/**
 * Builds the person view from the latest snapshot of each source. Pure: feed it what the ledger holds. IdP accounts
 * are joined by email across Okta, Google and Entra; GitHub logins and IAM users by mapping, then email, then (when
 * enabled) the email's local part. Accounts in no person and not declared service accounts are `unmatched`.
 */
export function joinPeople(snapshots: Snapshot[], mappingInput?: unknown): PeopleView {
  const mapping = peopleMappingSchema.parse(mappingInput ?? {});
  const byEmail = new Map<string, Person>();
  const person = (email: string): Person => {
    let p = byEmail.get(email);
    if (!p) {
      p = { email, idp: [], github: [], aws: [], hr: null, serviceAccount: false, activeInIdp: false, deactivatedAt: null, holdsDownstreamAccess: false, leaver: false, offboardingFrom: null, offboardingBasis: null, holdsAccess: false };
      byEmail.set(email, p);
    }
    return p;
  };
  const githubMembers: Array<{ r: Resource; a: GithubAccount }> = [];
  const awsUsers: AwsAccount[] = [];
  const hrRows: HrRecord[] = [];
  for (const s of snapshots) {
    const auditLogRead = s.resources.some((x) => x.type === 'github.audit_log' && x.id === `activity:${s.scope}` && (x.attributes as { state?: string }).state === 'listed');
    for (const r of s.resources) {
      if (r.type === 'hris.employee') {
        hrRows.push({ ...(r.attributes as unknown as HrisEmployeeAttributes), scope: r.scope, observedAt: r.observedAt });
        continue;
      }
      if ((IDENTITY_USER_TYPES as readonly string[]).includes(r.type)) {
        const a = r.attributes as unknown as IdentityUserAttributes;
        const email = (a.email ?? a.login).toLowerCase();
        person(email).idp.push({
          source: r.source, scope: r.scope, id: r.id, login: a.login, status: a.status, active: a.active, statusChanged: a.statusChanged,
          lastLogin: a.lastLogin ?? null, lastLoginKnown: a.lastLoginKnown === true, observedAt: r.observedAt,
        });
      } else if (r.type === 'github.member') {
        const login = String((r.attributes as { login?: string }).login ?? r.id);
        githubMembers.push({ r, a: { org: r.scope, login, role: String((r.attributes as { role?: string }).role ?? 'member'), auditLogRead, observedAt: r.observedAt } });
      } else if (r.type === 'aws.iam.user') {
        const a = r.attributes as { accessKeys?: Array<{ active: boolean }>; passwordEnabled?: boolean };
        awsUsers.push({
          account: r.scope, arn: r.id, userName: r.name, passwordEnabled: a.passwordEnabled === true,
          activeAccessKeys: (a.accessKeys ?? []).filter((k) => k.active).length, observedAt: r.observedAt,
        });
      }
    }
  }
  // HR rows join by work email and add people the IdPs lack (a leaver whose IdP account was deleted), so GitHub and AWS
  // accounts still match them below. Two rosters listing one email: the latest employment wins.
  for (const row of hrRows.sort((a, b) => (a.startDate < b.startDate ? -1 : a.startDate > b.startDate ? 1 : 0))) person(row.workEmail).hr = row;
  const idpEmails = [...byEmail.keys()];
  const byLocal = new Map<string, string[]>();
  for (const e of idpEmails) byLocal.set(localPart(e), [...(byLocal.get(localPart(e)) ?? []), e]);
  const mappedGithub = new Map<string, string>();
  const mappedAws = new Map<string, string>();
  for (const p of mapping.people) {
    for (const g of p.github) mappedGithub.set(g.toLowerCase(), p.email.toLowerCase());
    for (const a of p.aws) mappedAws.set(a.toLowerCase(), p.email.toLowerCase());
  }
  /** A local part shared by two IdP emails is ambiguous, so it never matches. */
  const match = (key: string, mapped: string | undefined): { email: string; by: MatchedBy } | null => {
    if (mapped) return { email: mapped, by: 'mapping' };
    const k = key.toLowerCase();
    if (byEmail.has(k)) return { email: k, by: 'email' };
    const locals = byLocal.get(k);
    if (mapping.matchLocalPart && locals?.length === 1) return { email: locals[0]!, by: 'local-part' };
    return null;
  };
  const unmatched: PeopleView['unmatched'] = { github: [], aws: [] };
  const ghService = new Set(mapping.serviceAccounts.github.map((x) => x.toLowerCase()));
  const awsService = new Set(mapping.serviceAccounts.aws.map((x) => x.toLowerCase()));
  for (const { a } of githubMembers) {
    if (ghService.has(a.login.toLowerCase())) continue;
    const m = match(a.login, mappedGithub.get(a.login.toLowerCase()));
    if (m) person(m.email).github.push({ ...a, matchedBy: m.by });
    else unmatched.github.push(a);
  }
  for (const a of awsUsers) {
    if (awsService.has(a.userName.toLowerCase()) || awsService.has(a.arn.toLowerCase())) continue;
    const m = match(a.userName, mappedAws.get(a.userName.toLowerCase()) ?? mappedAws.get(a.arn.toLowerCase()));
    if (m) person(m.email).aws.push({ ...a, matchedBy: m.by });
    else unmatched.aws.push(a);
  }
  const people = [...byEmail.values()].sort((x, y) => (x.email < y.email ? -1 : 1));
  const idpService = new Set(mapping.serviceAccounts.idp.map((x) => x.toLowerCase()));
  for (const p of people) settle(p, idpService);
  const sources = snapshots.map((s) => ({ source: s.source, scope: s.scope, observedAt: s.endedAt })).sort((a, b) => `${a.source}:${a.scope}`.localeCompare(`${b.source}:${b.scope}`));
  return { people, unmatched, sources, hrJoined: snapshots.some((s) => s.source === 'hris') };
}

/** Derives a person's summary fields from their accounts and HR record. */
function settle(p: Person, idpService: Set<string>): void {
  p.activeInIdp = p.idp.some((a) => a.active);
  const changes = p.idp.filter((a) => !a.active).map((a) => a.statusChanged).filter((x): x is string => !!x).sort();
  p.deactivatedAt = !p.activeInIdp && p.idp.length > 0 ? (changes[changes.length - 1] ?? null) : null;
  p.holdsDownstreamAccess = p.github.length > 0 || p.aws.some((a) => a.passwordEnabled || a.activeAccessKeys > 0);
  p.serviceAccount = p.idp.length > 0 && p.idp.every((a) => idpService.has(a.login.toLowerCase()) || idpService.has(p.email));
  if (p.hr?.status === 'terminated' && p.hr.terminationDate) {
    const at = terminationInstant(p.hr.terminationDate);
    p.leaver = true;
    p.offboardingFrom = Number.isNaN(at) ? null : new Date(at).toISOString();
    p.offboardingBasis = 'hr';
    p.holdsAccess = p.activeInIdp || p.holdsDownstreamAccess;
  } else {
    // Without an HR leaver record, the IdP says who left (the view as it was before HR was joined).
    p.leaver = !p.activeInIdp;
    p.offboardingFrom = p.deactivatedAt;
    p.offboardingBasis = p.deactivatedAt ? 'idp' : null;
    p.holdsAccess = p.holdsDownstreamAccess;
  }
}

/**
 * Employees of the joined HR roster whose start date falls in [from, to] (ISO dates or instants, compared by day): the
 * population a requirement with an on-hire window (`cadence: on-hire:30d`) checks for onboarding evidence.
 */
export function newHires(view: PeopleView, from: string, to: string): HrRecord[] {
  const [a, b] = [from.slice(0, 10), to.slice(0, 10)];
  return view.people.flatMap((p) => (p.hr && p.hr.startDate.slice(0, 10) >= a && p.hr.startDate.slice(0, 10) <= b ? [p.hr] : []))
    .sort((x, y) => (x.startDate < y.startDate ? -1 : x.startDate > y.startDate ? 1 : x.workEmail < y.workEmail ? -1 : 1));
}
