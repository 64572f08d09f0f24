// The emulator's account-governance answers: the SECURITY alternate contact (Account, REST-JSON), SAML and OIDC
// providers (IAM, Query/XML), IAM Identity Center instances (SSO Admin, JSON 1.1) and the protection settings of a
// bucket (S3 GetBucketPolicyStatus, GetBucketAcl, GetBucketLogging). "None" is answered as each service documents it:
// ResourceNotFoundException for a contact never set, NoSuchBucketPolicy for a bucket without a policy, empty lists.
import { ServiceError, input, page, secs, type ServiceReply, type ServiceRequest } from './service-protocol.js';
import type { AccountServices, EmuBucket } from './services-estate.js';
export type { EmuBucketProtection, EmuGovernance } from './governance-estate.js';
import { el, members, ts } from './xml.js';

/** IAM actions answered from the account's governance state rather than its IAM estate. */
export const GOVERNANCE_IAM_ACTIONS = new Set(['ListSAMLProviders', 'ListOpenIDConnectProviders']);

/** The `<…Result>` content of ListSAMLProviders / ListOpenIDConnectProviders (neither is paged). */
export function governanceIam(action: string, account: string, s: AccountServices): string {
  const g = s.governance;
  if (action === 'ListSAMLProviders') {
    return members('SAMLProviderList', g.samlProviders, (p) => `${el('Arn', `arn:aws:iam::${account}:saml-provider/${p.name}`)}${p.validUntil ? el('ValidUntil', ts(p.validUntil)) : ''}${el('CreateDate', ts(p.created))}`);
  }
  return members('OpenIDConnectProviderList', g.oidcProviders, (p) => el('Arn', `arn:aws:iam::${account}:oidc-provider/${p.url.replace(/^https:\/\//, '')}`));
}

/** Account GetAlternateContact (POST /getAlternateContact). */
export function getAlternateContact(r: ServiceRequest, s: AccountServices): unknown {
  const inp = input(r);
  const type = inp.AlternateContactType;
  if (type !== 'BILLING' && type !== 'OPERATIONS' && type !== 'SECURITY') throw new ServiceError(400, 'ValidationException', `1 validation error detected: Value '${String(type)}' at 'alternateContactType' failed to satisfy constraint: Member must satisfy enum value set: [SECURITY, BILLING, OPERATIONS]`);
  if (inp.AccountId !== undefined && inp.AccountId !== r.account) throw new ServiceError(403, 'AccessDeniedException', 'The caller is not the management account or a delegated administrator of an organization with trusted access for AWS Account Management.');
  const c = type === 'SECURITY' ? s.governance.securityContact : null;
  if (!c) throw new ServiceError(404, 'ResourceNotFoundException', 'No contact of the inputted alternate contact type found.');
  return { AlternateContact: { AlternateContactType: type, EmailAddress: c.email, Name: c.name, PhoneNumber: c.phone, Title: c.title } };
}

/** SSO Admin ListInstances: the instances in the request's region, up to 100 a page. */
export function listInstances(r: ServiceRequest, s: AccountServices): ServiceReply {
  const inp = input(r);
  const max = inp.MaxResults === undefined ? 10 : Number(inp.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new ServiceError(400, 'ValidationException', `1 validation error detected: Value '${String(inp.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`);
  const p = page(s.governance.identityCenter.filter((i) => i.region === r.region), inp.NextToken, max);
  const out = {
    Instances: p.items.map((i) => ({ InstanceArn: `arn:aws:sso:::instance/ssoins-${i.id}`, IdentityStoreId: `d-${i.id.slice(0, 10)}`, OwnerAccountId: i.owner, Name: 'vigil-emulated', CreatedDate: secs('2023-03-01T00:00:00Z'), Status: i.status })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
  return { action: 'ListInstances', status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(out) };
}

/** Security Hub GetEnabledStandards (POST /standards/get), in a region where the hub is enabled. */
export function getEnabledStandards(r: ServiceRequest, s: AccountServices): unknown {
  const inp = input(r);
  const max = inp.MaxResults === undefined ? 10 : Number(inp.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new ServiceError(400, 'InvalidInputException', 'MaxResults must be between 1 and 100');
  const p = page(s.governance.securityHubStandards.filter((x) => x.region === r.region), inp.NextToken, max);
  return {
    StandardsSubscriptions: p.items.map((x) => ({
      StandardsSubscriptionArn: `arn:aws:securityhub:${r.region}:${r.account}:subscription/${x.standard}`,
      StandardsArn: `arn:aws:securityhub:${r.region}::standards/${x.standard}`,
      StandardsInput: {},
      StandardsStatus: x.status,
      StandardsControlsUpdatable: x.status === 'READY' ? 'READY_FOR_UPDATES' : 'NOT_READY_FOR_UPDATES',
    })),
    ...(p.next ? { NextToken: p.next } : {}),
  };
}

/** AWS Config DescribeDeliveryChannels / DescribeDeliveryChannelStatus (JSON 1.1) for the request's region. */
export function configDelivery(r: ServiceRequest, action: string, s: AccountServices): unknown {
  const mine = s.governance.configDeliveryChannels.filter((c) => c.region === r.region);
  if (action === 'DescribeDeliveryChannels') return { DeliveryChannels: mine.map((c) => ({ name: c.name, s3BucketName: c.bucket, configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' } })) };
  const at = secs('2024-06-01T00:00:00Z');
  return {
    DeliveryChannelsStatus: mine.map((c) => ({
      name: c.name,
      configHistoryDeliveryInfo: { lastStatus: c.history, lastAttemptTime: at, ...(c.history === 'Success' ? { lastSuccessfulTime: at } : { lastErrorCode: c.error ?? 'InternalError', lastErrorMessage: `The specified bucket ${c.bucket} does not exist` }) },
      configSnapshotDeliveryInfo: { lastStatus: 'Success', lastAttemptTime: at, lastSuccessfulTime: at, nextDeliveryTime: at + 86_400 },
      configStreamDeliveryInfo: { lastStatus: 'Not_Applicable', lastStatusChangeTime: at },
    })),
  };
}

/** Access Analyzer ListFindingsV2 (POST /findingv2): the analyzer's findings, filtered on `status` `eq`. */
export function listFindingsV2(r: ServiceRequest, s: AccountServices): unknown {
  const inp = input(r);
  const analyzer = String(inp.analyzerArn ?? '');
  if (!analyzer.startsWith(`arn:aws:access-analyzer:${r.region}:${r.account}:analyzer/`)) throw new ServiceError(404, 'ResourceNotFoundException', `Analyzer ${analyzer} not found`);
  const want = ((inp.filter as Record<string, { eq?: string[] }> | undefined)?.status?.eq) ?? null;
  const max = inp.maxResults === undefined ? 100 : Number(inp.maxResults);
  const p = page(s.governance.analyzerFindings.filter((f) => f.region === r.region && (!want || want.includes(f.status))), inp.nextToken, max);
  return {
    findings: p.items.map((f) => ({ id: f.id, resource: f.resource, resourceType: f.resourceType, resourceOwnerAccount: r.account, status: f.status, findingType: 'ExternalAccess', createdAt: f.created, updatedAt: f.created, analyzedAt: f.created })),
    ...(p.next ? { nextToken: p.next } : {}),
  };
}

/** The query keys of the bucket-level operations answered here. */
export const GOVERNANCE_S3_QUERY = ['policyStatus', 'acl', 'logging'];

/** The bucket-level operations named by their query key (`?policyStatus`, `?acl`, `?logging`), or ''. */
export function governanceS3Action(query: URLSearchParams, method: string): string {
  if (method !== 'GET') return '';
  if (query.has('policyStatus')) return 'GetBucketPolicyStatus';
  if (query.has('acl')) return 'GetBucketAcl';
  if (query.has('logging')) return 'GetBucketLogging';
  return '';
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function governanceS3(action: string, b: EmuBucket, account: string): ServiceReply {
  const p = b.protection ?? { policy: 'none', aclPublic: false };
  const xml = (body: string): ServiceReply => ({ action, status: 200, contentType: 'application/xml', body: `${HEAD}${body}` });
  if (action === 'GetBucketPolicyStatus') {
    if (p.policy === 'none') throw Object.assign(new ServiceError(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist'), { bucketName: b.name });
    return xml(`<PolicyStatus xmlns="${S3_NS}">${el('IsPublic', p.policy === 'public')}</PolicyStatus>`);
  }
  if (action === 'GetBucketAcl') {
    const owner = `${el('ID', account.padEnd(64, 'a'))}${el('DisplayName', `owner-${account}`)}`;
    const grant = (grantee: string, perm: string): string => `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ${grantee}</Grantee>${el('Permission', perm)}</Grant>`;
    const grants = grant(`xsi:type="CanonicalUser">${owner}`, 'FULL_CONTROL') + (p.aclPublic ? grant(`xsi:type="Group">${el('URI', 'http://acs.amazonaws.com/groups/global/AllUsers')}`, 'READ') : '');
    return xml(`<AccessControlPolicy xmlns="${S3_NS}"><Owner>${owner}</Owner><AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`);
  }
  // GetBucketLogging: an empty status element when logging is off, as S3 documents
  if (!p.logTarget) return xml(`<BucketLoggingStatus xmlns="${S3_NS}"/>`);
  return xml(`<BucketLoggingStatus xmlns="${S3_NS}"><LoggingEnabled>${el('TargetBucket', p.logTarget)}${el('TargetPrefix', `${b.name}/`)}</LoggingEnabled></BucketLoggingStatus>`);
}
