// The emulator's security services, each in its own wire protocol: EC2 (Query/XML), S3 Control (REST-XML, account in
// x-amz-account-id), GuardDuty, Security Hub and IAM Access Analyzer (REST-JSON), AWS Config (JSON 1.1). Each answers
// "not enabled" as the real service documents it: an empty list, or Security Hub's InvalidAccessException.
import { ServiceError, input, page, secs, type ServiceReply, type ServiceRequest, type ServiceState } from './service-protocol.js';
import { el } from './xml.js';
import { configDelivery, getEnabledStandards, listFindingsV2 } from './governance.js';
import { guardDutyFindings } from './guardduty-findings.js';

export const SECURITY_SERVICES = new Set(['ec2', 'guardduty', 'securityhub', 'config', 'access-analyzer', 'kms', 'logs']);
const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const S3C_NS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
export const S3_CONTROL_PREFIX = '/v20180820/';

/** The operation a security-service request names. */
export function securityActionOf(r: ServiceRequest): string {
  if (r.service === 'ec2') return new URLSearchParams(r.body.toString('utf8')).get('Action') ?? r.query.get('Action') ?? '';
  if (r.service === 'guardduty') {
    if (r.method === 'POST') return /^\/detector\/[^/]+\/findings\/get\/?$/.test(r.path) ? 'GetFindings' : /^\/detector\/[^/]+\/findings\/?$/.test(r.path) ? 'ListFindings' : '';
    if (r.method !== 'GET') return '';
    if (/^\/detector\/?$/.test(r.path)) return 'ListDetectors';
    return /^\/detector\/[^/]+\/?$/.test(r.path) ? 'GetDetector' : '';
  }
  if (r.service === 'securityhub') return r.method === 'GET' && /^\/accounts\/?$/.test(r.path) ? 'DescribeHub' : r.method === 'POST' && r.path === '/standards/get' ? 'GetEnabledStandards' : '';
  if (r.service === 'access-analyzer') return r.method === 'GET' && /^\/analyzer\/?$/.test(r.path) ? 'ListAnalyzers' : r.method === 'POST' && r.path === '/findingv2' ? 'ListFindingsV2' : '';
  if ((r.service === 'config' || r.service === 'kms' || r.service === 'logs') && r.target) return r.target.slice(r.target.lastIndexOf('.') + 1);
  return '';
}

export function handleSecurity(r: ServiceRequest, action: string, st: ServiceState): ServiceReply {
  switch (r.service) {
    case 'ec2':
      return { action, status: 200, contentType: 'text/xml;charset=UTF-8', body: ec2(r, action, st) };
    case 'guardduty':
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(guardduty(r, action, st)) };
    case 'securityhub':
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(action === 'GetEnabledStandards' ? (securityhub(r, st), getEnabledStandards(r, st.services(r.account))) : securityhub(r, st)) };
    case 'access-analyzer':
      return { action, status: 200, contentType: 'application/json', body: JSON.stringify(action === 'ListFindingsV2' ? listFindingsV2(r, st.services(r.account)) : accessAnalyzer(r, st)) };
    case 'config':
      return { action, status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(config(r, action, st)) };
    case 'kms':
      return { action, status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(kms(r, action, st)) };
    case 'logs':
      return { action, status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(logs(r, action, st)) };
    default:
      throw new ServiceError(400, 'UnknownService', `This emulator does not serve ${r.service}`);
  }
}

/** EC2's error document (Query protocol, EC2 flavour). */
export function ec2Error(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

/** S3 Control's error document. */
export function s3ControlError(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Code>${code}</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

// ---- EC2 (Query/XML) --------------------------------------------------------------------------------------------

function ec2(r: ServiceRequest, action: string, st: ServiceState): string {
  const params = new URLSearchParams(r.body.toString('utf8'));
  if (params.get('Version') !== '2016-11-15') throw new ServiceError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  const s = st.services(r.account);
  const rid = `emu-${Date.now().toString(36)}`;
  if (action === 'GetEbsEncryptionByDefault') {
    const on = s.ebsDefaultEncryption.includes(r.region);
    return `<GetEbsEncryptionByDefaultResponse xmlns="${EC2_NS}">${el('requestId', rid)}${el('ebsEncryptionByDefault', on)}${el('sseType', 'sse-ebs')}</GetEbsEncryptionByDefaultResponse>`;
  }
  if (action !== 'DescribeSecurityGroups') throw new ServiceError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  const max = params.has('MaxResults') ? Number(params.get('MaxResults')) : 1000;
  if (!Number.isInteger(max) || max < 5 || max > 1000) throw new ServiceError(400, 'InvalidParameterValue', `Value ( ${params.get('MaxResults') ?? ''} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  const p = page(s.securityGroups.filter((g) => g.region === r.region), params.get('NextToken'), max);
  const ranges = (tag: string, inner: string, xs: string[]): string => (xs.length === 0 ? `<${tag}/>` : `<${tag}>${xs.map((x) => `<item>${el(inner, x)}</item>`).join('')}</${tag}>`);
  const perm = (x: (typeof p.items)[number]['ingress'][number]): string =>
    `<item>${el('ipProtocol', x.protocol)}${x.from !== undefined ? el('fromPort', x.from) : ''}${x.to !== undefined ? el('toPort', x.to) : ''}<groups/>${ranges('ipRanges', 'cidrIp', x.cidrs)}${ranges('ipv6Ranges', 'cidrIpv6', x.ipv6 ?? [])}<prefixListIds/></item>`;
  const groups = p.items
    .map(
      (g) =>
        `<item>${el('ownerId', r.account)}${el('groupId', g.id)}${el('groupName', g.name)}${el('groupDescription', g.name)}` +
        `${g.ingress.length ? `<ipPermissions>${g.ingress.map(perm).join('')}</ipPermissions>` : '<ipPermissions/>'}` +
        `<ipPermissionsEgress><item>${el('ipProtocol', '-1')}<groups/><ipRanges><item>${el('cidrIp', '0.0.0.0/0')}</item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress>` +
        `${el('vpcId', g.vpcId)}${el('securityGroupArn', `arn:aws:ec2:${r.region}:${r.account}:security-group/${g.id}`)}</item>`,
    )
    .join('');
  return `<DescribeSecurityGroupsResponse xmlns="${EC2_NS}">${el('requestId', rid)}${groups ? `<securityGroupInfo>${groups}</securityGroupInfo>` : '<securityGroupInfo/>'}${p.next ? el('nextToken', p.next) : ''}</DescribeSecurityGroupsResponse>`;
}

// ---- S3 Control (REST-XML) --------------------------------------------------------------------------------------

export function s3Control(r: ServiceRequest, st: ServiceState): ServiceReply {
  if (r.method !== 'GET' || r.path !== `${S3_CONTROL_PREFIX}configuration/publicAccessBlock`) throw new ServiceError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  const asked = String(r.headers?.['x-amz-account-id'] ?? '');
  if (!/^\d{12}$/.test(asked)) throw new ServiceError(400, 'InvalidRequest', 'Missing required header for this request: x-amz-account-id');
  if (asked !== r.account) throw new ServiceError(403, 'AccessDenied', 'Access Denied');
  const b = st.services(r.account).publicAccessBlock;
  if (!b) throw new ServiceError(404, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PublicAccessBlockConfiguration xmlns="${S3C_NS}">${el('BlockPublicAcls', b.blockPublicAcls)}${el('IgnorePublicAcls', b.ignorePublicAcls)}${el('BlockPublicPolicy', b.blockPublicPolicy)}${el('RestrictPublicBuckets', b.restrictPublicBuckets)}</PublicAccessBlockConfiguration>`;
  return { action: 'GetPublicAccessBlock', status: 200, contentType: 'application/xml', body };
}

// ---- GuardDuty, Security Hub, Access Analyzer (REST-JSON) -------------------------------------------------------

function guardduty(r: ServiceRequest, action: string, st: ServiceState): unknown {
  const mine = st.services(r.account).guardDuty.filter((d) => d.region === r.region);
  if (action === 'ListDetectors') {
    const max = Number(r.query.get('maxResults') ?? 50);
    if (!Number.isInteger(max) || max < 1 || max > 50) throw new ServiceError(400, 'BadRequestException', 'The request is rejected because an invalid or out-of-range value is specified as an input parameter.');
    const p = page(mine, r.query.get('nextToken'), max);
    return { detectorIds: p.items.map((d) => d.id), ...(p.next ? { nextToken: p.next } : {}) };
  }
  const id = decodeURIComponent(r.path.split('/')[2] ?? '');
  const d = mine.find((x) => x.id === id);
  if (!d) throw new ServiceError(400, 'BadRequestException', 'The request is rejected because the input detectorId is not owned by the current account.');
  if (action === 'ListFindings' || action === 'GetFindings') return guardDutyFindings(r, action, (st.services(r.account).guardDutyFindings ?? []).filter((f) => f.region === r.region));
  return { createdAt: '2023-01-01T00:00:00.000Z', findingPublishingFrequency: 'SIX_HOURS', serviceRole: `arn:aws:iam::${r.account}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`, status: d.status, updatedAt: '2024-01-01T00:00:00.000Z', tags: {} };
}

function securityhub(r: ServiceRequest, st: ServiceState): unknown {
  if (!st.services(r.account).securityHub.includes(r.region)) throw new ServiceError(401, 'InvalidAccessException', `Account ${r.account} is not subscribed to AWS Security Hub`);
  return { HubArn: `arn:aws:securityhub:${r.region}:${r.account}:hub/default`, SubscribedAt: '2023-01-01T00:00:00.000Z', AutoEnableControls: true, ControlFindingGenerator: 'SECURITY_CONTROL' };
}

function accessAnalyzer(r: ServiceRequest, st: ServiceState): unknown {
  const type = r.query.get('type');
  const mine = st.services(r.account).analyzers.filter((a) => a.region === r.region && (!type || a.type === type));
  const p = page(mine, r.query.get('nextToken'), Number(r.query.get('maxResults') ?? 100));
  return {
    analyzers: p.items.map((a) => ({ arn: `arn:aws:access-analyzer:${r.region}:${r.account}:analyzer/${a.name}`, name: a.name, type: a.type, status: a.status, createdAt: '2023-01-01T00:00:00Z', tags: {} })),
    ...(p.next ? { nextToken: p.next } : {}),
  };
}

// ---- AWS Config (JSON 1.1) --------------------------------------------------------------------------------------

function config(r: ServiceRequest, action: string, st: ServiceState): unknown {
  void input(r);
  const recs = st.services(r.account).configRecorders.filter((c) => c.region === r.region);
  if (action === 'DescribeConfigurationRecorders') {
    return {
      ConfigurationRecorders: recs.map((c) => ({
        name: c.name,
        roleARN: `arn:aws:iam::${r.account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
        recordingGroup: { allSupported: c.allSupported, includeGlobalResourceTypes: c.includeGlobal, resourceTypes: [], exclusionByResourceTypes: { resourceTypes: [] }, recordingStrategy: { useOnly: c.allSupported ? 'ALL_SUPPORTED_RESOURCE_TYPES' : 'INCLUSION_BY_RESOURCE_TYPES' } },
        recordingMode: { recordingFrequency: 'CONTINUOUS', recordingModeOverrides: [] },
      })),
    };
  }
  if (action === 'DescribeDeliveryChannels' || action === 'DescribeDeliveryChannelStatus') return configDelivery(r, action, st.services(r.account));
  if (action === 'DescribeConfigurationRecorderStatus') {
    return { ConfigurationRecordersStatus: recs.map((c) => ({ name: c.name, lastStartTime: secs('2023-01-01T00:00:00Z'), recording: c.recording, lastStatus: c.lastStatus, lastStatusChangeTime: secs('2024-01-01T00:00:00Z') })) };
  }
  throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
}

// ---- KMS and CloudWatch Logs (JSON 1.1) --------------------------------------------------------------------------

function kms(r: ServiceRequest, action: string, st: ServiceState): unknown {
  const inp = input(r);
  const keys = st.services(r.account).kmsKeys.filter((k) => k.region === r.region);
  const arn = (id: string): string => `arn:aws:kms:${r.region}:${r.account}:key/${id}`;
  if (action === 'ListKeys') {
    const limit = Number(inp.Limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ServiceError(400, 'ValidationException', `1 validation error detected: Value '${String(inp.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000`);
    const p = page(keys, inp.Marker, limit);
    return { Keys: p.items.map((k) => ({ KeyId: k.id, KeyArn: arn(k.id) })), Truncated: p.next !== undefined, ...(p.next ? { NextMarker: p.next } : {}) };
  }
  const asked = String(inp.KeyId ?? '');
  const k = keys.find((x) => x.id === asked || arn(x.id) === asked);
  if (!k) throw new ServiceError(400, 'NotFoundException', `Key '${arn(asked)}' does not exist`);
  if (action === 'DescribeKey') {
    return {
      KeyMetadata: {
        AWSAccountId: r.account,
        KeyId: k.id,
        Arn: arn(k.id),
        CreationDate: secs('2023-01-01T00:00:00Z'),
        Enabled: k.state === 'Enabled',
        Description: k.manager === 'AWS' ? 'Default key that protects my S3 objects when no other key is defined' : '',
        KeyUsage: k.spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY',
        KeyState: k.state,
        Origin: k.origin,
        KeyManager: k.manager,
        CustomerMasterKeySpec: k.spec,
        KeySpec: k.spec,
        ...(k.spec === 'SYMMETRIC_DEFAULT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : { SigningAlgorithms: ['ECDSA_SHA_256'] }),
        MultiRegion: false,
      },
    };
  }
  if (action === 'GetKeyRotationStatus') {
    // KMS refuses rotation questions for keys it cannot rotate
    if (k.spec !== 'SYMMETRIC_DEFAULT' || k.origin !== 'AWS_KMS') throw new ServiceError(400, 'UnsupportedOperationException', `${arn(k.id)} origin is ${k.origin} which is not valid for this operation.`);
    if (k.state === 'Disabled' || k.state === 'PendingDeletion') throw new ServiceError(400, 'KMSInvalidStateException', `${arn(k.id)} is ${k.state.toLowerCase()}.`);
    return { KeyRotationEnabled: k.rotation, KeyId: arn(k.id), ...(k.rotation ? { RotationPeriodInDays: 365, NextRotationDate: secs('2027-01-01T00:00:00Z') } : {}) };
  }
  throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
}

function logs(r: ServiceRequest, action: string, st: ServiceState): unknown {
  if (action !== 'DescribeLogGroups') throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
  const inp = input(r);
  const limit = Number(inp.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new ServiceError(400, 'InvalidParameterException', `1 validation error detected: Value '${String(inp.limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50`);
  const groups = st.services(r.account).logGroups.filter((g) => g.region === r.region).sort((a, b) => (a.name < b.name ? -1 : 1));
  const p = page(groups, inp.nextToken, limit);
  return {
    logGroups: p.items.map((g) => ({
      logGroupName: g.name,
      creationTime: Date.parse('2023-01-01T00:00:00Z'),
      ...(g.retentionDays !== undefined ? { retentionInDays: g.retentionDays } : {}),
      metricFilterCount: 0,
      arn: `arn:aws:logs:${r.region}:${r.account}:log-group:${g.name}:*`,
      storedBytes: 1024,
      logGroupClass: 'STANDARD',
      logGroupArn: `arn:aws:logs:${r.region}:${r.account}:log-group:${g.name}`,
    })),
    ...(p.next ? { nextToken: p.next } : {}),
  };
}
