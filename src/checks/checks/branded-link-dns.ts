import { isIP } from 'node:net';

import { defineCheck, type CheckContext, type Finding } from '../check.ts';
import { registrableDomain } from '../domain.ts';
import { followCnames, type DnsFailure } from '../net/dns.ts';

const FAILURE_CODES = {
  nxdomain: 'nxdomain',
  nodata: 'nxdomain',
  timeout: 'dns_timeout',
  servfail: 'dns_servfail',
} as const;

/**
 * Step 2: the branded link's DNS. A CNAME chain that reaches the tracking host
 * passes, and so does a flattened record whose addresses are the tracking
 * host's own. A name with no visible CNAME whose addresses belong to a known
 * CDN is proxied, which is fine: the HTTPS probe verifies it instead. Every
 * address is vetted here, once, and only vetted addresses reach the checks
 * that connect.
 */
export default defineCheck({
  id: 'branded-link-dns',
  step: 'branded-link',
  needs: [],
  async run(context) {
    const { dns, domain, env, signal, limits } = context;
    const expected = env.TRACKING_CNAME_TARGET;
    // Both questions at once: one round trip instead of two on the common path.
    const [found, addresses] = await Promise.all([
      followCnames(dns, domain, { maxHops: limits.maxCnameHops, stopAt: expected, signal }),
      dns.addresses(domain, { signal }),
    ]);
    if (!found.ok) {
      if (found.failure === 'nxdomain' && (await isDoubled(context))) return doubled(context);
      return dnsFailure(found.failure, found.chain.at(-1)!, domain, expected);
    }
    const { chain } = found;
    const aliased = chain.length > 1;
    // A looping or endless chain leads nowhere, whatever the resolver makes of the addresses.
    if (found.end === 'loop' || found.end === 'too_long') {
      return {
        code: 'cname_wrong_target',
        evidence: {
          target: chain[1],
          chain,
          endsAt: chain.at(-1),
          chainProblem: found.end,
          expected,
          record: recordFor(domain, expected),
        },
      };
    }

    if (!addresses.ok) {
      if (aliased) return dnsFailure(addresses.failure, chain.at(-1)!, domain, expected, chain);
      if (await isDoubled(context)) return doubled(context);
      return addresses.failure === 'nodata'
        ? { code: 'cname_missing', evidence: { addresses: [], record: recordFor(domain, expected) } }
        : dnsFailure(addresses.failure, domain, domain, expected);
    }

    // Every address is vetted, however many there are: one refused address is enough to stop.
    const verdicts = addresses.records.map((address) => context.policy.check(address));
    const refused = verdicts.filter((verdict) => !verdict.allowed).map((verdict) => verdict.address);
    if (refused.length > 0)
      return { code: 'address_not_public', evidence: { addresses: addresses.records.slice(0, 32), refused } };
    const vetted = bothFamilies([...new Set(verdicts.map((verdict) => verdict.address))], limits.maxAddresses);
    const chainEvidence = chain.length > 2 ? { chain } : {};

    if (found.end === 'stopped') {
      return {
        code: 'cname_ok',
        evidence: { target: expected, ...chainEvidence, addresses: vetted },
        dnsFacts: { route: 'direct', addresses: vetted, cnameChain: chain },
      };
    }

    const target = aliased ? chain[1] : undefined;
    const cdn = vetted.map((address) => context.cdn.providerOf(address)).find(Boolean);
    if (cdn && vetted.every((address) => context.cdn.providerOf(address)?.id === cdn.id)) {
      return {
        code: 'proxied',
        evidence: {
          cdn: cdn.name,
          cdnId: cdn.id,
          ...(target ? { target } : {}),
          addresses: vetted,
          rangesUpdated: context.cdn.updated,
        },
        dnsFacts: { route: 'proxied', addresses: vetted, cdn },
      };
    }
    if (target)
      return {
        code: 'cname_wrong_target',
        evidence: {
          target,
          chain,
          endsAt: chain.at(-1),
          expected,
          addresses: vetted,
          record: recordFor(domain, expected),
        },
      };

    // A flattened CNAME: the provider answers with the target's own addresses.
    if (await isFlattened(context, vetted)) {
      return {
        code: 'cname_ok',
        evidence: { target: expected, flattened: true, addresses: vetted },
        dnsFacts: { route: 'direct', addresses: vetted },
      };
    }
    if (await isDoubled(context)) return doubled(context);
    return {
      code: 'cname_missing',
      evidence: { addresses: vetted, expected, record: recordFor(domain, expected) },
    };
  },
});

/** At most `limit` addresses, IPv4 and IPv6 taking turns, so both families are checked. */
function bothFamilies(addresses: string[], limit: number): string[] {
  const v4 = addresses.filter((address) => isIP(address) === 4);
  const v6 = addresses.filter((address) => isIP(address) === 6);
  const picked: string[] = [];
  for (let index = 0; picked.length < limit && index < Math.max(v4.length, v6.length); index++) {
    for (const family of [v4, v6]) if (family[index] && picked.length < limit) picked.push(family[index]!);
  }
  return picked;
}

/** True when every address of the domain is one of the tracking host's own. */
async function isFlattened({ dns, env, signal }: CheckContext, addresses: string[]): Promise<boolean> {
  const tracking = await dns.addresses(env.TRACKING_CNAME_TARGET, { signal });
  if (!tracking.ok || addresses.length === 0) return false;
  const own = new Set(tracking.records.map((address) => address.toLowerCase()));
  return addresses.every((address) => own.has(address.toLowerCase()));
}

function dnsFailure(failure: DnsFailure, name: string, domain: string, target: string, chain?: string[]): Finding {
  const code = FAILURE_CODES[failure];
  return {
    code,
    evidence: {
      name,
      ...(chain && chain.length > 1 ? { chain } : {}),
      ...(code === 'nxdomain' ? { record: recordFor(domain, target) } : {}),
    },
  };
}

/** The record that fixes the branded link: the label to type in the provider's form, in its zone. */
function recordFor(domain: string, target: string) {
  const zone = registrableDomain(domain);
  return {
    name: domain,
    label: domain === zone ? '@' : domain.slice(0, -(zone.length + 1)),
    zone,
    type: 'CNAME',
    target,
  };
}

/** The name a DNS form creates when the full name is typed where the label belongs. */
function doubledName(domain: string): string {
  return `${domain}.${registrableDomain(domain)}`;
}

async function isDoubled({ dns, domain, signal }: CheckContext): Promise<boolean> {
  const answer = await dns.cname(doubledName(domain), { signal });
  return answer.ok && answer.records.length > 0;
}

function doubled({ domain, env }: CheckContext): Finding {
  return {
    code: 'doubled_name',
    evidence: {
      found: doubledName(domain),
      expected: domain,
      target: env.TRACKING_CNAME_TARGET,
      record: recordFor(domain, env.TRACKING_CNAME_TARGET),
    },
  };
}
