import { defineCheck, type CheckContext, type Finding } from '../check.ts';
import { registrableDomain } from '../domain.ts';
import type { DnsFailure } from '../net/dns.ts';

const FAILURE_CODES = {
  nxdomain: 'nxdomain',
  nodata: 'nxdomain',
  timeout: 'dns_timeout',
  servfail: 'dns_servfail',
} as const;

const withoutDot = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Step 2: the branded link's DNS. A CNAME to the tracking host passes. A name
 * with no visible CNAME whose addresses belong to a known CDN is proxied, which
 * is fine: the HTTPS probe verifies it instead. Every address is vetted here,
 * once, and only vetted addresses reach the checks that connect.
 */
export default defineCheck({
  id: 'branded-link-dns',
  step: 'branded-link',
  needs: [],
  async run(context) {
    const { dns, domain, env } = context;
    // Both questions at once: one round trip instead of two on the common path.
    const [cname, addresses] = await Promise.all([dns.cname(domain), dns.addresses(domain)]);
    if (!cname.ok && cname.failure !== 'nodata') {
      if (cname.failure === 'nxdomain' && (await isDoubled(context))) return doubled(context);
      return dnsFailure(cname.failure, domain, domain, env.TRACKING_CNAME_TARGET);
    }

    if (!addresses.ok) {
      if (cname.ok) return dnsFailure(addresses.failure, cname.records[0] ?? domain, domain, env.TRACKING_CNAME_TARGET);
      if (await isDoubled(context)) return doubled(context);
      return addresses.failure === 'nodata'
        ? { code: 'cname_missing', evidence: { addresses: [], record: recordFor(domain, env.TRACKING_CNAME_TARGET) } }
        : dnsFailure(addresses.failure, domain, domain, env.TRACKING_CNAME_TARGET);
    }

    const found = addresses.records.slice(0, 16);
    const verdicts = found.map((address) => context.policy.check(address));
    const refused = verdicts.filter((verdict) => !verdict.allowed).map((verdict) => verdict.address);
    if (refused.length > 0) return { code: 'address_not_public', evidence: { addresses: found, refused } };
    const vetted = [...new Set(verdicts.map((verdict) => verdict.address))].slice(0, context.limits.maxAddresses);

    const target = cname.ok ? withoutDot(cname.records[0] ?? '') : undefined;
    if (target === env.TRACKING_CNAME_TARGET) {
      return {
        code: 'cname_ok',
        evidence: { target, addresses: vetted },
        dnsFacts: { route: 'direct', addresses: vetted },
      };
    }

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
          expected: env.TRACKING_CNAME_TARGET,
          addresses: vetted,
          record: recordFor(domain, env.TRACKING_CNAME_TARGET),
        },
      };
    if (await isDoubled(context)) return doubled(context);
    return {
      code: 'cname_missing',
      evidence: {
        addresses: vetted,
        expected: env.TRACKING_CNAME_TARGET,
        record: recordFor(domain, env.TRACKING_CNAME_TARGET),
      },
    };
  },
});

function dnsFailure(failure: DnsFailure, name: string, domain: string, target: string): Finding {
  const code = FAILURE_CODES[failure];
  return { code, evidence: { name, ...(code === 'nxdomain' ? { record: recordFor(domain, target) } : {}) } };
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

async function isDoubled({ dns, domain }: CheckContext): Promise<boolean> {
  const answer = await dns.cname(doubledName(domain));
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
