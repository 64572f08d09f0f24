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
// site-local (deprecated by RFC 3879, still routed inside some networks)
privateNets.addSubnet('fec0::', 10, 'ipv6');

/** The 16 bytes of an IPv6 address in any textual form (`::`, embedded dotted IPv4), or undefined when it is not one. */
export function ipv6Bytes(ip: string): Uint8Array | undefined {
  if (isIP(ip) !== 6) return undefined;
  let text = ip.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

const v4 = (b: Uint8Array, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const zeros = (b: Uint8Array, from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);

/**
 * The IPv4 address an IPv6 address carries, with the name of the form, for every form that routes to (or is
 * translated into) an IPv4 host: IPv4-mapped `::ffff:0:0/96`, SIIT `::ffff:0:0:0/96`, IPv4-compatible `::/96`, NAT64
 * `64:ff9b::/96` and local-use `64:ff9b:1::/48` (RFC 6052, 8215), 6to4 `2002::/16` (RFC 3056) and Teredo `2001::/32`
 * (RFC 4380, client address stored inverted). Such an address is judged by the IPv4 address inside it, so a
 * private, loopback or metadata IPv4 host cannot be reached by spelling it as IPv6.
 */
export function embeddedIpv4(ip: string): { form: string; ipv4: string } | undefined {
  const b = ipv6Bytes(ip);
  if (!b) return undefined;
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return { form: 'IPv4-mapped', ipv4: v4(b, 12) };
  if (zeros(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(b, 10, 12)) return { form: 'IPv4-translated', ipv4: v4(b, 12) };
  if (zeros(b, 0, 12) && !zeros(b, 12, 15)) return { form: 'IPv4-compatible', ipv4: v4(b, 12) };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zeros(b, 4, 12)) return { form: 'NAT64', ipv4: v4(b, 12) };
    if (b[4] === 0x00 && b[5] === 0x01) return { form: 'local-use NAT64', ipv4: v4(b, 12) };
  }
  if (b[0] === 0x20 && b[1] === 0x02) return { form: '6to4', ipv4: v4(b, 2) };
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) {
    const x = b.subarray(12, 16).map((n) => n ^ 0xff);
    return { form: 'Teredo', ipv4: v4(x, 0) };
  }
  return undefined;
}

/**
 * Why an address may not be contacted, or undefined when it may. An IPv6 address that embeds an IPv4 address is
 * judged as that IPv4 address (see `embeddedIpv4`).
 */
export function addressRefusal(ip: string, policy: UrlPolicy): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, '');
  const fam = isIP(bare);
  if (fam === 0) return `${ip} is not an IP address`;
  const embedded = fam === 6 ? embeddedIpv4(bare) : undefined;
  if (embedded) {
    const why = addressRefusal(embedded.ipv4, policy);
    return why ? `${ip} is ${embedded.form} IPv6 for ${embedded.ipv4}, and ${why}` : undefined;
  }
  const type = fam === 4 ? 'ipv4' : 'ipv6';
  if (never.check(bare, type)) return `${ip} is a link-local, metadata, multicast or unspecified address`;
  if (!policy.allowLoopback && loopback.check(bare, type)) return `${ip} is a loopback address (set allowLoopback only for tests)`;
  if (!policy.allowPrivateNetwork && privateNets.check(bare, type)) return `${ip} is a private-network address (set allowPrivateNetwork to allow it)`;
  return undefined;
}

/** Refuses a URL whose host is an IP literal the policy does not allow (the lookup hook never sees literals). */
export function literalHostRefusal(url: URL, policy: UrlPolicy): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? addressRefusal(host, policy) : undefined;
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
  const why = literalHostRefusal(u, policy);
  if (why) throw new UsageError('SINK_URL', `${where}: ${why}`);
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
