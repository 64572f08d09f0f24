// Account governance: the SECURITY alternate contact (catalogue row 15), how people reach the account — SAML and OIDC
// providers and IAM Identity Center instances (row 9) — and the protection of the bucket each trail delivers to (row 18).
// "None" is read only from the service's documented answer for it (ResourceNotFoundException, NoSuchBucketPolicy,
// ObjectLockConfigurationNotFoundError, an empty list); any other failure leaves the type incomplete.
import { AccountClient, GetAlternateContactCommand } from '@aws-sdk/client-account';
import { IAMClient, ListOpenIDConnectProvidersCommand, ListSAMLProvidersCommand } from '@aws-sdk/client-iam';
import { ListInstancesCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { GetBucketAclCommand, GetBucketLoggingCommand, GetBucketPolicyStatusCommand, GetBucketVersioningCommand, GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { mapBounded } from './limits.js';
import { pages, withIds, type Item } from './services-regional.js';
import type { AnyClient, Reader } from './service-reader.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const isoOrNull = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : null);

export const GOVERNANCE_TYPES = { contact: 'aws.account.alternate_contact', federation: 'aws.iam.federation', trailBucket: 'aws.s3.trail_bucket' } as const;

/** Resource types each action feeds (merged into SERVICE_ACTION_INPUTS). */
export const GOVERNANCE_ACTION_INPUTS: Record<string, string[]> = {
  'account:GetAlternateContact': [GOVERNANCE_TYPES.contact],
  'iam:ListSAMLProviders': [GOVERNANCE_TYPES.federation],
  'iam:ListOpenIDConnectProviders': [GOVERNANCE_TYPES.federation],
  'sso:ListInstances': [GOVERNANCE_TYPES.federation],
  's3:GetBucketPolicyStatus': [GOVERNANCE_TYPES.trailBucket],
  's3:GetBucketAcl': [GOVERNANCE_TYPES.trailBucket],
  's3:GetBucketLogging': [GOVERNANCE_TYPES.trailBucket],
  's3:GetBucketObjectLockConfiguration': [GOVERNANCE_TYPES.trailBucket],
};

/** Root element of each XML reply read here (merged into the collector's XML_ROOT). */
export const GOVERNANCE_XML_ROOT: Record<string, string> = {
  'iam:ListSAMLProviders': 'ListSAMLProvidersResponse',
  'iam:ListOpenIDConnectProviders': 'ListOpenIDConnectProvidersResponse',
  's3:GetBucketPolicyStatus': 'PolicyStatus',
  's3:GetBucketAcl': 'AccessControlPolicy',
  's3:GetBucketLogging': 'BucketLoggingStatus',
  's3:GetBucketObjectLockConfiguration': 'ObjectLockConfiguration',
};

/** ACL grantees that make a bucket public (S3's predefined groups for everyone and for any AWS account). */
const PUBLIC_GROUPS = new Set(['http://acs.amazonaws.com/groups/global/AllUsers', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers']);

/**
 * Reads the three governance types and marks each one read completely. `trailBuckets` are the buckets the trails
 * deliver to (undefined when DescribeTrails failed); `owned` the account's buckets and their regions (undefined when
 * ListBuckets failed); `regions` the enabled regions (undefined when they could not be listed).
 */
export async function collectGovernance(rd: Reader, regions: string[] | undefined, trailBuckets: Set<string> | undefined, owned: Map<string, string> | undefined): Promise<void> {
  if (await readSecurityContact(rd)) rd.mark(GOVERNANCE_TYPES.contact);
  if ((await readFederation(rd, regions)) && regions) rd.mark(GOVERNANCE_TYPES.federation);
  if (trailBuckets && owned && (await readTrailBuckets(rd, trailBuckets, owned))) rd.mark(GOVERNANCE_TYPES.trailBucket);
}

/** Account GetAlternateContact SECURITY for the caller's own account (no AccountId: no Organizations trusted access needed). */
async function readSecurityContact(rd: Reader): Promise<boolean> {
  const home = rd.o.region;
  const op = 'account:GetAlternateContact';
  const c = rd.client(AccountClient as never, home) as AnyClient;
  // ResourceNotFoundException (404) is the documented answer for a contact type never registered
  const r = await rd.send<{ AlternateContact?: Item }>(op, home, c, new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }), { absent: (code, status) => code === 'ResourceNotFoundException' && status === 404 });
  rd.count();
  if (r === undefined) return false;
  const a = r?.AlternateContact;
  if (r !== null && (!a || typeof a !== 'object' || !str(a.EmailAddress) || a.AlternateContactType !== 'SECURITY')) {
    rd.malformed(op, home, 'AlternateContact missing, of another type, or without EmailAddress');
    return false;
  }
  if (r) rd.art(op, r);
  rd.res(GOVERNANCE_TYPES.contact, `arn:aws:account::${rd.account}:alternate-contact/SECURITY`, `security-contact/${rd.account}`, undefined, {
    contactType: 'SECURITY',
    registered: r !== null,
    // null where the contact is not registered, or the reply did not carry the field
    name: a ? str(a.Name) : null,
    title: a ? str(a.Title) : null,
    email: a ? str(a.EmailAddress) : null,
  });
  return true;
}

/** SAML and OIDC providers (IAM, global, not paged) and Identity Center instances (SSO Admin, each in its own region). */
async function readFederation(rd: Reader, regions: string[] | undefined): Promise<boolean> {
  const home = rd.o.region;
  const iam = rd.client(IAMClient as never, home) as AnyClient;
  const saml = withIds(rd, 'iam:ListSAMLProviders', home, (await rd.send<{ SAMLProviderList: Item[] }>('iam:ListSAMLProviders', home, iam, new ListSAMLProvidersCommand({}), { list: 'SAMLProviderList' }))?.SAMLProviderList, ['Arn']);
  const oidc = withIds(rd, 'iam:ListOpenIDConnectProviders', home, (await rd.send<{ OpenIDConnectProviderList: Item[] }>('iam:ListOpenIDConnectProviders', home, iam, new ListOpenIDConnectProvidersCommand({}), { list: 'OpenIDConnectProviderList' }))?.OpenIDConnectProviderList, ['Arn']);
  rd.count(2);
  if (!saml || !oidc || !regions) return false;
  rd.art('iam:ListSAMLProviders', { SAMLProviderList: saml });
  rd.art('iam:ListOpenIDConnectProviders', { OpenIDConnectProviderList: oidc });
  const instances: Array<Record<string, unknown>> = [];
  let ok = true;
  await mapBounded(regions, rd.o.regionConcurrency, async (region) => {
    const sso = rd.client(SSOAdminClient as never, region) as AnyClient;
    const op = 'sso:ListInstances';
    const list = withIds(rd, op, region, await pages(rd, op, region, sso, (t) => new ListInstancesCommand({ MaxResults: 100, ...(t ? { NextToken: t } : {}) }), 'Instances', (r) => r.NextToken), ['InstanceArn']);
    if (!list) {
      ok = false;
      return;
    }
    // null where ListInstances did not say: a rule needing the status is `error` for the instance
    for (const i of list) instances.push({ arn: String(i.InstanceArn), region, owner: str(i.OwnerAccountId), status: str(i.Status) });
  });
  if (!ok) return false;
  rd.res(GOVERNANCE_TYPES.federation, `arn:aws:iam::${rd.account}:federation`, `federation/${rd.account}`, undefined, {
    samlProviders: saml.map((p) => ({ arn: String(p.Arn), validUntil: isoOrNull(p.ValidUntil) })),
    oidcProviders: oidc.map((p) => String(p.Arn)),
    identityCenter: instances.sort((a, b) => (String(a.arn) < String(b.arn) ? -1 : 1)),
  });
  return true;
}

/** One trail bucket owned by the account: policy status, ACL, access logging, versioning (MFA delete) and Object Lock. */
async function readTrailBucket(rd: Reader, name: string, region: string): Promise<Record<string, unknown> | undefined> {
  const inputs = [GOVERNANCE_TYPES.trailBucket];
  const s3 = rd.client(S3Client as never, region, rd.o.pathStyle ? { forcePathStyle: true } : {}) as AnyClient;
  const ps = await rd.send<{ PolicyStatus?: Item }>('s3:GetBucketPolicyStatus', region, s3, new GetBucketPolicyStatusCommand({ Bucket: name }), { absent: (code, status) => code === 'NoSuchBucketPolicy' && status === 404 });
  const acl = await rd.send<{ Grants: Item[] }>('s3:GetBucketAcl', region, s3, new GetBucketAclCommand({ Bucket: name }), { list: 'Grants' });
  const log = await rd.send<{ LoggingEnabled?: Item }>('s3:GetBucketLogging', region, s3, new GetBucketLoggingCommand({ Bucket: name }));
  const ver = await rd.send<{ Status?: string; MFADelete?: string }>('s3:GetBucketVersioning', region, s3, new GetBucketVersioningCommand({ Bucket: name }), { inputs });
  const lock = await rd.send<{ ObjectLockConfiguration?: Item }>('s3:GetBucketObjectLockConfiguration', region, s3, new GetObjectLockConfigurationCommand({ Bucket: name }), { absent: (code, status) => code === 'ObjectLockConfigurationNotFoundError' && status === 404 });
  rd.count(5);
  if (ps === undefined || !acl || !log || !ver || lock === undefined) return undefined;
  const isPublic = ps === null ? false : bool(ps.PolicyStatus?.IsPublic);
  if (isPublic === null) return void rd.malformed('s3:GetBucketPolicyStatus', region, `${name}: PolicyStatus.IsPublic missing`);
  if (lock !== null && !str(lock.ObjectLockConfiguration?.ObjectLockEnabled)) return void rd.malformed('s3:GetBucketObjectLockConfiguration', region, `${name}: ObjectLockEnabled missing`);
  if (log.LoggingEnabled !== undefined && !str(log.LoggingEnabled.TargetBucket)) return void rd.malformed('s3:GetBucketLogging', region, `${name}: LoggingEnabled without TargetBucket`);
  for (const [label, out] of [['s3:GetBucketPolicyStatus', ps], ['s3:GetBucketAcl', acl], ['s3:GetBucketLogging', log], ['s3:GetBucketVersioning', ver], ['s3:GetObjectLockConfiguration', lock]] as const) if (out) rd.art(`${label} ${name}`, out);
  const publicGrants = acl.Grants.filter((g) => PUBLIC_GROUPS.has(String((g.Grantee as Item | undefined)?.URI ?? ''))).map((g) => `${String((g.Grantee as Item).URI).split('/').pop()} ${String(g.Permission)}`);
  return {
    owned: true,
    policyPublic: isPublic,
    publicAclGrants: publicGrants,
    // absent LoggingEnabled, Status and MFADelete are S3's documented "off" / "never configured"
    accessLogTarget: log.LoggingEnabled ? String(log.LoggingEnabled.TargetBucket) : null,
    versioning: str(ver.Status),
    mfaDelete: str(ver.MFADelete) === 'Enabled',
    objectLock: lock !== null && lock.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
  };
}

/** Every bucket a trail delivers to; one in another account is recorded as such (it is judged where it is owned). */
async function readTrailBuckets(rd: Reader, names: Set<string>, owned: Map<string, string>): Promise<boolean> {
  let ok = true;
  for (const name of [...names].sort()) {
    const region = owned.get(name);
    if (region === undefined) {
      rd.res(GOVERNANCE_TYPES.trailBucket, `arn:aws:s3:::${name}`, name, undefined, { owned: false });
      continue;
    }
    const a = await readTrailBucket(rd, name, region);
    if (!a) ok = false;
    else rd.res(GOVERNANCE_TYPES.trailBucket, `arn:aws:s3:::${name}`, name, region, a);
  }
  return ok;
}
