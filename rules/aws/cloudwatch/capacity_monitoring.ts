// aws.cloudwatch.capacity_monitoring: every critical database, every load balancer and Auto Scaling group has a
// CloudWatch alarm on one of its own metrics, so running out of capacity pages someone before users notice.
import type { Resource, RuleOutcome } from '../../../src/core/types.js';
import { defineRule } from '../../../src/rules/define.js';
import { hasTag, unreadOutcome } from '../../../src/rules/support/aws-services.js';

interface Metric {
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
}

/** The dimension that names `r` in CloudWatch, and the namespaces its metrics are published under. */
function target(r: Resource): { dimension: string; value: string; namespaces: string[] | null } {
  if (r.type === 'aws.rds.instance') return { dimension: 'DBInstanceIdentifier', value: r.name, namespaces: ['AWS/RDS'] };
  if (r.type === 'aws.rds.cluster') return { dimension: 'DBClusterIdentifier', value: r.name, namespaces: ['AWS/RDS'] };
  // ELBv2 metrics name the load balancer by the end of its ARN: app/NAME/ID, net/NAME/ID, gwy/NAME/ID
  if (r.type === 'aws.elbv2.load_balancer') return { dimension: 'LoadBalancer', value: r.id.slice(r.id.indexOf(':loadbalancer/') + ':loadbalancer/'.length), namespaces: ['AWS/ApplicationELB', 'AWS/NetworkELB', 'AWS/GatewayELB'] };
  // group metrics come from EC2, Auto Scaling and the CloudWatch agent alike: any namespace with the dimension counts
  return { dimension: 'AutoScalingGroupName', value: r.name, namespaces: null };
}

function judge(r: Resource, alarms: Resource[]): RuleOutcome {
  const where = r.region ? { region: r.region } : {};
  const t = target(r);
  const mine = alarms.filter((a) => a.region === r.region);
  const watching = mine.filter((a) => Array.isArray(a.attributes.metrics) && (a.attributes.metrics as Metric[]).some((m) => (t.namespaces === null || t.namespaces.includes(m.namespace)) && m.dimensions.some((d) => d.name === t.dimension && d.value === t.value)));
  if (watching.length > 0) {
    const names = [...new Set(watching.flatMap((a) => (a.attributes.metrics as Metric[]).map((m) => m.metricName)))].sort();
    return { resourceId: r.id, status: 'pass', reason: `${r.name}: watched by ${watching.map((a) => a.name).sort().join(', ')} (${names.join(', ')})`, ...where };
  }
  const unknown = mine.filter((a) => !Array.isArray(a.attributes.metrics));
  if (unknown.length > 0) return unreadOutcome(r, [`the metrics of alarm(s) ${unknown.map((a) => a.name).join(', ')}`]);
  return { resourceId: r.id, status: 'fail', reason: `${r.name}: no CloudWatch alarm on its metrics (${t.dimension}=${t.value})`, ...where };
}

export default defineRule({
  id: 'aws.cloudwatch.capacity_monitoring',
  title: 'Critical databases, load balancers and Auto Scaling groups each have a CloudWatch alarm on their own metrics',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.cloudwatch.alarm', 'aws.rds.instance', 'aws.rds.cluster', 'aws.elbv2.load_balancer', 'aws.autoscaling.group'],
  permissions: ['cloudwatch:DescribeAlarms', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'elasticloadbalancing:DescribeLoadBalancers', 'autoscaling:DescribeAutoScalingGroups'],
  rationale: 'Capacity runs out before it fails: CPU, storage, connections, latency and 5xx alarms on each critical database, load balancer and group warn while there is still time to scale, which is how A1.1 expects current capacity to be monitored.',
  remediation: 'Create alarms with SNS actions, e.g. RDS CPUUtilization, FreeStorageSpace and DatabaseConnections per DB; ALB HTTPCode_ELB_5XX_Count and TargetResponseTime per load balancer; CPUUtilization or GroupInServiceInstances per Auto Scaling group.',
  params: { criticalTag: { description: 'Tag marking critical databases: key=value, or key alone. Load balancers and groups are all judged.', default: 'vigil:critical=true' } },
  evaluate(snapshot, { params }) {
    const alarms = snapshot.resources.filter((r) => r.type === 'aws.cloudwatch.alarm');
    return snapshot.resources
      .filter((r) => r.type === 'aws.rds.cluster' || (r.type === 'aws.rds.instance' && !r.attributes.clusterId) || r.type === 'aws.elbv2.load_balancer' || r.type === 'aws.autoscaling.group')
      .filter((r) => !r.type.startsWith('aws.rds.') || r.attributes.tags === null || hasTag(r.attributes.tags, params.criticalTag))
      .map((r) => (r.type.startsWith('aws.rds.') && r.attributes.tags === null ? unreadOutcome(r, ['tags']) : judge(r, alarms)));
  },
});
