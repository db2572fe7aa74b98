import type { ChecksEnv } from './config.ts';
import type { FindingCode } from './findings.ts';
import type { AddressPolicy } from './net/addresses.ts';
import type { CdnMatcher, CdnProvider } from './net/cdn-ranges.ts';
import type { DnsClient } from './net/dns.ts';
import type { StepId } from './steps.ts';
import type { CheckId, Evidence, Route } from './types.ts';

/** Time and size limits: every network phase has a deadline, and so has the whole report. */
export interface Limits {
  dnsTimeoutMs: number;
  dnsTries: number;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  reportTimeoutMs: number;
  maxBodyBytes: number;
  maxAddresses: number;
  maxRedirects: number;
}

/** The limits used unless a caller (a test, a lab) sets others. */
export const DEFAULT_LIMITS: Limits = {
  dnsTimeoutMs: 2_000,
  dnsTries: 2,
  connectTimeoutMs: 3_000,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  bodyTimeoutMs: 3_000,
  reportTimeoutMs: 20_000,
  maxBodyBytes: 16 * 1024,
  maxAddresses: 4,
  maxRedirects: 10,
};

/** What the DNS check learns and later checks build on. */
export interface DnsFacts {
  route: Route;
  /** Resolved addresses that passed the address policy: the only ones any check connects to. */
  addresses: string[];
  cdn?: CdnProvider;
}

/** Everything a check may use. Checks get their network access from here, never on their own. */
export interface CheckContext {
  domain: string;
  env: ChecksEnv;
  dns: DnsClient;
  policy: AddressPolicy;
  cdn: CdnMatcher;
  /** Certificate authorities to trust: the system's plus `CHECKS_EXTRA_CA_FILE`. */
  ca: readonly string[];
  limits: Limits;
  signal: AbortSignal;
  userAgent: string;
  now(): Date;
  /** Set once the DNS check has run; checks that need it list it in `needs`. */
  dnsFacts?: DnsFacts;
}

/** A check's verdict: a code and its evidence, plus facts for the checks that depend on it. */
export interface Finding {
  code: FindingCode;
  evidence?: Evidence;
  dnsFacts?: DnsFacts;
}

/** One diagnostic: a small unit with a stable id, the step it verifies and the checks it builds on. */
export interface Check {
  id: CheckId;
  step: StepId;
  /** Checks that must finish, and not fail, before this one runs. */
  needs: readonly CheckId[];
  run(context: CheckContext): Promise<Finding>;
}

/** A helper for check files: declares a check with its type checked. */
export function defineCheck(check: Check): Check {
  return check;
}
