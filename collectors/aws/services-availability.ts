// Availability settings of one region: DynamoDB tables (point-in-time recovery, deletion protection), and the
// Availability Zones of load balancers (ELBv2) and Auto Scaling groups with their health-check types. Bulk listings
// where the API has them; DynamoDB has no bulk describe, so each table costs DescribeTable + DescribeContinuousBackups.
import { DynamoDBClient, DescribeContinuousBackupsCommand, DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { pages, withIds, type Item } from './services-regional.js';
import type { AnyClient, Reader } from './service-reader.js';

const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export const AVAILABILITY_REGIONAL_TYPES = {
  dynamodb: 'aws.dynamodb.table',
  elbv2: 'aws.elbv2.load_balancer',
  asg: 'aws.autoscaling.group',
} as const;
export type AvailabilityRegional = Record<keyof typeof AVAILABILITY_REGIONAL_TYPES, boolean>;

/** Resource types each action feeds (merged into SERVICE_ACTION_INPUTS): what its failure leaves incomplete. */
export const AVAILABILITY_ACTION_INPUTS: Record<string, string[]> = {
  'dynamodb:ListTables': ['aws.dynamodb.table'],
  'dynamodb:DescribeTable': ['aws.dynamodb.table'],
  'dynamodb:DescribeContinuousBackups': ['aws.dynamodb.table'],
  'elasticloadbalancing:DescribeLoadBalancers': ['aws.elbv2.load_balancer'],
  'autoscaling:DescribeAutoScalingGroups': ['aws.autoscaling.group'],
};

/** Root element of the Query-protocol (XML) replies read here. */
export const AVAILABILITY_XML_ROOT: Record<string, string> = {
  'elasticloadbalancing:DescribeLoadBalancers': 'DescribeLoadBalancersResponse',
  'autoscaling:DescribeAutoScalingGroups': 'DescribeAutoScalingGroupsResponse',
};

/** A list of strings read from `key` of each item, or null when the list is absent or holds an item without it. */
function names(list: unknown, key?: string): string[] | null {
  if (!Array.isArray(list)) return null;
  const out: string[] = [];
  for (const x of list as unknown[]) {
    const v = key ? str((x as Item | null)?.[key]) : str(x);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/**
 * DynamoDB tables: ListTables pages by LastEvaluatedTableName (100 names a page), then DescribeTable (deletion
 * protection, status) and DescribeContinuousBackups (PITR) per table. A table that vanished between the listing and
 * its describe is an error for the region, not a table left out: the population must stay whole.
 */
async function readDynamoTables(rd: Reader, region: string): Promise<boolean> {
  const ddb = rd.client(DynamoDBClient as never, region) as AnyClient;
  const listed = await pages(rd, 'dynamodb:ListTables', region, ddb, (t) => new ListTablesCommand({ Limit: 100, ...(t ? { ExclusiveStartTableName: t } : {}) }), 'TableNames', (r) => r.LastEvaluatedTableName);
  if (!listed) return false;
  if (listed.some((n) => !str(n))) {
    rd.malformed('dynamodb:ListTables', region, 'an empty table name');
    return false;
  }
  let ok = true;
  for (const name of listed as unknown as string[]) {
    const d = await rd.send<{ Table?: Item }>('dynamodb:DescribeTable', region, ddb, new DescribeTableCommand({ TableName: name }));
    const b = await rd.send<{ ContinuousBackupsDescription?: Item }>('dynamodb:DescribeContinuousBackups', region, ddb, new DescribeContinuousBackupsCommand({ TableName: name }));
    rd.count(2);
    if (!d || !b) {
      ok = false;
      continue;
    }
    const t = d.Table;
    if (!t || typeof t !== 'object' || !str(t.TableArn) || t.TableName !== name) {
      rd.malformed('dynamodb:DescribeTable', region, `${name}: Table, TableArn or TableName missing`);
      ok = false;
      continue;
    }
    const cb = b.ContinuousBackupsDescription;
    if (!cb || typeof cb !== 'object') {
      rd.malformed('dynamodb:DescribeContinuousBackups', region, `${name}: ContinuousBackupsDescription missing`);
      ok = false;
      continue;
    }
    rd.art(`dynamodb:DescribeTable ${region} ${name}`, d);
    rd.art(`dynamodb:DescribeContinuousBackups ${region} ${name}`, b);
    const pitr = (cb.PointInTimeRecoveryDescription ?? null) as Item | null;
    rd.res('aws.dynamodb.table', String(t.TableArn), name, region, {
      status: str(t.TableStatus),
      // null where the reply did not say: the rule is `error` for the table, never a default
      deletionProtection: bool(t.DeletionProtectionEnabled),
      pitrStatus: pitr ? str(pitr.PointInTimeRecoveryStatus) : null,
      // absent on replies from before configurable recovery periods: 35 days was then the only period
      pitrRecoveryPeriodDays: pitr ? num(pitr.RecoveryPeriodInDays) : null,
    });
  }
  return ok;
}

/** ELBv2 load balancers (application, network, gateway), Marker paging, 400 a page: each with its Availability Zones. */
async function readLoadBalancers(rd: Reader, region: string): Promise<boolean> {
  const op = 'elasticloadbalancing:DescribeLoadBalancers';
  const elb = rd.client(ElasticLoadBalancingV2Client as never, region) as AnyClient;
  const lbs = withIds(rd, op, region, await pages(rd, op, region, elb, (m) => new DescribeLoadBalancersCommand({ PageSize: 400, ...(m ? { Marker: m } : {}) }), 'LoadBalancers', (r) => r.NextMarker), ['LoadBalancerArn', 'LoadBalancerName']);
  if (!lbs) return false;
  for (const lb of lbs) {
    rd.res('aws.elbv2.load_balancer', String(lb.LoadBalancerArn), String(lb.LoadBalancerName), region, {
      type: str(lb.Type),
      scheme: str(lb.Scheme),
      state: str((lb.State as Item | undefined)?.Code),
      // null where a zone came without its name: the rule cannot count zones and is `error`
      zones: names(lb.AvailabilityZones, 'ZoneName'),
    });
  }
  return true;
}

/** Auto Scaling groups, NextToken paging, 100 a page: zones, health-check types, and whether a load balancer is attached. */
async function readAutoScalingGroups(rd: Reader, region: string): Promise<boolean> {
  const op = 'autoscaling:DescribeAutoScalingGroups';
  const asg = rd.client(AutoScalingClient as never, region) as AnyClient;
  const groups = withIds(rd, op, region, await pages(rd, op, region, asg, (t) => new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, ...(t ? { NextToken: t } : {}) }), 'AutoScalingGroups', (r) => r.NextToken), ['AutoScalingGroupARN', 'AutoScalingGroupName']);
  if (!groups) return false;
  for (const g of groups) {
    const classic = names(g.LoadBalancerNames);
    const targetGroups = names(g.TargetGroupARNs);
    const sources = Array.isArray(g.TrafficSources) ? (g.TrafficSources as Item[]).map((s) => str(s?.Type)) : null;
    // attached to a load balancer by either API (classic names, target groups, or traffic sources of an ELB type)
    const lbSources = sources && !sources.includes(null) ? sources.filter((t) => t === 'elb' || t === 'elbv2').length : null;
    const loadBalanced = classic === null || targetGroups === null || lbSources === null ? null : classic.length + targetGroups.length + lbSources > 0;
    const hc = str(g.HealthCheckType);
    rd.res('aws.autoscaling.group', String(g.AutoScalingGroupARN), String(g.AutoScalingGroupName), region, {
      zones: names(g.AvailabilityZones),
      // a comma-separated list (EC2 is implied and not listed beside others): "ELB", "EBS,ELB", "EC2"
      healthCheckTypes: hc ? hc.split(',').map((x) => x.trim()).filter(Boolean) : null,
      loadBalanced,
      desiredCapacity: num(g.DesiredCapacity),
    });
  }
  return true;
}

/** One region's availability settings; each flag is true when that type was read completely in the region. */
export async function collectAvailability(rd: Reader, region: string): Promise<AvailabilityRegional> {
  return {
    dynamodb: await readDynamoTables(rd, region),
    elbv2: await readLoadBalancers(rd, region),
    asg: await readAutoScalingGroups(rd, region),
  };
}
