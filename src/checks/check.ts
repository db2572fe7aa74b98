import type { SecureContext, TLSSocket } from 'node:tls';

import type { Account } from '../accounts/directory.ts';
import type { ChecksEnv } from './config.ts';
import type { FindingCode } from './findings.ts';
import type { AddressPolicy } from './net/addresses.ts';
import type { CdnMatcher, CdnProvider } from './net/cdn-ranges.ts';
import type { DnsClient } from './net/dns.ts';
import type { StepId } from './steps.ts';
import type { CheckId, CheckStatus, Evidence, Route } from './types.ts';

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
  /** Addresses the certificate check and the probe connect to (every address is vetted). */
  maxAddresses: number;
  maxRedirects: number;
  /** CNAME records followed before a chain counts as too long. */
  maxCnameHops: number;
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
  maxAddresses: 6,
  maxRedirects: 10,
  maxCnameHops: 8,
};

/** What the DNS check learns and later checks build on. */
export interface DnsFacts {
  route: Route;
  /** Resolved addresses that passed the address policy: the only ones any check connects to. */
  addresses: string[];
  cdn?: CdnProvider;
  /** The branded link's CNAME chain, the domain first, when it has one. */
  cnameChain?: string[];
}

/**
 * A verified TLS connection the certificate check leaves open, so the probe's
 * first request reuses it instead of shaking hands with the server again.
 */
export interface OpenConnection {
  address: string;
  socket: TLSSocket;
}

/** Everything a check may use. Checks get their network access from here, never on their own. */
export interface CheckContext {
  domain: string;
  env: ChecksEnv;
  dns: DnsClient;
  policy: AddressPolicy;
  cdn: CdnMatcher;
  /** TLS settings with the authorities to trust: Node's roots plus `CHECKS_EXTRA_CA_FILE`. */
  trust: SecureContext;
  limits: Limits;
  signal: AbortSignal;
  userAgent: string;
  now(): Date;
  /** Set once the DNS check has run; checks that need it list it in `needs`. */
  dnsFacts?: DnsFacts;
  /** Set by the certificate check when the certificate passed; closed when the report ends. */
  connection?: OpenConnection;
  /** The reader's account, for the reader stage; absent when the reader is signed out. */
  account?: Account;
}

/** A check's verdict: a code and its evidence, plus facts for the checks that depend on it. */
export interface Finding {
  code: FindingCode;
  evidence?: Evidence;
  dnsFacts?: DnsFacts;
  connection?: OpenConnection;
}

/** A finished check as a later check sees it. */
export interface NeededResult {
  id: CheckId;
  step: StepId;
  status: CheckStatus;
  code: FindingCode;
}

/**
 * One diagnostic: a small unit with a stable id, the step it verifies and the checks it builds on.
 * Network checks run once per domain and are shared by every reader; reader checks read the
 * reader's account and run per reader, over the network checks' results.
 */
export interface Check {
  id: CheckId;
  step: StepId;
  /** Checks that must finish, and not fail, before this one runs. */
  needs: readonly CheckId[];
  /** Runs even when a needed check fails: its verdict is about the others' results (e.g. "ready to turn on"). */
  judgesNeeds?: boolean;
  /** `needed` holds the results of the checks in `needs`, in that order. */
  run(context: CheckContext, needed?: readonly NeededResult[]): Promise<Finding>;
}

/** A helper for check files: declares a check with its type checked. */
export function defineCheck(check: Check): Check {
  return check;
}
