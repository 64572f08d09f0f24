// The emulator's DynamoDB (JSON 1.0), Elastic Load Balancing v2 and Auto Scaling (Query/XML) control-plane reads,
// paged and failing as the services document: ListTables by LastEvaluatedTableName (at most 100), ELBv2 by
// NextMarker (PageSize 1-400), Auto Scaling by NextToken (MaxRecords 1-100), a missing table as
// ResourceNotFoundException (DescribeTable) or TableNotFoundException (DescribeContinuousBackups).
import { ServiceError, input, page, secs, type ServiceReply, type ServiceRequest, type ServiceState } from './service-protocol.js';
import type { AccountServices } from './services-estate.js';
import { el, esc } from './xml.js';

export const AVAILABILITY_SERVICES = new Set(['dynamodb', 'elasticloadbalancing', 'autoscaling']);
/** Services that speak the Query protocol with `<ErrorResponse>` errors, AccessDenied (403) and InvalidClientTokenId. */
export const QUERY_XML_SERVICES = new Set(['rds', 'elasticloadbalancing', 'autoscaling']);

const NS: Record<string, string> = {
  rds: 'http://rds.amazonaws.com/doc/2014-10-31/',
  elasticloadbalancing: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
};
const VERSION: Record<string, string> = { elasticloadbalancing: '2015-12-01', autoscaling: '2011-01-01' };

/** The Query error document of `service`. */
export function queryError(service: string, code: string, message: string, requestId: string): string {
  return `<ErrorResponse xmlns="${NS[service] ?? NS.rds}"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
}

export function availabilityActionOf(r: ServiceRequest): string {
  if (r.service === 'dynamodb') return r.target.startsWith('DynamoDB_20120810.') ? r.target.slice('DynamoDB_20120810.'.length) : '';
  return new URLSearchParams(r.body.toString('utf8')).get('Action') ?? r.query.get('Action') ?? '';
}

export function handleAvailability(r: ServiceRequest, action: string, st: ServiceState): ServiceReply {
  const s = st.services(r.account);
  if (r.service === 'dynamodb') return { action, status: 200, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(dynamodb(r, action, s, st.now())) };
  const params = new URLSearchParams(r.body.toString('utf8'));
  if (params.get('Version') !== VERSION[r.service]) throw new ServiceError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? '(none)'}`);
  const inner = r.service === 'elasticloadbalancing' ? loadBalancers(r, action, params, s) : autoScalingGroups(r, action, params, s);
  const body = `<${action}Response xmlns="${NS[r.service]}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>emu-${Date.now().toString(36)}</RequestId></ResponseMetadata></${action}Response>\n`;
  return { action, status: 200, contentType: 'text/xml', body };
}

// ---- DynamoDB (JSON 1.0) -----------------------------------------------------------------------------------------

function dynamodb(r: ServiceRequest, action: string, s: AccountServices, now: Date): unknown {
  const inp = input(r);
  const tables = (s.dynamoTables ?? []).filter((t) => t.region === r.region).sort((a, b) => (a.name < b.name ? -1 : 1));
  const arn = (n: string): string => `arn:aws:dynamodb:${r.region}:${r.account}:table/${n}`;
  if (action === 'ListTables') {
    const limit = inp.Limit === undefined ? 100 : Number(inp.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ServiceError(400, 'ValidationException', `1 validation error detected: Value '${String(inp.Limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);
    const after = typeof inp.ExclusiveStartTableName === 'string' ? inp.ExclusiveStartTableName : '';
    const rest = tables.filter((t) => t.name > after);
    const slice = rest.slice(0, limit);
    return { TableNames: slice.map((t) => t.name), ...(rest.length > limit ? { LastEvaluatedTableName: slice[slice.length - 1]!.name } : {}) };
  }
  const asked = String(inp.TableName ?? '');
  const t = tables.find((x) => x.name === asked || arn(x.name) === asked);
  if (action === 'DescribeTable') {
    if (!t) throw new ServiceError(400, 'ResourceNotFoundException', `Requested resource not found: Table: ${asked} not found`);
    return {
      Table: {
        TableName: t.name,
        TableArn: arn(t.name),
        TableId: `${t.name.length.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
        TableStatus: 'ACTIVE',
        CreationDateTime: secs('2023-01-01T00:00:00Z'),
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: secs('2023-01-01T00:00:00Z') },
        ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
        TableSizeBytes: 2048,
        ItemCount: 12,
        DeletionProtectionEnabled: t.deletionProtection,
      },
    };
  }
  if (action === 'DescribeContinuousBackups') {
    if (!t) throw new ServiceError(400, 'TableNotFoundException', `Table not found: ${asked}`);
    return {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: t.pitr
          ? { PointInTimeRecoveryStatus: 'ENABLED', ...(t.pitrPeriodDays !== undefined ? { RecoveryPeriodInDays: t.pitrPeriodDays } : {}), EarliestRestorableDateTime: secs('2024-01-01T00:00:00Z'), LatestRestorableDateTime: Math.floor(now.getTime() / 1000) - 300 }
          : { PointInTimeRecoveryStatus: 'DISABLED' },
      },
    };
  }
  throw new ServiceError(400, 'UnknownOperationException', `Unknown operation ${action}`);
}

// ---- Elastic Load Balancing v2 and Auto Scaling (Query/XML) --------------------------------------------------------

const list = (name: string, xs: string[], render: (x: string) => string): string => (xs.length === 0 ? `<${name}/>` : `<${name}>${xs.map((x) => `<member>${render(x)}</member>`).join('')}</${name}>`);

function loadBalancers(r: ServiceRequest, action: string, params: URLSearchParams, s: AccountServices): string {
  if (action !== 'DescribeLoadBalancers') throw new ServiceError(400, 'InvalidAction', `Could not find operation ${action} for version 2015-12-01`);
  const size = params.has('PageSize') ? Number(params.get('PageSize')) : 400;
  if (!Number.isInteger(size) || size < 1 || size > 400) throw new ServiceError(400, 'ValidationError', `1 validation error detected: Value '${params.get('PageSize') ?? ''}' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 400`);
  const p = page((s.loadBalancers ?? []).filter((x) => x.region === r.region), params.get('Marker'), size);
  const members = p.items.map((lb, i) => {
    const arn = `arn:aws:elasticloadbalancing:${r.region}:${r.account}:loadbalancer/${lb.type === 'application' ? 'app' : lb.type === 'network' ? 'net' : 'gwy'}/${lb.name}/${(i + 1).toString(16).padStart(16, '0')}`;
    return (
      `<member>${el('LoadBalancerArn', arn)}${el('DNSName', `${lb.name}-1.${r.region}.elb.amazonaws.com`)}${el('CanonicalHostedZoneId', 'Z35SXDOTRQ7X7K')}${el('CreatedTime', '2023-01-01T00:00:00.000Z')}` +
      `${el('LoadBalancerName', lb.name)}${el('Scheme', lb.type === 'gateway' ? undefined : 'internet-facing')}${el('VpcId', 'vpc-0a1b2c3d')}<State>${el('Code', 'active')}</State>${el('Type', lb.type)}` +
      `${list('AvailabilityZones', lb.zones, (z) => `${el('ZoneName', z)}${el('SubnetId', `subnet-${z.slice(-2).replace('-', '0')}00aa`)}`)}${el('IpAddressType', 'ipv4')}</member>`
    );
  });
  return `${members.length ? `<LoadBalancers>${members.join('')}</LoadBalancers>` : '<LoadBalancers/>'}${p.next ? el('NextMarker', p.next) : ''}`;
}

function autoScalingGroups(r: ServiceRequest, action: string, params: URLSearchParams, s: AccountServices): string {
  if (action !== 'DescribeAutoScalingGroups') throw new ServiceError(400, 'InvalidAction', `Could not find operation ${action} for version 2011-01-01`);
  const max = params.has('MaxRecords') ? Number(params.get('MaxRecords')) : 50;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new ServiceError(400, 'ValidationError', `1 validation error detected: Value '${params.get('MaxRecords') ?? ''}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`);
  const p = page((s.autoScalingGroups ?? []).filter((x) => x.region === r.region), params.get('NextToken'), max);
  const members = p.items.map(
    (g) =>
      `<member>${el('AutoScalingGroupName', g.name)}${el('AutoScalingGroupARN', `arn:aws:autoscaling:${r.region}:${r.account}:autoScalingGroup:6d3a0c5e-0000-4000-8000-${g.name.length.toString().padStart(12, '0')}:autoScalingGroupName/${g.name}`)}` +
      `<LaunchTemplate>${el('LaunchTemplateId', 'lt-0abc0def000000001')}${el('LaunchTemplateName', g.name)}${el('Version', '$Default')}</LaunchTemplate>` +
      `${el('MinSize', 2)}${el('MaxSize', 6)}${el('DesiredCapacity', 2)}${el('DefaultCooldown', 300)}${list('AvailabilityZones', g.zones, (z) => esc(z))}` +
      `<LoadBalancerNames/>${list('TargetGroupARNs', g.targetGroups, (t) => esc(t))}${el('HealthCheckType', g.healthCheckType)}${el('HealthCheckGracePeriod', 300)}<Instances/>` +
      `${el('CreatedTime', '2023-01-01T00:00:00.000Z')}<SuspendedProcesses/>${el('VPCZoneIdentifier', g.zones.map((z) => `subnet-${z.slice(-2).replace('-', '0')}00aa`).join(','))}<EnabledMetrics/><Tags/><TerminationPolicies><member>Default</member></TerminationPolicies>` +
      `${el('NewInstancesProtectedFromScaleIn', false)}${el('ServiceLinkedRoleARN', `arn:aws:iam::${r.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`)}${el('CapacityRebalance', false)}` +
      `${list('TrafficSources', g.targetGroups, (t) => `${el('Identifier', t)}${el('Type', 'elbv2')}`)}</member>`,
  );
  return `${members.length ? `<AutoScalingGroups>${members.join('')}</AutoScalingGroups>` : '<AutoScalingGroups/>'}${p.next ? el('NextToken', p.next) : ''}`;
}
