import ipaddr from 'ipaddr.js';

import type { TrustProxy } from './config.ts';

/** Who sent a request and how it reached the public origin, as far as the trusted proxies say. */
export interface ClientOrigin {
  /** The client's address (IPv4-mapped IPv6 addresses unwrapped). */
  address: string;
  /** `https` when a trusted proxy says the client used it, else the scheme of the connection. */
  scheme: 'http' | 'https';
}

/** Reads one request header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

/** The addresses an `X-Forwarded-For` or RFC 7239 `Forwarded` header lists, left (client) to right. */
function forwardedChain(header: HeaderReader): (string | undefined)[] {
  const xff = header('x-forwarded-for');
  if (xff) return xff.split(',').map((entry) => normalise(entry.trim()));
  const forwarded = header('forwarded');
  if (!forwarded) return [];
  return forwarded.split(',').map((element) => {
    const pair = element
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.toLowerCase().startsWith('for='));
    return pair
      ? normalise(
          pair
            .slice(4)
            .replace(/^"|"$/g, '')
            .replace(/^\[([^\]]+)\](?::\d+)?$/, '$1'),
        )
      : undefined;
  });
}

/** An address in canonical form, or undefined when it is not an address (`unknown`, garbage, a port suffix…). */
function normalise(value: string): string | undefined {
  const bare = /^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(value) ? value.slice(0, value.lastIndexOf(':')) : value;
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare).toString();
}

/** Whether `address` lies in one of the trusted networks. */
function inNetworks(address: string, networks: Extract<TrustProxy, { kind: 'networks' }>['networks']): boolean {
  const parsed = ipaddr.parse(address);
  return networks.some(([network, bits]) => parsed.kind() === network.kind() && parsed.match(network, bits));
}

/**
 * The client behind a request. With no trusted proxy, the peer itself, whatever
 * the headers say. With `hops`, the entry that many hops from the right; with
 * networks, the right-most entry that is not one of our proxies. The scheme
 * comes from `X-Forwarded-Proto` only when the peer is trusted.
 */
export function clientOrigin(
  peer: string,
  header: HeaderReader,
  trust: TrustProxy,
  connectionScheme: 'http' | 'https' = 'http',
): ClientOrigin {
  const direct = normalise(peer) ?? peer;
  const trusted =
    trust.kind === 'hops'
      ? trust.hops > 0
      : trust.kind === 'networks' && ipaddr.isValid(direct) && inNetworks(direct, trust.networks);
  if (!trusted) return { address: direct, scheme: connectionScheme };

  // Right to left: the peer, then each address the proxies appended.
  const chain = [direct, ...forwardedChain(header).reverse()];
  let address = direct;
  for (let index = 1; index < chain.length; index += 1) {
    const entry = chain[index];
    // A proxy wrote something that is not an address: believe nothing further left.
    if (!entry) break;
    address = entry;
    const stillOurs =
      trust.kind === 'hops' ? index < trust.hops : trust.kind === 'networks' && inNetworks(entry, trust.networks);
    if (!stillOurs) break;
  }
  const proto = header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return { address, scheme: proto === 'https' || proto === 'http' ? proto : connectionScheme };
}
