// aws.ec2.no_admin_ports_open_to_internet: no security group opens SSH, RDP or every port to 0.0.0.0/0 or ::/0.
import { defineRule } from '../../../src/rules/define.js';
import { unreadOutcome } from '../../../src/rules/support/aws-services.js';

interface Perm {
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  ipv4: Array<string | null>;
  ipv6: Array<string | null>;
}

const WORLD = new Set(['0.0.0.0/0', '::/0']);
// EC2: `-1`, or a protocol other than tcp/udp/icmp/icmpv6, allows every port whatever range is given
const PORTED = new Set(['tcp', 'udp', '6', '17']);
const NO_PORTS = new Set(['icmp', 'icmpv6', '1', '58']);

/** What one permission opens to the world among `ports`: a list of findings, or null when its ports were not reported. */
function opened(p: Perm, ports: number[]): string[] | null {
  const world = [...p.ipv4, ...p.ipv6].filter((c): c is string => c !== null && WORLD.has(c));
  if (world.length === 0 || NO_PORTS.has(p.protocol)) return [];
  const src = world.join(' and ');
  if (!PORTED.has(p.protocol)) return [`all ports (protocol ${p.protocol}) from ${src}`];
  if (p.fromPort === null || p.toPort === null) return null;
  if (p.fromPort <= 0 && p.toPort >= 65535) return [`all ${p.protocol} ports from ${src}`];
  return ports.filter((port) => p.fromPort! <= port && port <= p.toPort!).map((port) => `${p.protocol} ${port} from ${src}`);
}

export default defineRule({
  id: 'aws.ec2.no_admin_ports_open_to_internet',
  title: 'No security group opens administrative ports (SSH, RDP) or all ports to the internet',
  severity: 'high',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.ec2.security_group'],
  permissions: ['ec2:DescribeSecurityGroups'],
  rationale: 'SSH and RDP open to 0.0.0.0/0 or ::/0 expose administrative access to password spraying and exploits from anywhere on the internet.',
  remediation: 'Revoke the rule (aws ec2 revoke-security-group-ingress) and reach hosts through SSM Session Manager, a VPN or a bastion restricted to known addresses.',
  params: { adminPorts: { description: 'Ports that must never be open to the internet.', default: [22, 3389] as number[] } },
  evaluate(snapshot, { params }) {
    return snapshot.resources
      .filter((r) => r.type === 'aws.ec2.security_group')
      .map((g) => {
        const perms = g.attributes.ingress;
        if (!Array.isArray(perms)) return unreadOutcome(g, ['ingress']);
        const found: string[] = [];
        let unknown = false;
        for (const p of perms as Perm[]) {
          const o = opened(p, params.adminPorts);
          if (o === null) unknown = true;
          else found.push(...o);
        }
        const where = g.region ? { region: g.region } : {};
        if (found.length > 0) return { resourceId: g.id, status: 'fail' as const, reason: `${g.name}: open to the internet — ${found.join('; ')}`, details: { open: found }, ...where };
        if (unknown) return unreadOutcome(g, ['ingress port range']);
        return { resourceId: g.id, status: 'pass' as const, reason: `${g.name}: no administrative port open to the internet`, ...where };
      });
  },
});
