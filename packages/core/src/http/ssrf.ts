/**
 * Which addresses outbound calls (webhooks, heal actions) may reach. Everything that is not
 * global unicast is refused — loopback, link-local (cloud metadata at 169.254.169.254 and
 * fd00:ec2::254), private, CGNAT, unspecified, multicast, broadcast, reserved — including when
 * written as IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6, unless the operator allows it in
 * VIGIL_OUTBOUND_ALLOW. Addresses are parsed with ipaddr.js, so `127.1`, `0x7f000001` and
 * `2130706433` are all 127.0.0.1.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface PolicyDecision {
  allowed: boolean;
  /** Why, for logs and dead letters: the address range or the allow entry that decided. */
  reason: string;
}

/** Parses any IP spelling ipaddr.js understands; undefined for hostnames. Brackets and zones are accepted. */
export function parseAddress(text: string): Address | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!ipaddr.isValid(s)) return undefined;
  try {
    return ipaddr.parse(s);
  } catch {
    return undefined;
  }
}

/** The IPv4 address an IPv6 one stands for, where it embeds one. */
function embeddedIPv4(a: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = a.range();
  if (range === 'ipv4Mapped') return a.toIPv4Address();
  const p = a.parts;
  // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks), not :: or ::1.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || (p[7] ?? 0) > 1)) {
    return ipaddr.IPv4.parse(`${(p[6]! >> 8) & 255}.${p[6]! & 255}.${(p[7]! >> 8) & 255}.${p[7]! & 255}`);
  }
  if (range === 'rfc6052') return ipaddr.IPv4.parse(`${(p[6]! >> 8) & 255}.${p[6]! & 255}.${(p[7]! >> 8) & 255}.${p[7]! & 255}`);
  if (range === '6to4') return ipaddr.IPv4.parse(`${(p[1]! >> 8) & 255}.${p[1]! & 255}.${(p[2]! >> 8) & 255}.${p[2]! & 255}`);
  return undefined;
}

/** The address checks and allow entries compare against: IPv4 for anything that embeds IPv4. */
function canonical(a: Address): Address {
  if (a.kind() === 'ipv6') return embeddedIPv4(a as ipaddr.IPv6) ?? a;
  return a;
}

type Cidr = [Address, number];

export class OutboundPolicy {
  private constructor(
    private readonly cidrs: Cidr[],
    private readonly hosts: Set<string>,
  ) {}

  /** Nothing allowed beyond public unicast. */
  static strict(): OutboundPolicy {
    return new OutboundPolicy([], new Set());
  }

  /**
   * Reads `VIGIL_OUTBOUND_ALLOW`: comma-separated CIDRs (`127.0.0.1/32`, `10.0.0.0/8`), single
   * addresses, or host names (`hooks.example.com`, exact and case-insensitive). Throws on an
   * entry that is neither, so a typo does not silently widen or narrow the policy.
   */
  static fromEnv(value: string | undefined): OutboundPolicy {
    const cidrs: Cidr[] = [];
    const hosts = new Set<string>();
    for (const raw of (value ?? '').split(',')) {
      const entry = raw.trim();
      if (!entry) continue;
      if (entry.includes('/')) {
        let cidr: Cidr;
        try {
          cidr = ipaddr.parseCIDR(entry);
        } catch {
          throw new Error(`VIGIL_OUTBOUND_ALLOW: ${JSON.stringify(entry)} is not a valid CIDR`);
        }
        const [addr, bits] = cidr;
        // An IPv4-mapped CIDR means the IPv4 range it maps.
        if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
          cidrs.push([(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]);
        } else cidrs.push(cidr);
        continue;
      }
      const addr = parseAddress(entry);
      if (addr) {
        const c = canonical(addr);
        cidrs.push([c, c.kind() === 'ipv4' ? 32 : 128]);
        continue;
      }
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) {
        throw new Error(`VIGIL_OUTBOUND_ALLOW: ${JSON.stringify(entry)} is neither a host name nor a CIDR`);
      }
      hosts.add(entry.toLowerCase().replace(/\.$/, ''));
    }
    return new OutboundPolicy(cidrs, hosts);
  }

  /** True when the operator allowed this host name outright (any address it resolves to). */
  isHostAllowed(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, ''));
  }

  /**
   * Decides for one resolved address. `hostname`, when given, is the name the address came
   * from: an allowed host name lets any of its addresses through.
   */
  check(address: string, hostname?: string): PolicyDecision {
    const parsed = parseAddress(address);
    if (!parsed) return { allowed: false, reason: `${JSON.stringify(address)} is not an IP address` };
    if (hostname !== undefined && this.isHostAllowed(hostname)) return { allowed: true, reason: `host ${hostname} is allowed` };
    const addr = canonical(parsed);
    for (const [net, bits] of this.cidrs) {
      if (net.kind() === addr.kind() && addr.match([net, bits] as never)) {
        return { allowed: true, reason: `${addr.toString()} is in allowed ${net.toString()}/${bits}` };
      }
    }
    const range = addr.range();
    if (range === 'unicast') return { allowed: true, reason: `${addr.toString()} is public unicast` };
    return { allowed: false, reason: `${parsed.toString()} is a ${range} address` };
  }
}
