import { createSecureContext } from 'node:tls';

import { DEFAULT_LIMITS, type CheckContext } from '../../src/checks/check.ts';
import { parseChecksEnv } from '../../src/checks/config.ts';
import { createAddressPolicy } from '../../src/checks/net/addresses.ts';
import { loadCdnRanges } from '../../src/checks/net/cdn-ranges.ts';
import type { CaaRecord, DnsAnswer, DnsClient, DnsFailure } from '../../src/checks/net/dns.ts';

/** What a fake zone holds for one name. A failure string makes every query on the name fail that way. */
export interface FakeName {
  cname?: string;
  addresses?: string[];
  caa?: CaaRecord[];
  fails?: DnsFailure;
}

const answer = <T>(records: T[] | undefined, exists: boolean): DnsAnswer<T> =>
  records && records.length > 0
    ? { ok: true, records }
    : { ok: false, failure: exists ? 'nodata' : 'nxdomain', detail: exists ? 'ENODATA' : 'ENOTFOUND' };

/** A DNS client answering from a table, following CNAMEs for addresses as a resolver would. */
export function fakeDns(zone: Record<string, FakeName>): DnsClient & { queries: string[] } {
  const queries: string[] = [];
  const lookup = (name: string) => zone[name];
  const failing = (name: string): DnsAnswer<never> | undefined => {
    const failure = lookup(name)?.fails;
    return failure ? { ok: false, failure, detail: failure } : undefined;
  };
  return {
    queries,
    async cname(name) {
      queries.push(`CNAME ${name}`);
      return failing(name) ?? answer(lookup(name)?.cname ? [lookup(name)!.cname!] : undefined, name in zone);
    },
    async addresses(name) {
      queries.push(`A ${name}`);
      // Follows the CNAME chain as a resolver does, a bounded number of hops.
      let entry = lookup(name);
      for (let hops = 0; entry && !entry.addresses && entry.cname && hops < 8; hops++)
        entry = lookup(entry.cname.replace(/\.$/, ''));
      return failing(name) ?? answer(entry?.addresses, name in zone);
    },
    async caa(name) {
      queries.push(`CAA ${name}`);
      return failing(name) ?? answer(lookup(name)?.caa, name in zone);
    },
  };
}

/** A check context on fakes; nothing in it touches the network. */
export function fakeContext(
  domain: string,
  zone: Record<string, FakeName>,
  overrides: Partial<CheckContext> = {},
): CheckContext {
  return {
    domain,
    env: parseChecksEnv({}),
    dns: fakeDns(zone),
    policy: createAddressPolicy(),
    cdn: loadCdnRanges(),
    trust: createSecureContext(),
    limits: DEFAULT_LIMITS,
    signal: new AbortController().signal,
    userAgent: 'test',
    now: () => new Date('2026-11-22T12:00:00Z'),
    ...overrides,
  };
}
