// aws.compute.multi_az: load balancers and Auto Scaling groups survive the loss of one Availability Zone.
import type { Resource, RuleOutcome } from '../../../src/core/types.js';
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

function judge(r: Resource, minZones: number): RuleOutcome {
  const x = r.attributes;
  const where = r.region ? { region: r.region } : {};
  const bad: string[] = [];
  const zones = Array.isArray(x.zones) ? new Set(x.zones as string[]).size : null;
  if (zones !== null && zones < minZones) bad.push(`spans ${zones} Availability Zone${zones === 1 ? '' : 's'} (${(x.zones as string[]).join(', ') || 'none'}), fewer than ${minZones}`);
  const asg = r.type === 'aws.autoscaling.group';
  const types = Array.isArray(x.healthCheckTypes) ? (x.healthCheckTypes as string[]) : null;
  // ELB health checks matter only for a group a load balancer sends traffic to
  if (asg && x.loadBalanced === true && types !== null && !types.includes('ELB')) bad.push(`behind a load balancer but replaces instances on ${types.join(',')} health checks only, not ELB`);
  if (bad.length > 0) return { resourceId: r.id, status: 'fail', reason: `${r.name}: ${bad.join('; ')}`, ...where };
  const missing = [...(zones === null ? ['zones'] : []), ...(asg && x.loadBalanced === null ? ['load balancer attachments'] : []), ...(asg && x.loadBalanced === true && types === null ? ['healthCheckTypes'] : [])];
  if (missing.length > 0) return unreadOutcome(r, missing);
  const hc = asg ? (x.loadBalanced === true ? '; ELB health checks' : '; no load balancer attached') : '';
  return { resourceId: r.id, status: 'pass', reason: `${r.name}: spans ${zones} Availability Zones${hc}`, ...where };
}

export default defineRule({
  id: 'aws.compute.multi_az',
  title: 'Load balancers and Auto Scaling groups span at least two Availability Zones, and load-balanced groups use ELB health checks',
  severity: 'medium',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.elbv2.load_balancer', 'aws.autoscaling.group'],
  permissions: ['elasticloadbalancing:DescribeLoadBalancers', 'autoscaling:DescribeAutoScalingGroups'],
  rationale: 'A load balancer or Auto Scaling group confined to one zone goes down with it; a group behind a load balancer that only uses EC2 status checks keeps instances the load balancer already reports unhealthy.',
  remediation: 'Add a subnet in a second Availability Zone (elbv2 set-subnets; autoscaling update-auto-scaling-group --vpc-zone-identifier) and set --health-check-type ELB on groups behind a load balancer.',
  params: { minZones: { description: 'Fewest distinct Availability Zones accepted.', default: 2 } },
  evaluate(snapshot, { params }) {
    return snapshot.resources.filter((r) => r.type === 'aws.elbv2.load_balancer' || r.type === 'aws.autoscaling.group').map((r) => judge(r, params.minZones));
  },
});
