// What an emulated account holds for the availability reads (DynamoDB tables, ELBv2 load balancers, Auto Scaling
// groups) and the demo's seed of them; the services answering for them are in availability.ts.

/** An emulated DynamoDB table. `pitrPeriodDays` absent = a reply from before configurable recovery periods. */
export interface EmuDynamoTable {
  name: string;
  region: string;
  pitr: boolean;
  pitrPeriodDays?: number;
  deletionProtection: boolean;
}

/** An ELBv2 load balancer and the zones its subnets sit in. */
export interface EmuLoadBalancer {
  name: string;
  region: string;
  type: 'application' | 'network' | 'gateway';
  zones: string[];
}

/** An Auto Scaling group; `healthCheckType` as the API writes it ("EC2", "ELB", "EBS,ELB"). */
export interface EmuAutoScalingGroup {
  name: string;
  region: string;
  zones: string[];
  healthCheckType: string;
  /** Target groups attached (also listed as elbv2 traffic sources). */
  targetGroups: string[];
}

/** The availability part of an account's estate (AccountServices carries these fields). */
export interface AvailabilityEstate {
  dynamoTables?: EmuDynamoTable[];
  loadBalancers?: EmuLoadBalancer[];
  autoScalingGroups?: EmuAutoScalingGroup[];
}

/**
 * Demo availability estate, per region a table, a load balancer and a load-balanced group: healthy, everything
 * passes; otherwise the first region is well set up and the others show the common gaps (a table without PITR or
 * deletion protection, a load balancer in one zone, a group behind a load balancer on EC2 health checks only).
 */
export function seedAvailability(s: AvailabilityEstate, accountId: string, regions: string[], healthy: boolean): void {
  s.dynamoTables ??= [];
  s.loadBalancers ??= [];
  s.autoScalingGroups ??= [];
  regions.forEach((region, i) => {
    const good = healthy || i === 0;
    const z = (x: string): string => `${region}${x}`;
    // one table a region keeps the demo's request count down: DynamoDB costs two describes per table
    s.dynamoTables!.push(good ? { name: 'orders', region, pitr: true, pitrPeriodDays: 35, deletionProtection: true } : { name: 'sessions', region, pitr: false, deletionProtection: false });
    s.loadBalancers!.push({ name: 'web', region, type: 'application', zones: good ? [z('a'), z('b')] : [z('a')] });
    const tg = `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/web/0000000000000001`;
    s.autoScalingGroups!.push({ name: 'web-asg', region, zones: [z('a'), z('b')], healthCheckType: good ? 'ELB' : 'EC2', targetGroups: [tg] });
  });
}
