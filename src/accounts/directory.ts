/** A branded link domain of an account, and whether its tracked links use HTTPS. */
export interface BrandedDomain {
  domain: string;
  https: boolean;
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
  action: 'click_tracking_on' | 'click_tracking_off' | 'https_on' | 'https_off';
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
  auditLog(accountId: string, limit?: number): Promise<AuditEntry[]>;
}

/** The error when an account asks to change a domain that is not its own. */
export class DomainNotInAccountError extends Error {
  constructor(domain: string) {
    super(`${domain} is not a branded link domain of this account`);
    this.name = 'DomainNotInAccountError';
  }
}
