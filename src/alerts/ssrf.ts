// Keeps webhook delivery from becoming an SSRF proxy: scheme checks on the URL, and address checks on every resolved IP.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { UsageError } from '../core/errors.js';

export interface UrlPolicy {
  /** Allow http:// (tests, receivers on a trusted network). @defaultValue false */
  allowInsecure?: boolean;
  /** Allow RFC 1918 / unique-local / CGNAT addresses. @defaultValue false */
  allowPrivateNetwork?: boolean;
  /** Allow 127.0.0.0/8 and ::1 (tests only). @defaultValue false */
  allowLoopback?: boolean;
}

const never = new BlockList();
// link-local (cloud metadata lives here), unspecified, multicast, broadcast, and the known metadata addresses
never.addSubnet('169.254.0.0', 16, 'ipv4');
never.addSubnet('0.0.0.0', 8, 'ipv4');
never.addSubnet('224.0.0.0', 4, 'ipv4');
never.addSubnet('240.0.0.0', 4, 'ipv4');
never.addAddress('100.100.100.200', 'ipv4');
never.addSubnet('fe80::', 10, 'ipv6');
never.addSubnet('ff00::', 8, 'ipv6');
never.addAddress('::', 'ipv6');
never.addAddress('fd00:ec2::254', 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
const privateNets = new BlockList();
privateNets.addSubnet('10.0.0.0', 8, 'ipv4');
privateNets.addSubnet('172.16.0.0', 12, 'ipv4');
privateNets.addSubnet('192.168.0.0', 16, 'ipv4');
privateNets.addSubnet('100.64.0.0', 10, 'ipv4');
privateNets.addSubnet('fc00::', 7, 'ipv6');

/** Why an address may not be contacted, or undefined when it may. IPv4-mapped IPv6 is judged as IPv4. */
export function addressRefusal(ip: string, policy: UrlPolicy): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const addr = mapped ? mapped[1]! : ip;
  const fam = isIP(addr);
  if (fam === 0) return `${ip} is not an IP address`;
  const type = fam === 4 ? 'ipv4' : 'ipv6';
  if (never.check(addr, type)) return `${ip} is a link-local, metadata, multicast or unspecified address`;
  if (!policy.allowLoopback && loopback.check(addr, type)) return `${ip} is a loopback address (set allowLoopback only for tests)`;
  if (!policy.allowPrivateNetwork && privateNets.check(addr, type)) return `${ip} is a private-network address (set allowPrivateNetwork to allow it)`;
  return undefined;
}

/** Checks a sink URL's form: http(s) only, https unless allowInsecure, no credentials in it. `where` names the config field. */
export function validateSinkUrl(raw: string, policy: UrlPolicy, where: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError('SINK_URL', `${where}: not a valid URL`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && policy.allowInsecure)) {
    throw new UsageError('SINK_URL', `${where}: must use https:// (got ${u.protocol}; set allowInsecure: true only for a trusted receiver)`);
  }
  if (u.username || u.password) throw new UsageError('SINK_URL', `${where}: credentials in the URL are not allowed; use the sink secret`);
  if (isIP(u.hostname.replace(/^\[|\]$/g, ''))) {
    const why = addressRefusal(u.hostname.replace(/^\[|\]$/g, ''), policy);
    if (why) throw new UsageError('SINK_URL', `${where}: ${why}`);
  }
  return u;
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves, then refuses the connection when any resolved address is not allowed.
 * The socket connects to the address checked here, so DNS rebinding between check and connect is not possible.
 */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, cb: LookupCb): void => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return cb(err, []);
      for (const a of addresses) {
        const why = addressRefusal(a.address, policy);
        if (why) {
          const e = Object.assign(new Error(`refused to connect to ${hostname}: ${why}`), { code: 'VIGIL_SSRF_REFUSED' });
          return cb(e, []);
        }
      }
      if (options.all) return cb(null, addresses);
      const first = addresses[0];
      if (!first) return cb(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      cb(null, first.address, first.family);
    });
  };
}
