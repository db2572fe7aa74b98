import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';

import { DEFAULT_LIMITS, type Check, type CheckContext, type Limits } from './check.ts';
import { ALL_CHECKS } from './checks/index.ts';
import type { ChecksEnv } from './config.ts';
import { docsAnchor } from './findings.ts';
import { createAddressPolicy } from './net/addresses.ts';
import { loadCdnRanges } from './net/cdn-ranges.ts';
import { createDnsClient } from './net/dns.ts';
import { runChecks, type RunResult } from './runner.ts';
import type { CheckResult, Report } from './types.ts';

/** How to build a checker. */
export interface CheckerOptions {
  env: ChecksEnv;
  /** The canonical guide URL; each result links to its fragment there. */
  guideUrl: string;
  limits?: Partial<Limits>;
  checks?: readonly Check[];
  now?: () => Date;
}

/** Runs every check for a domain. Reusable and safe to share: each run has its own resolver and deadline. */
export interface Checker {
  /** Checks an already validated, normalised domain. `onResult` hears each check as it finishes. */
  check(domain: string, options?: { signal?: AbortSignal; onResult?: (result: CheckResult) => void }): Promise<Report>;
}

/** The User-Agent of every request the checks send, and nothing else identifying. */
export const USER_AGENT = 'TracklightChecks/1.0 (+https link tracking setup checks)';

/** Builds a checker from validated configuration. Reads the CA and CDN files once, here. */
export function createChecker(options: CheckerOptions): Checker {
  const { env } = options;
  const limits = {
    ...DEFAULT_LIMITS,
    dnsTimeoutMs: env.CHECKS_DNS_TIMEOUT_MS,
    dnsTries: env.CHECKS_DNS_TRIES,
    ...options.limits,
  };
  const checks = options.checks ?? ALL_CHECKS;
  const now = options.now ?? (() => new Date());
  const policy = createAddressPolicy(env.CHECKS_ALLOWED_NETWORKS);
  const cdn = loadCdnRanges(env.CHECKS_CDN_RANGES_FILE);
  const ca = [
    ...rootCertificates,
    ...(env.CHECKS_EXTRA_CA_FILE ? [readFileSync(env.CHECKS_EXTRA_CA_FILE, 'utf8')] : []),
  ];
  // Parsing the trust store costs milliseconds: done once here, not on every connection.
  const trust = createSecureContext({ ca, minVersion: 'TLSv1.2' });
  if (env.CHECKS_ALLOWED_NETWORKS.length > 0) {
    console.warn(
      `[checks] CHECKS_ALLOWED_NETWORKS lets the checks connect to ${env.CHECKS_ALLOWED_NETWORKS.join(', ')}. Use it for labs and tests only.`,
    );
  }

  const withDocs = (result: RunResult): CheckResult => ({
    ...result,
    docs: `${options.guideUrl}#${docsAnchor(result.code, result.step)}`,
  });

  // One resolver for every report: its socket is reused. Each lookup has our own
  // fixed budget and tries, and a report that runs out of time stops its lookups.
  const dns = createDnsClient({
    servers: env.CHECKS_DNS_SERVERS,
    timeoutMs: limits.dnsTimeoutMs,
    tries: limits.dnsTries,
  });

  return {
    async check(domain, { signal, onResult } = {}) {
      const started = performance.now();
      const checkedAt = now().toISOString();
      const deadline = AbortSignal.timeout(limits.reportTimeoutMs);
      const context: CheckContext = {
        domain,
        env,
        dns,
        policy,
        cdn,
        trust,
        limits,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        userAgent: USER_AGENT,
        now,
      };
      try {
        const results = await runChecks(checks, context, (result) => onResult?.(withDocs(result)));
        return {
          domain,
          checkedAt,
          durationMs: Math.round(performance.now() - started),
          route: context.dnsFacts?.route ?? 'unknown',
          checks: results.map(withDocs),
        };
      } finally {
        context.connection?.socket.destroy();
      }
    },
  };
}
