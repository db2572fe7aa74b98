import { isIP } from 'node:net';

import { worstOfAddresses } from '../by-address.ts';
import { defineCheck, type CheckContext, type Finding } from '../check.ts';
import { parseDomainInput } from '../domain.ts';
import { fetchOnce } from '../net/http.ts';

const REDIRECTS = new Set([301, 302, 307, 308]);
/** Cloudflare's "SSL handshake failed" and "invalid SSL certificate" between it and the origin. */
const CDN_ORIGIN_SSL_ERRORS = new Set([525, 526]);

/**
 * Step 3: proves the whole path works by asking the branded link domain for the
 * probe path over HTTPS and expecting the tracking service's header. This is
 * how a proxied domain, whose CNAME is hidden, is verified. Redirects are
 * followed by hand: each hop is checked, resolved and vetted again.
 */
export default defineCheck({
  id: 'https-probe',
  step: 'tls',
  needs: ['branded-link-dns', 'certificate'],
  async run(context) {
    const addresses = context.dnsFacts?.addresses ?? [];
    if (addresses.length === 0) return { code: 'prerequisite_failed', evidence: { check: 'branded-link-dns' } };
    // Every address at once: readers reach any of them, so each must reach the tracking service.
    const findings = await Promise.all(
      addresses.map(async (address) => ({ address, evidence: {}, ...(await probeFrom(context, address)) })),
    );
    return worstOfAddresses(findings);
  },
});

/** The probe through one of the domain's addresses, following redirects (each hop resolved and vetted afresh). */
async function probeFrom(context: CheckContext, firstAddress: string): Promise<Finding> {
  const { env, limits, signal } = context;
  let url = new URL(
    `https://${context.domain}${env.CHECKS_HTTPS_PORT === 443 ? '' : `:${env.CHECKS_HTTPS_PORT}`}${env.TRACKING_PROBE_PATH}`,
  );
  let addresses = [firstAddress];
  const visited = new Set<string>();
  const hops: string[] = [];
  const outOfTime = (): Finding => ({
    code: 'probe_timeout',
    evidence: { url: url.href, detail: 'the report ran out of time', redirects: hops.length },
  });

  for (;;) {
    // Every hop checks the deadline before it starts: a paced chain ends when the report does.
    if (signal.aborted) return outOfTime();
    if (visited.has(url.href)) return { code: 'redirect_loop', evidence: { url: url.href, hops } };
    visited.add(url.href);
    const address = addresses[0];
    if (!address) return { code: 'prerequisite_failed', evidence: { check: 'branded-link-dns' } };

    const response = await fetchOnce({
      url,
      address,
      trust: context.trust,
      userAgent: context.userAgent,
      connectTimeoutMs: limits.connectTimeoutMs,
      headersTimeoutMs: limits.headersTimeoutMs,
      bodyTimeoutMs: limits.bodyTimeoutMs,
      maxBodyBytes: limits.maxBodyBytes,
      signal,
      // The first hop goes over the certificate check's connection to the same address.
      socket: hops.length === 0 && context.connection?.address === address ? context.connection.socket : undefined,
    });
    if (!response.ok) {
      if (response.failure === 'timeout')
        return { code: 'probe_timeout', evidence: { url: url.href, detail: response.detail } };
      if (response.failure === 'too_large')
        return { code: 'response_too_large', evidence: { url: url.href, limitBytes: limits.maxBodyBytes } };
      return {
        code: 'probe_http_error',
        evidence: { url: url.href, status: null, error: response.failure, detail: response.detail },
      };
    }

    const { status, headers } = response;
    const location = headers['location'];
    if (REDIRECTS.has(status) && location) {
      hops.push(url.href);
      if (hops.length > limits.maxRedirects)
        return {
          code: 'too_many_redirects',
          evidence: { limit: limits.maxRedirects, hops: hops.length, url: url.href },
        };
      const next = await nextHop(context, url, location);
      if (signal.aborted) return outOfTime();
      if ('code' in next) return next;
      ({ url, addresses } = next);
      continue;
    }
    if (CDN_ORIGIN_SSL_ERRORS.has(status))
      return { code: 'cdn_origin_ssl_error', evidence: { url: url.href, status, server: headers['server'] } };
    if (status < 200 || status > 299)
      return { code: 'probe_http_error', evidence: { url: url.href, status, server: headers['server'] } };

    const service = headers['x-link-tracking-service'];
    if (service !== env.TRACKING_SERVICE_ID) {
      return {
        code: 'probe_wrong_origin',
        evidence: {
          url: url.href,
          status,
          expected: env.TRACKING_SERVICE_ID,
          found: service ?? null,
          server: headers['server'],
        },
      };
    }
    return { code: 'probe_ok', evidence: { url: url.href, status, service, redirects: hops.length } };
  }
}

/** The next hop of a redirect, resolved and vetted afresh, or why it is not followed. */
async function nextHop(
  context: CheckContext,
  from: URL,
  location: string,
): Promise<{ url: URL; addresses: string[] } | Finding> {
  const blocked = (reason: string, to: string): Finding => ({
    code: 'redirect_blocked',
    evidence: { from: from.href, to, reason },
  });
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    return blocked('invalid_location', location.slice(0, 200));
  }
  const { env } = context;
  // Only 443 and 80; labs and tests may stand in other ports for them.
  const allowedPorts: Record<string, number[]> = {
    'https:': [443, env.CHECKS_HTTPS_PORT],
    'http:': [80, env.CHECKS_HTTP_PORT],
  };
  const ports = allowedPorts[url.protocol];
  if (!ports) return blocked('scheme', url.href);
  if (!ports.includes(url.port ? Number(url.port) : ports[0]!)) return blocked('port', url.href);
  if (url.hostname.startsWith('[') || isIP(url.hostname)) return blocked('ip_literal', url.href);
  if (url.username || url.password) return blocked('credentials', url.href);
  const host = parseDomainInput(url.hostname);
  if (!host.ok) return blocked('invalid_host', url.href);

  const answer = await context.dns.addresses(host.domain, { signal: context.signal });
  if (!answer.ok) return blocked(`dns_${answer.failure}`, url.href);
  const verdicts = answer.records.map((address) => context.policy.check(address));
  if (verdicts.some((verdict) => !verdict.allowed)) return blocked('address_not_public', url.href);
  return { url, addresses: verdicts.map((verdict) => verdict.address).slice(0, context.limits.maxAddresses) };
}
