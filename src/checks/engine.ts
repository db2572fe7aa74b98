import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';

import { DEFAULT_LIMITS, type Check, type CheckContext, type Limits } from './check.ts';
import { NETWORK_CHECKS, READER_CHECKS } from './checks/index.ts';
import type { ChecksEnv } from './config.ts';
import { docsAnchor } from './findings.ts';
import { createAddressPolicy } from './net/addresses.ts';
import { loadCdnRanges } from './net/cdn-ranges.ts';
import { createDnsClient } from './net/dns.ts';
import { runChecks, type RunResult } from './runner.ts';
import type { Account } from '../accounts/directory.ts';
import { CHECK_IDS, type CheckId, type CheckResult, type Report } from './types.ts';

/** How to build a checker. */
export interface CheckerOptions {
  env: ChecksEnv;
  /** The canonical guide URL; each result links to its fragment there. */
  guideUrl: string;
  limits?: Partial<Limits>;
  /** The network checks to run (all of them unless a test narrows them). */
  checks?: readonly Check[];
  now?: () => Date;
}

/** Runs every check for a domain. Reusable and safe to share: each run has its own deadline. */
export interface Checker {
  /** The ids of the network checks `check` runs. */
  readonly networkChecks: readonly CheckId[];
  /**
   * The network checks of an already validated, normalised domain: the part of
   * a report every reader shares. `onResult` hears each check as it finishes.
   */
  check(domain: string, options?: { signal?: AbortSignal; onResult?: (result: CheckResult) => void }): Promise<Report>;
  /**
   * The reader checks (the account's steps) for one reader, over network results
   * that may still be landing. `account` is absent for a signed-out reader.
   */
  checkReader(
    domain: string,
    account: Account | undefined,
    network: ReadonlyMap<CheckId, Promise<CheckResult>>,
    onResult?: (result: CheckResult) => void,
  ): Promise<CheckResult[]>;
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
  const checks = options.checks ?? NETWORK_CHECKS;
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

  const contextFor = (domain: string, signal: AbortSignal, account?: Account): CheckContext => ({
    domain,
    env,
    dns,
    policy,
    cdn,
    trust,
    limits,
    signal,
    userAgent: USER_AGENT,
    now,
    account,
  });

  return {
    networkChecks: checks.map((check) => check.id),

    async checkReader(domain, account, network, onResult) {
      const context = contextFor(domain, AbortSignal.timeout(limits.reportTimeoutMs), account);
      const results = await runChecks(READER_CHECKS, context, (result) => onResult?.(withDocs(result)), network);
      return results.map(withDocs);
    },

    async check(domain, { signal, onResult } = {}) {
      const started = performance.now();
      const checkedAt = now().toISOString();
      const deadline = AbortSignal.timeout(limits.reportTimeoutMs);
      const context = contextFor(domain, signal ? AbortSignal.any([signal, deadline]) : deadline);
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

/** A report with the reader's results in their place among the network results. */
export function composeReport(network: Report, reader: readonly CheckResult[]): Report {
  const order = (result: CheckResult) => CHECK_IDS.indexOf(result.id);
  return { ...network, checks: [...network.checks, ...reader].sort((a, b) => order(a) - order(b)) };
}

/** The whole report for a signed-out reader, in one call (the CLI's view). */
export async function checkSignedOut(checker: Checker, domain: string): Promise<Report> {
  const network = await checker.check(domain);
  const landed = new Map(network.checks.map((result) => [result.id, Promise.resolve(result)] as const));
  return composeReport(network, await checker.checkReader(domain, undefined, landed));
}
