// Maps raw IAM replies (credential report, summary, password policy, authorization details, virtual MFA) to Vigil resources.
import type { GroupDetail, ManagedPolicyDetail, PasswordPolicy, RoleDetail, UserDetail, VirtualMFADevice } from '@aws-sdk/client-iam';
import type { CollectionError, Resource } from '../../src/core/types.js';
import { csvRecords } from './csv.js';
import type {
  AwsAccessKey,
  AwsAccountAttributes,
  AwsIamGroupAttributes,
  AwsIamPasswordPolicyAttributes,
  AwsIamPolicyAttributes,
  AwsIamRoleAttributes,
  AwsIamRootAttributes,
  AwsIamUserAttributes,
} from '../../src/core/contracts/aws.js';

/** What one run read; a part is absent when its call failed. `at` is when the source reported it. */
export interface RawIam {
  accountId: string;
  report?: { csv: string; generatedAt: string };
  summary?: { map: Record<string, number>; at: string };
  passwordPolicy?: { policy: PasswordPolicy | null; at: string };
  details?: { users: UserDetail[]; groups: GroupDetail[]; roles: RoleDetail[]; policies: ManagedPolicyDetail[]; at: string };
  virtualMfa?: { devices: VirtualMFADevice[]; at: string };
}

export const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
] as const;

const NO_VALUE = new Set(['N/A', 'no_information', 'not_supported', '']);

/** Report timestamps (`2024-05-01T12:00:00+00:00`) to ISO UTC; the report's "no value" markers to null. */
function reportTime(v: string | undefined): string | null {
  if (v === undefined || NO_VALUE.has(v)) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function reportBool(v: string | undefined): boolean {
  return (v ?? '').toLowerCase() === 'true';
}

function reportKeys(row: Record<string, string>): AwsAccessKey[] {
  const keys: AwsAccessKey[] = [];
  for (const slot of [1, 2] as const) {
    const active = reportBool(row[`access_key_${slot}_active`]);
    const lastRotated = reportTime(row[`access_key_${slot}_last_rotated`]);
    // an absent key is "false,N/A,…"; an inactive key still has its rotation date
    if (!active && lastRotated === null) continue;
    keys.push({ slot, active, lastRotated, lastUsed: reportTime(row[`access_key_${slot}_last_used_date`]) });
  }
  return keys;
}

function iso(d: Date | undefined): string | null {
  return d ? d.toISOString() : null;
}

/** IAM returns policy documents URL-encoded (RFC 3986); decode and parse, or report the document as malformed. */
function decodeDoc(encoded: string | undefined, where: string, problems: string[]): unknown {
  if (encoded === undefined) return null;
  try {
    return JSON.parse(decodeURIComponent(encoded));
  } catch {
    problems.push(where);
    return null;
  }
}

export interface Normalized {
  resources: Resource[];
  errors: CollectionError[];
  /** Entities in the authorization details, as IAM counts them for MaxItems. */
  entityCount: number;
}

/** What the normalizing steps share: the account, where resources and errors go, and what the report and MFA reads gave. */
interface Normalizing {
  raw: RawIam;
  accountId: string;
  rootArn: string;
  base: { source: 'aws'; scope: string };
  resources: Resource[];
  errors: CollectionError[];
  /** Credential report rows by user ARN. */
  rows: Map<string, Record<string, string>>;
  /** Whether the report was read whole (header, well-formed rows). */
  reportRead: boolean;
  /** Users with an assigned virtual MFA device, when the devices were read. */
  virtualByUser: Map<string, boolean>;
}

export function normalize(raw: RawIam): Normalized {
  const { accountId } = raw;
  const rootArn = `arn:aws:iam::${accountId}:root`;
  const n: Normalizing = { raw, accountId, rootArn, base: { source: 'aws' as const, scope: accountId }, resources: [], errors: [], rows: new Map(), reportRead: false, virtualByUser: new Map() };

  if (raw.summary) {
    const attributes: AwsAccountAttributes = { accountId, summary: raw.summary.map };
    n.resources.push({ ...n.base, type: 'aws.account', id: rootArn, name: accountId, attributes: { ...attributes }, observedAt: raw.summary.at });
  }
  const rootRow = readReport(n);
  const rootVirtual = readVirtualMfa(n);
  pushRoot(n, rootRow, rootVirtual);
  const problems: string[] = [];
  let entityCount = 0;
  if (raw.details) {
    entityCount = pushDetails(n, raw.details, problems);
  } else {
    // without the details, users still come from the report so per-user credential checks can run
    for (const [arn, row] of n.rows) {
      n.resources.push({ ...n.base, type: 'aws.iam.user', id: arn, name: row.user ?? arn, attributes: { ...userAttrs(undefined, row, n.virtualByUser, raw.virtualMfa !== undefined, [], []), detailsMissing: true }, observedAt: raw.report!.generatedAt });
    }
  }
  if (problems.length > 0) {
    n.errors.push(
      malformed(
        'iam:GetAccountAuthorizationDetails',
        `${problems.length} entit(ies) or policy document(s) not as documented, e.g. ${problems.slice(0, 3).join('; ')}`,
        ['aws.iam.user', 'aws.iam.group', 'aws.iam.role', 'aws.iam.policy'],
      ),
    );
  }

  pushPasswordPolicy(n);
  return { resources: n.resources, errors: n.errors, entityCount };
}

/** The credential report's rows into `n.rows`; returns the root row. Complete only with its header, well-formed rows and the root row. */
function readReport(n: Normalizing): Record<string, string> | undefined {
  const { raw, rootArn, errors, rows } = n;
  let rootRow: Record<string, string> | undefined;
  if (raw.report) {
    let parsed: ReturnType<typeof csvRecords> | undefined;
    try {
      parsed = csvRecords(raw.report.csv);
    } catch (e) {
      errors.push(malformed('iam:GetCredentialReport', `credential report is not valid CSV: ${(e as Error).message}`, ['aws.iam.root', 'aws.iam.user']));
    }
    const missing = parsed ? REPORT_COLUMNS.filter((c) => !parsed.header.includes(c)) : [];
    const bad = parsed ? parsed.records.flatMap((r) => rowProblems(r)).slice(0, 3) : [];
    if (parsed && missing.length > 0) {
      errors.push(malformed('iam:GetCredentialReport', `credential report lacks columns: ${missing.join(', ')}`, ['aws.iam.root', 'aws.iam.user']));
    } else if (parsed && (parsed.ragged > 0 || bad.length > 0)) {
      errors.push(malformed('iam:GetCredentialReport', parsed.ragged > 0 ? `${parsed.ragged} credential report row(s) do not have the header's ${parsed.header.length} fields` : `credential report values not as documented: ${bad.join('; ')}`, ['aws.iam.root', 'aws.iam.user']));
    } else if (parsed) {
      n.reportRead = true;
      for (const r of parsed.records) {
        if (r.user === '<root_account>') rootRow = r;
        else rows.set(r.arn!, r);
      }
      // IAM always lists the root user first; without that row nothing about root's password or keys was observed
      if (!rootRow) errors.push({ ...malformed('iam:GetCredentialReport', 'credential report has no <root_account> row', ['aws.iam.root'], 'incomplete'), resources: [rootArn] });
    }
  }
  return rootRow;
}

/** Assigned virtual MFA devices by user into `n.virtualByUser`; returns whether root has one (undefined when unread). */
function readVirtualMfa(n: Normalizing): boolean | undefined {
  const { raw, rootArn, virtualByUser } = n;
  let rootVirtual: boolean | undefined;
  if (raw.virtualMfa) {
    rootVirtual = false;
    for (const d of raw.virtualMfa.devices) {
      const arn = d.User?.Arn;
      if (!arn) continue;
      if (arn === rootArn) rootVirtual = true;
      else virtualByUser.set(arn, true);
    }
  }
  return rootVirtual;
}

function pushRoot(n: Normalizing, rootRow: Record<string, string> | undefined, rootVirtual: boolean | undefined): void {
  const { raw, rootArn, resources, base } = n;
  if (rootRow || raw.summary) {
    const keys = rootRow ? reportKeys(rootRow) : undefined;
    const attrs: Partial<AwsIamRootAttributes> = {};
    if (rootRow) {
      attrs.mfaActive = reportBool(rootRow.mfa_active);
      attrs.passwordEnabled = rootRow.password_enabled === 'not_supported' ? 'not_supported' : reportBool(rootRow.password_enabled);
      attrs.passwordLastUsed = reportTime(rootRow.password_last_used);
      attrs.accessKeys = keys;
    }
    // the collector checked both summary entries are numbers; without the summary, the keys come from the report alone
    if (raw.summary) attrs.accountMfaEnabled = raw.summary.map.AccountMFAEnabled === 1;
    if (raw.summary) attrs.accessKeysPresent = raw.summary.map.AccountAccessKeysPresent === 1;
    else if (keys) attrs.accessKeysPresent = keys.length > 0;
    if (rootVirtual !== undefined) attrs.virtualMfa = rootVirtual;
    resources.push({ ...base, type: 'aws.iam.root', id: rootArn, name: 'root', attributes: { ...attrs }, observedAt: raw.report?.generatedAt ?? raw.summary!.at });
  }
}

/** Users, groups, roles and managed policies from the authorization details; returns their entity count. */
function pushDetails(n: Normalizing, d: NonNullable<RawIam['details']>, problems: string[]): number {
  const { raw, rows, virtualByUser, reportRead, resources, errors, base } = n;
  const entityCount = d.users.length + d.groups.length + d.roles.length + d.policies.length;
  const inline = (list: Array<{ PolicyName?: string; PolicyDocument?: string }> | undefined, where: string) =>
    (list ?? []).map((p) => ({ name: p.PolicyName ?? '', document: decodeDoc(p.PolicyDocument, `${where} inline ${p.PolicyName ?? ''}`, problems) }));
  const attached = (list: Array<{ PolicyArn?: string }> | undefined): string[] => (list ?? []).map((p) => p.PolicyArn ?? '').filter(Boolean);
  const groupArnByName = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const g of d.groups) {
    if (g.GroupName && g.Arn) {
      groupArnByName.set(g.GroupName, g.Arn);
      members.set(g.Arn, []);
    }
  }
  // IAM sends every membership and policy list, empty ones as empty elements; one missing is not "none"
  const lists = (arn: string | undefined, o: Record<string, unknown>, keys: string[]): void => {
    const gone = keys.filter((k) => !Array.isArray(o[k]));
    if (gone.length > 0) problems.push(`${arn ?? 'an entity without Arn'} lacks ${gone.join(', ')}`);
  };
  for (const u of d.users) lists(u.Arn, u as Record<string, unknown>, ['GroupList', 'AttachedManagedPolicies', 'UserPolicyList']);
  for (const g of d.groups) lists(g.Arn, g as Record<string, unknown>, ['AttachedManagedPolicies', 'GroupPolicyList']);
  for (const r of d.roles) lists(r.Arn, r as Record<string, unknown>, ['AttachedManagedPolicies', 'RolePolicyList']);
  // IAM always sends a role's CreateDate and a managed policy's AttachmentCount: one missing is unknown, not "new"/"0"
  for (const r of d.roles) if (r.Arn && iso(r.CreateDate) === null) problems.push(`${r.Arn} lacks CreateDate`);
  for (const p of d.policies) if (p.Arn && typeof p.AttachmentCount !== 'number') problems.push(`${p.Arn} lacks AttachmentCount`);
  for (const x of [...d.users, ...d.groups, ...d.roles, ...d.policies]) if (!x.Arn) problems.push('an entity without Arn');
  const seenUsers = new Set<string>();
  for (const u of d.users) {
    if (!u.Arn) continue;
    seenUsers.add(u.Arn);
    for (const g of u.GroupList ?? []) members.get(groupArnByName.get(g) ?? '')?.push(u.Arn);
    const row = rows.get(u.Arn);
    resources.push({
      ...base,
      type: 'aws.iam.user',
      id: u.Arn,
      name: u.UserName ?? u.Arn,
      attributes: { ...userAttrs(u, row, virtualByUser, raw.virtualMfa !== undefined, inline(u.UserPolicyList, u.Arn), attached(u.AttachedManagedPolicies)) },
      observedAt: row && raw.report ? raw.report.generatedAt : d.at,
    });
  }
  // a user in the details but not in the report (the report is up to 4 h old) has no observed password, MFA or keys
  const unreported = d.users.filter((u) => u.Arn && !rows.has(u.Arn)).map((u) => u.Arn!);
  if (reportRead && unreported.length > 0) {
    errors.push({ ...malformed('iam:GetCredentialReport', `${unreported.length} user(s) are newer than the credential report (no row): ${unreported.slice(0, 3).join(', ')}`, ['aws.iam.user'], 'incomplete'), resources: unreported });
  }
  // a user in the report but not in the details was created between the two reads, or the details were cut short
  for (const [arn, row] of rows) {
    if (seenUsers.has(arn)) continue;
    resources.push({ ...base, type: 'aws.iam.user', id: arn, name: row.user ?? arn, attributes: { ...userAttrs(undefined, row, virtualByUser, raw.virtualMfa !== undefined, [], []), detailsMissing: true }, observedAt: raw.report!.generatedAt });
  }
  for (const g of d.groups) {
    if (!g.Arn) continue;
    const attrs: AwsIamGroupAttributes = { path: g.Path ?? '/', members: members.get(g.Arn) ?? [], attachedPolicies: attached(g.AttachedManagedPolicies), inlinePolicies: inline(g.GroupPolicyList, g.Arn) };
    resources.push({ ...base, type: 'aws.iam.group', id: g.Arn, name: g.GroupName ?? g.Arn, attributes: { ...attrs }, observedAt: d.at });
  }
  for (const r of d.roles) {
    if (!r.Arn) continue;
    const attrs: AwsIamRoleAttributes = {
      path: r.Path ?? '/',
      createdAt: iso(r.CreateDate) ?? '',
      assumeRolePolicy: decodeDoc(r.AssumeRolePolicyDocument, `${r.Arn} trust policy`, problems),
      attachedPolicies: attached(r.AttachedManagedPolicies),
      inlinePolicies: inline(r.RolePolicyList, r.Arn),
      lastUsed: iso(r.RoleLastUsed?.LastUsedDate),
    };
    resources.push({ ...base, type: 'aws.iam.role', id: r.Arn, name: r.RoleName ?? r.Arn, attributes: { ...attrs, lastUsedRegion: r.RoleLastUsed?.Region ?? null }, observedAt: d.at });
  }
  for (const p of d.policies) {
    if (!p.Arn) continue;
    const def = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion) ?? (p.PolicyVersionList ?? []).find((v) => v.VersionId === p.DefaultVersionId);
    const attrs: AwsIamPolicyAttributes = {
      awsManaged: p.Arn.startsWith('arn:aws:iam::aws:policy/'),
      attachmentCount: p.AttachmentCount ?? 0,
      defaultVersionId: p.DefaultVersionId ?? def?.VersionId ?? '',
      document: def ? decodeDoc(def.Document, `${p.Arn} ${def.VersionId ?? ''}`, problems) : null,
    };
    if (!def) problems.push(`${p.Arn} has no default version`);
    resources.push({ ...base, type: 'aws.iam.policy', id: p.Arn, name: p.PolicyName ?? p.Arn, attributes: { ...attrs, path: p.Path ?? '/' }, observedAt: d.at });
  }
  return entityCount;
}

function pushPasswordPolicy(n: Normalizing): void {
  const { raw, accountId, resources, base } = n;
  if (raw.passwordPolicy) {
    const p = raw.passwordPolicy.policy;
    const attrs: AwsIamPasswordPolicyAttributes =
      p === null
        ? { exists: false }
        : {
            exists: true,
            minimumPasswordLength: p.MinimumPasswordLength,
            requireSymbols: p.RequireSymbols,
            requireNumbers: p.RequireNumbers,
            requireUppercaseCharacters: p.RequireUppercaseCharacters,
            requireLowercaseCharacters: p.RequireLowercaseCharacters,
            allowUsersToChangePassword: p.AllowUsersToChangePassword,
            expirePasswords: p.ExpirePasswords,
            maxPasswordAge: p.MaxPasswordAge,
            passwordReusePrevention: p.PasswordReusePrevention,
            hardExpiry: p.HardExpiry,
          };
    const clean = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
    resources.push({ ...base, type: 'aws.iam.password_policy', id: `arn:aws:iam::${accountId}:password-policy`, name: 'password-policy', attributes: clean, observedAt: raw.passwordPolicy.at });
  }
}

function userAttrs(
  u: UserDetail | undefined,
  row: Record<string, string> | undefined,
  virtualByUser: Map<string, boolean>,
  virtualKnown: boolean,
  inlinePolicies: Array<{ name: string; document: unknown }>,
  attachedPolicies: string[],
): Partial<AwsIamUserAttributes> {
  const attrs: Partial<AwsIamUserAttributes> = {};
  if (u) {
    attrs.userId = u.UserId ?? '';
    attrs.path = u.Path ?? '/';
    attrs.createdAt = iso(u.CreateDate) ?? '';
    attrs.groups = u.GroupList ?? [];
    attrs.attachedPolicies = attachedPolicies;
    attrs.inlinePolicies = inlinePolicies;
  }
  if (row) {
    attrs.createdAt ??= reportTime(row.user_creation_time) ?? '';
    attrs.passwordEnabled = reportBool(row.password_enabled);
    attrs.passwordLastUsed = reportTime(row.password_last_used);
    attrs.passwordLastChanged = reportTime(row.password_last_changed);
    attrs.mfaActive = reportBool(row.mfa_active);
    attrs.accessKeys = reportKeys(row);
    const arn = row.arn ?? '';
    if (virtualKnown) attrs.virtualMfa = virtualByUser.get(arn) === true;
  }
  return attrs;
}

function malformed(operation: string, message: string, inputs: string[], cause: 'malformed' | 'incomplete' = 'malformed'): CollectionError {
  return { operation, code: cause === 'incomplete' ? 'IncompleteReport' : 'MalformedResponse', message, inputs, cause, retryable: cause === 'incomplete' };
}

const BOOL = new Set(['true', 'false']);
/** What in one credential-report row is not a value the documented report format allows. */
function rowProblems(r: Record<string, string>): string[] {
  const who = r.user ?? '?';
  const out: string[] = [];
  if (!r.user) out.push('a row without a user');
  if (!r.arn || !/^arn:aws[\w-]*:iam::\d{12}:/.test(r.arn)) out.push(`${who}: arn ${JSON.stringify(r.arn ?? '')}`);
  const root = r.user === '<root_account>';
  if (!BOOL.has(r.password_enabled ?? '') && !(root && r.password_enabled === 'not_supported')) out.push(`${who}: password_enabled=${r.password_enabled}`);
  for (const c of ['mfa_active', 'access_key_1_active', 'access_key_2_active'] as const) if (!BOOL.has(r[c] ?? '')) out.push(`${who}: ${c}=${r[c]}`);
  for (const c of ['password_last_used', 'password_last_changed', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_2_last_rotated', 'access_key_2_last_used_date'] as const) {
    const v = r[c] ?? '';
    if (!NO_VALUE.has(v) && Number.isNaN(Date.parse(v))) out.push(`${who}: ${c}=${v}`);
  }
  return out;
}
