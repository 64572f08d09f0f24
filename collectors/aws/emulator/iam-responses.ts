// Builds IAM Query-protocol result bodies (the XML inside <XxxResult>) and the credential report CSV from an estate.
import { awsManagedPolicy, derivedId } from './aws-managed.js';
import { policyArn, type AwsEstate, type AwsEstateGroup, type AwsEstatePolicy, type AwsEstateRole, type AwsEstateUser } from './estate.js';
import { el, esc, members, policyDoc, raw, ts } from './xml.js';

/** A Query-protocol failure the server turns into an ErrorResponse. */
export class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

export const userArn = (e: AwsEstate, u: { name: string; path: string }): string => `arn:aws:iam::${e.accountId}:user${u.path}${u.name}`;
const groupArn = (e: AwsEstate, g: { name: string; path: string }): string => `arn:aws:iam::${e.accountId}:group${g.path}${g.name}`;
const roleArn = (e: AwsEstate, r: { name: string; path: string }): string => `arn:aws:iam::${e.accountId}:role${r.path}${r.name}`;
export const rootArn = (e: AwsEstate): string => `arn:aws:iam::${e.accountId}:root`;
export const callerArn = (e: AwsEstate): string => e.callerArn ?? `arn:aws:iam::${e.accountId}:user/vigil-auditor`;

function policyName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function attached(arns: string[]): string {
  return members('AttachedManagedPolicies', arns, (a) => el('PolicyName', policyName(a)) + el('PolicyArn', a));
}

function inline(list: string, ps: Array<{ name: string; document: unknown }>): string {
  return members(list, ps, (p) => el('PolicyName', p.name) + `<PolicyDocument>${policyDoc(p.document)}</PolicyDocument>`);
}

// ---- paging ---------------------------------------------------------------------------------------------------

/** Parses MaxItems (1..1000, default 100) the way IAM validates it. */
export function maxItems(params: URLSearchParams): number {
  const v = params.get('MaxItems');
  if (v === null) return 100;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new QueryError(400, 'ValidationError', `1 validation error detected: Value '${v}' at 'maxItems' failed to satisfy constraint: Member must have value ${n < 1 ? 'greater than or equal to 1' : 'less than or equal to 1000'}`);
  }
  return n;
}

export function encodeMarker(kind: string, offset: number): string {
  return Buffer.from(`${kind}:${offset}:vigil-emulator`).toString('base64');
}

export function decodeMarker(kind: string, params: URLSearchParams): number {
  const m = params.get('Marker');
  if (m === null || m === '') return 0;
  const parts = Buffer.from(m, 'base64').toString('utf8').split(':');
  const off = Number(parts[1]);
  if (parts[0] !== kind || !Number.isInteger(off) || off < 0) throw new QueryError(400, 'InvalidInput', 'Invalid Marker.');
  return off;
}

// ---- GetAccountAuthorizationDetails ---------------------------------------------------------------------------

type Entity =
  | { kind: 'User'; u: AwsEstateUser }
  | { kind: 'Group'; g: AwsEstateGroup }
  | { kind: 'Role'; r: AwsEstateRole }
  | { kind: 'LocalManagedPolicy'; p: AwsEstatePolicy }
  | { kind: 'AWSManagedPolicy'; arn: string };

const FILTERS = new Set(['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy']);

function attachmentCounts(e: AwsEstate): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (arns: string[]): void => {
    for (const a of arns) counts.set(a, (counts.get(a) ?? 0) + 1);
  };
  for (const u of e.users) add(u.attachedPolicies);
  for (const g of e.groups) add(g.attachedPolicies);
  for (const r of e.roles) add(r.attachedPolicies);
  return counts;
}

/**
 * One page of GetAccountAuthorizationDetails. MaxItems counts entities of all kinds together (users, then groups,
 * roles, customer managed policies, and the AWS managed policies attached in the account), so a page may hold a mix.
 */
export function getAccountAuthorizationDetails(e: AwsEstate, params: URLSearchParams): string {
  const filter = new Set<string>();
  for (const [k, v] of params) {
    if (/^Filter\.member\.\d+$/.test(k)) {
      if (!FILTERS.has(v)) throw new QueryError(400, 'ValidationError', `1 validation error detected: Value '[${v}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, LocalManagedPolicy, Group, AWSManagedPolicy]]`);
      filter.add(v);
    }
  }
  const want = (k: string): boolean => filter.size === 0 || filter.has(k);
  const limit = maxItems(params);
  const start = decodeMarker('gaad', params);
  const counts = attachmentCounts(e);

  const all: Entity[] = [];
  if (want('User')) for (const u of e.users) all.push({ kind: 'User', u });
  if (want('Group')) for (const g of e.groups) all.push({ kind: 'Group', g });
  if (want('Role')) for (const r of e.roles) all.push({ kind: 'Role', r });
  if (want('LocalManagedPolicy')) for (const p of e.policies) all.push({ kind: 'LocalManagedPolicy', p });
  if (want('AWSManagedPolicy')) for (const arn of [...counts.keys()].filter((a) => awsManagedPolicy(a)).sort()) all.push({ kind: 'AWSManagedPolicy', arn });
  const page = all.slice(start, start + limit);
  const truncated = start + limit < all.length;

  const users: AwsEstateUser[] = [];
  const groups: AwsEstateGroup[] = [];
  const roles: AwsEstateRole[] = [];
  const pols: string[] = [];
  for (const x of page) {
    if (x.kind === 'User') users.push(x.u);
    else if (x.kind === 'Group') groups.push(x.g);
    else if (x.kind === 'Role') roles.push(x.r);
    else if (x.kind === 'LocalManagedPolicy') pols.push(customerPolicyXml(e, x.p, counts));
    else pols.push(awsPolicyXml(x.arn, counts));
  }

  const userXml = members('UserDetailList', users, (u) => {
    const arn = userArn(e, u);
    return (
      el('Path', u.path) +
      el('UserName', u.name) +
      el('UserId', u.userId ?? derivedId('AIDA', arn)) +
      el('Arn', arn) +
      el('CreateDate', ts(u.created)) +
      inline('UserPolicyList', u.inlinePolicies) +
      members('GroupList', u.groups, (g) => esc(g)) +
      attached(u.attachedPolicies) +
      '<Tags/>'
    );
  });
  const groupXml = members('GroupDetailList', groups, (g) => {
    const arn = groupArn(e, g);
    return el('Path', g.path) + el('GroupName', g.name) + el('GroupId', g.groupId ?? derivedId('AGPA', arn)) + el('Arn', arn) + el('CreateDate', ts(g.created)) + inline('GroupPolicyList', g.inlinePolicies) + attached(g.attachedPolicies);
  });
  const roleXml = members('RoleDetailList', roles, (r) => {
    const arn = roleArn(e, r);
    const last = r.lastUsed ? el('LastUsedDate', ts(r.lastUsed.date)) + el('Region', r.lastUsed.region) : '';
    return (
      el('Path', r.path) +
      el('RoleName', r.name) +
      el('RoleId', r.roleId ?? derivedId('AROA', arn)) +
      el('Arn', arn) +
      el('CreateDate', ts(r.created)) +
      `<AssumeRolePolicyDocument>${policyDoc(r.trustPolicy)}</AssumeRolePolicyDocument>` +
      '<InstanceProfileList/>' +
      inline('RolePolicyList', r.inlinePolicies) +
      attached(r.attachedPolicies) +
      '<Tags/>' +
      raw('RoleLastUsed', last)
    );
  });
  const polXml = pols.length === 0 ? '<Policies/>' : `<Policies>${pols.map((p) => `<member>${p}</member>`).join('')}</Policies>`;
  return userXml + groupXml + roleXml + polXml + el('IsTruncated', truncated) + (truncated ? el('Marker', encodeMarker('gaad', start + limit)) : '');
}

function customerPolicyXml(e: AwsEstate, p: AwsEstatePolicy, counts: Map<string, number>): string {
  const arn = policyArn(e.accountId, p);
  const versions = [...p.previousVersions, p.document].map((doc, i) => ({ doc, i }));
  const updated = p.updated ?? p.created;
  const versionXml = members('PolicyVersionList', versions, ({ doc, i }) => {
    const isDefault = i === versions.length - 1;
    return `<Document>${policyDoc(doc)}</Document>` + el('VersionId', `v${i + 1}`) + el('IsDefaultVersion', isDefault) + el('CreateDate', ts(isDefault ? updated : p.created));
  });
  return (
    el('PolicyName', p.name) +
    el('DefaultVersionId', `v${versions.length}`) +
    el('PolicyId', p.policyId ?? derivedId('ANPA', arn)) +
    el('Path', p.path) +
    versionXml +
    el('Arn', arn) +
    el('AttachmentCount', counts.get(arn) ?? 0) +
    el('PermissionsBoundaryUsageCount', 0) +
    el('IsAttachable', true) +
    el('Description', p.description) +
    el('CreateDate', ts(p.created)) +
    el('UpdateDate', ts(updated))
  );
}

function awsPolicyXml(arn: string, counts: Map<string, number>): string {
  const p = awsManagedPolicy(arn)!;
  return (
    el('PolicyName', p.name) +
    el('DefaultVersionId', p.versionId) +
    el('PolicyId', derivedId('ANPA', arn)) +
    el('Path', p.path) +
    members('PolicyVersionList', [p], (v) => `<Document>${policyDoc(v.document)}</Document>` + el('VersionId', v.versionId) + el('IsDefaultVersion', true) + el('CreateDate', ts(v.updated))) +
    el('Arn', arn) +
    el('AttachmentCount', counts.get(arn) ?? 0) +
    el('PermissionsBoundaryUsageCount', 0) +
    el('IsAttachable', true) +
    el('CreateDate', ts(p.created)) +
    el('UpdateDate', ts(p.updated))
  );
}

// ---- ListVirtualMFADevices ------------------------------------------------------------------------------------

export function listVirtualMfaDevices(e: AwsEstate, params: URLSearchParams): string {
  const status = params.get('AssignmentStatus') ?? 'Any';
  if (!['Assigned', 'Unassigned', 'Any'].includes(status)) {
    throw new QueryError(400, 'ValidationError', `1 validation error detected: Value '${status}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Unassigned, Any, Assigned]`);
  }
  const limit = maxItems(params);
  const start = decodeMarker('vmfa', params);
  const devices: string[] = [];
  if (status !== 'Unassigned') {
    if (e.root.mfa === 'virtual') {
      devices.push(
        el('SerialNumber', `arn:aws:iam::${e.accountId}:mfa/root-account-mfa-device`) +
          el('EnableDate', ts(e.root.mfaEnabled ?? e.created)) +
          raw('User', el('UserId', e.accountId) + el('Arn', rootArn(e)) + el('CreateDate', ts(e.created))),
      );
    }
    for (const u of e.users) {
      for (const d of u.mfa) {
        if (d.type !== 'virtual') continue;
        const arn = userArn(e, u);
        const user =
          el('Path', u.path) +
          el('UserName', u.name) +
          el('UserId', u.userId ?? derivedId('AIDA', arn)) +
          el('Arn', arn) +
          el('CreateDate', ts(u.created)) +
          (u.password?.lastUsed ? el('PasswordLastUsed', ts(u.password.lastUsed)) : '');
        devices.push(el('SerialNumber', d.serial ?? `arn:aws:iam::${e.accountId}:mfa/${u.name}`) + el('EnableDate', ts(d.enabled)) + raw('User', user));
      }
    }
  }
  if (status !== 'Assigned') {
    for (let i = 0; i < e.unassignedVirtualMfaDevices; i++) devices.push(el('SerialNumber', `arn:aws:iam::${e.accountId}:mfa/unassigned-${i}`));
  }
  const page = devices.slice(start, start + limit);
  const truncated = start + limit < devices.length;
  return members('VirtualMFADevices', page, (d) => d) + el('IsTruncated', truncated) + (truncated ? el('Marker', encodeMarker('vmfa', start + limit)) : '');
}

// ---- GetAccountSummary, GetAccountPasswordPolicy ---------------------------------------------------------------

export function getAccountSummary(e: AwsEstate): string {
  const mfaDevices = e.users.reduce((n, u) => n + u.mfa.length, 0) + (e.root.mfa === 'none' ? 0 : 1);
  const attachedAws = new Set([...attachmentCounts(e).keys()].filter((a) => a.startsWith('arn:aws:iam::aws:')));
  const map: Array<[string, number]> = [
    ['GroupPolicySizeQuota', 5120],
    ['InstanceProfilesQuota', 1000],
    ['Policies', e.policies.length],
    ['GroupsPerUserQuota', 10],
    ['InstanceProfiles', 0],
    ['AttachedPoliciesPerUserQuota', 10],
    ['Users', e.users.length],
    ['PoliciesQuota', 1500],
    ['Providers', 0],
    ['AccountMFAEnabled', e.root.mfa === 'none' ? 0 : 1],
    ['AccessKeysPerUserQuota', 2],
    ['AssumeRolePolicySizeQuota', 2048],
    ['PolicyVersionsInUseQuota', 10000],
    ['GlobalEndpointTokenVersion', 1],
    ['VersionsPerPolicyQuota', 5],
    ['AttachedPoliciesPerGroupQuota', 10],
    ['PolicySizeQuota', 6144],
    ['Groups', e.groups.length],
    ['AccountSigningCertificatesPresent', 0],
    ['UsersQuota', Math.max(5000, e.users.length)],
    ['ServerCertificatesQuota', 20],
    ['MFADevices', mfaDevices + e.unassignedVirtualMfaDevices],
    ['UserPolicySizeQuota', 2048],
    ['PolicyVersionsInUse', e.policies.length + attachedAws.size],
    ['ServerCertificates', 0],
    ['Roles', e.roles.length],
    ['RolesQuota', 1000],
    ['SigningCertificatesPerUserQuota', 2],
    ['MFADevicesInUse', mfaDevices],
    ['RolePolicySizeQuota', 10240],
    ['AttachedPoliciesPerRoleQuota', 10],
    ['AccountAccessKeysPresent', e.root.accessKeys.length > 0 ? 1 : 0],
    ['AccountPasswordPresent', 1],
    ['GroupsQuota', 300],
  ];
  return `<SummaryMap>${map.map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`).join('')}</SummaryMap>`;
}

export function getAccountPasswordPolicy(e: AwsEstate): string {
  const p = e.passwordPolicy;
  if (p === null) throw new QueryError(404, 'NoSuchEntity', `The Password Policy with domain name ${e.accountId} cannot be found.`);
  return raw(
    'PasswordPolicy',
    el('AllowUsersToChangePassword', p.allowUsersToChangePassword) +
      el('RequireUppercaseCharacters', p.requireUppercaseCharacters) +
      el('RequireSymbols', p.requireSymbols) +
      el('ExpirePasswords', p.maxPasswordAge !== undefined) +
      el('PasswordReusePrevention', p.passwordReusePrevention) +
      el('RequireLowercaseCharacters', p.requireLowercaseCharacters) +
      el('MaxPasswordAge', p.maxPasswordAge) +
      el('HardExpiry', p.hardExpiry) +
      el('RequireNumbers', p.requireNumbers) +
      el('MinimumPasswordLength', p.minimumPasswordLength),
  );
}

// ---- credential report ----------------------------------------------------------------------------------------

export const CREDENTIAL_REPORT_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
  'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** Credential report timestamps are ISO 8601 with an explicit +00:00 offset. */
const cts = (s: string | Date): string => ts(s).replace(/Z$/, '+00:00');

/** RFC 4180 field: quoted only when it must be. IAM names cannot hold commas, but paths and the future might. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

type Key = AwsEstateUser['accessKeys'][number];

function keyCols(k: Key | undefined): string[] {
  if (!k) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const lu = k.lastUsed ?? null;
  return [String(k.active), cts(k.created), lu ? cts(lu.date) : 'N/A', lu ? lu.region : 'N/A', lu ? lu.service : 'N/A'];
}

/** The credential report exactly as IAM writes it: header, `<root_account>` row, one row per user. */
export function credentialReportCsv(e: AwsEstate): string {
  const rows: string[] = [CREDENTIAL_REPORT_HEADER];
  const r = e.root;
  rows.push(
    [
      '<root_account>',
      rootArn(e),
      cts(e.created),
      'not_supported',
      r.passwordLastUsed ? cts(r.passwordLastUsed) : 'no_information',
      'not_supported',
      'not_supported',
      String(r.mfa !== 'none'),
      ...keyCols(r.accessKeys[0]),
      ...keyCols(r.accessKeys[1]),
      'false',
      'N/A',
      'false',
      'N/A',
    ].join(','),
  );
  const maxAge = e.passwordPolicy?.maxPasswordAge;
  for (const u of e.users) {
    const pw = u.password ?? null;
    const next = pw && maxAge !== undefined ? cts(new Date(Date.parse(pw.lastChanged) + maxAge * 86_400_000)) : 'N/A';
    rows.push(
      [
        csvField(u.name),
        csvField(userArn(e, u)),
        cts(u.created),
        String(pw !== null),
        pw === null ? 'N/A' : pw.lastUsed ? cts(pw.lastUsed) : 'no_information',
        pw === null ? 'N/A' : cts(pw.lastChanged),
        next,
        String(u.mfa.length > 0),
        ...keyCols(u.accessKeys[0]),
        ...keyCols(u.accessKeys[1]),
        'false',
        'N/A',
        'false',
        'N/A',
      ].join(','),
    );
  }
  return rows.join('\n');
}
