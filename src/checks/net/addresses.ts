import { BlockList, isIP } from 'node:net';

import ipaddr from 'ipaddr.js';

/**
 * IANA's IPv4 special-purpose address registry, plus multicast and the limited
 * broadcast address. None of these is a place a public branded link may point.
 */
const SPECIAL_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '255.255.255.255/32',
];

/**
 * IANA's IPv6 special-purpose registry and multicast. Only global unicast
 * (2000::/3) is accepted at all, so loopback, link-local, unique-local and the
 * IPv4-embedding prefixes are refused; IPv4-mapped addresses are unwrapped first.
 */
const SPECIAL_IPV6 = [
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  '2620:4f:8000::/48',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/** Whether an address may be connected to; `address` is the address as judged (IPv4-mapped ones unwrapped). */
export interface AddressVerdict {
  allowed: boolean;
  address: string;
}

/** Decides which resolved addresses the checks may connect to. */
export interface AddressPolicy {
  /** Judges one address; IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry. */
  check(address: string): AddressVerdict;
}

function addCidr(list: BlockList, cidr: string): void {
  const [network, bits] = cidr.split('/') as [string, string];
  list.addSubnet(network, Number(bits), isIP(network) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The policy for outbound connections: every special-purpose address is
 * refused, except inside `allowedNetworks` (for labs and tests on loopback).
 */
export function createAddressPolicy(allowedNetworks: readonly string[] = []): AddressPolicy {
  const refused = new BlockList();
  for (const cidr of [...SPECIAL_IPV4, ...SPECIAL_IPV6]) addCidr(refused, cidr);
  const globalUnicast = new BlockList();
  globalUnicast.addSubnet('2000::', 3, 'ipv6');
  const allowed = new BlockList();
  for (const cidr of allowedNetworks) addCidr(allowed, cidr);

  return {
    check(input) {
      const address = unwrapMappedIpv4(input);
      const family = isIP(address);
      if (family === 0) return { allowed: false, address };
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (allowed.check(address, type)) return { allowed: true, address };
      const isPublic = (type === 'ipv4' || globalUnicast.check(address, type)) && !refused.check(address, type);
      return { allowed: isPublic, address };
    },
  };
}

/** `::ffff:127.0.0.1` and `::ffff:7f00:1` become `127.0.0.1`; other addresses come back in canonical form. */
export function unwrapMappedIpv4(address: string): string {
  const bare = address.replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.process(bare).toString() : address;
}
