/** Where the platform's managed certificate for a branded link domain stands. */
export const CERTIFICATE_STATES = ['pending_validation', 'issuing', 'active', 'renewal_failed', 'expired'] as const;

/** One managed certificate state. */
export type CertificateState = (typeof CERTIFICATE_STATES)[number];

/**
 * Why the platform's issuer could not (re)issue a certificate, and whose move it
 * is: the reader's setup (CAA blocks the CA, the name is proxied, the CNAME
 * changed) or the platform's own side (the issuer failed or limited us).
 */
export const CERTIFICATE_FAILURES = {
  caa_blocks: { side: 'reader', fix: 'caa_blocks_issuer' },
  proxied: { side: 'reader', fix: 'cname_wrong_target' },
  dns_changed: { side: 'reader', fix: 'cname_wrong_target' },
  issuer_error: { side: 'platform' },
  issuer_rate_limited: { side: 'platform' },
} as const satisfies Record<string, { side: 'reader' | 'platform'; fix?: string }>;

/** One reason code of `CERTIFICATE_FAILURES`. */
export type CertificateFailure = keyof typeof CERTIFICATE_FAILURES;

/** The managed certificate of one branded link domain, as the platform reports it. */
export interface ManagedCertificate {
  state: CertificateState;
  /** When the current certificate expires (ISO 8601), once one was issued. */
  notAfter?: string;
  /** For `renewal_failed` and `expired`: why the last attempt failed. */
  failure?: CertificateFailure;
  /** The issuer's own words about the failure, shown as evidence. */
  detail?: string;
}

/** A branded link domain of an account, whether its tracked links use HTTPS, and its managed certificate. */
export interface BrandedDomain {
  domain: string;
  https: boolean;
  /** Absent when the platform manages no certificate for it (e.g. the reader's CDN serves one). */
  certificate?: ManagedCertificate;
}

/** What the guide needs to know about the signed-in reader's account. */
export interface Account {
  id: string;
  name: string;
  clickTracking: boolean;
  domains: BrandedDomain[];
}

/** One recorded change: who, when, what, and the evidence it rested on. */
export interface AuditEntry {
  at: string;
  accountId: string;
  actor: string;
  action: 'click_tracking_on' | 'click_tracking_off' | 'https_on' | 'https_off' | 'certificate_retry';
  target: string | null;
  evidence: unknown;
}

/** A change request; `actor` names who asked (e.g. `reader:<session>`), `evidence` what justified it. */
export interface ChangeRequest {
  accountId: string;
  actor: string;
  evidence: unknown;
}

/**
 * Where account data lives: the embedded SQLite store, or the email platform's
 * own account API. Changes are durable when the promise resolves, idempotent,
 * and each one that changes something is written to the audit log.
 */
export interface AccountDirectory {
  getAccount(accountId: string): Promise<Account | undefined>;
  /** Sets click tracking; resolves to whether anything changed. */
  setClickTracking(change: ChangeRequest & { enabled: boolean }): Promise<boolean>;
  /** Sets HTTPS for one of the account's domains; resolves to whether anything changed. Throws when the domain is not the account's. */
  setHttps(change: ChangeRequest & { domain: string; enabled: boolean }): Promise<boolean>;
  /**
   * Asks the platform to issue the domain's managed certificate again after a
   * failure on its own side; resolves to whether a new attempt was queued
   * (false when the certificate is not in a state that retries). Throws when the
   * domain is not the account's.
   */
  retryCertificate(change: ChangeRequest & { domain: string }): Promise<boolean>;
  auditLog(accountId: string, limit?: number): Promise<AuditEntry[]>;
}

/** The error when an account asks to change a domain that is not its own. */
export class DomainNotInAccountError extends Error {
  constructor(domain: string) {
    super(`${domain} is not a branded link domain of this account`);
    this.name = 'DomainNotInAccountError';
  }
}

/** Whether a certificate in this state may be retried by the reader: a failure on the platform's own side. */
export function retriable(certificate: ManagedCertificate | undefined): boolean {
  if (!certificate || (certificate.state !== 'renewal_failed' && certificate.state !== 'expired')) return false;
  return CERTIFICATE_FAILURES[certificate.failure ?? 'issuer_error'].side === 'platform';
}
