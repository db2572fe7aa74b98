import type { DatabaseSync } from 'node:sqlite';

import { inTransaction } from '../storage/database.ts';
import {
  CERTIFICATE_COLUMNS,
  certificateFromRow,
  certificateToRow,
  type CertificateColumns,
} from './certificate-row.ts';
import {
  CERTIFICATE_FAILURES,
  DomainNotInAccountError,
  type Account,
  type AccountDirectory,
  type AuditEntry,
  type ManagedCertificate,
} from './directory.ts';

/** The failure reasons a reader may retry: the platform's own side (SQL list, from the one table). */
export const PLATFORM_FAILURES = Object.entries(CERTIFICATE_FAILURES)
  .filter(([, failure]) => failure.side === 'platform')
  .map(([reason]) => reason);

/** The embedded account directory: accounts, domains and the audit log in the site's SQLite file. */
export function createSqliteDirectory(db: DatabaseSync, now: () => Date = () => new Date()): AccountDirectory {
  const audit = db.prepare(
    'INSERT INTO audit_log (at, account_id, actor, action, target, evidence) VALUES (?, ?, ?, ?, ?, ?)',
  );

  return {
    async getAccount(accountId) {
      const row = db.prepare('SELECT id, name, click_tracking FROM accounts WHERE id = ?').get(accountId) as
        { id: string; name: string; click_tracking: number } | undefined;
      if (!row) return undefined;
      const domains = db
        .prepare(
          `SELECT domain, https, ${CERTIFICATE_COLUMNS} FROM branded_domains WHERE account_id = ? ORDER BY domain`,
        )
        .all(accountId) as unknown as ({ domain: string; https: number } & CertificateColumns)[];
      return {
        id: row.id,
        name: row.name,
        clickTracking: row.click_tracking === 1,
        domains: domains.map((domain) => {
          const certificate = certificateFromRow(domain);
          return { domain: domain.domain, https: domain.https === 1, ...(certificate ? { certificate } : {}) };
        }),
      } satisfies Account;
    },

    async setClickTracking({ accountId, actor, evidence, enabled }) {
      return inTransaction(db, () => {
        // The WHERE clause makes the write idempotent: a second identical request changes nothing.
        const result = db
          .prepare('UPDATE accounts SET click_tracking = ? WHERE id = ? AND click_tracking <> ?')
          .run(Number(enabled), accountId, Number(enabled));
        if (result.changes === 0) return false;
        const action = enabled ? 'click_tracking_on' : 'click_tracking_off';
        audit.run(now().toISOString(), accountId, actor, action, null, JSON.stringify(evidence));
        return true;
      });
    },

    async setHttps({ accountId, actor, evidence, domain, enabled }) {
      return inTransaction(db, () => {
        const owned = db
          .prepare('SELECT 1 FROM branded_domains WHERE account_id = ? AND domain = ?')
          .get(accountId, domain);
        if (!owned) throw new DomainNotInAccountError(domain);
        const result = db
          .prepare('UPDATE branded_domains SET https = ? WHERE account_id = ? AND domain = ? AND https <> ?')
          .run(Number(enabled), accountId, domain, Number(enabled));
        if (result.changes === 0) return false;
        audit.run(
          now().toISOString(),
          accountId,
          actor,
          enabled ? 'https_on' : 'https_off',
          domain,
          JSON.stringify(evidence),
        );
        return true;
      });
    },

    async retryCertificate({ accountId, actor, evidence, domain }) {
      return inTransaction(db, () => {
        const owned = db
          .prepare('SELECT 1 FROM branded_domains WHERE account_id = ? AND domain = ?')
          .get(accountId, domain);
        if (!owned) throw new DomainNotInAccountError(domain);
        // Only a failure on the platform's side is retried; the state guard makes a repeat a no-op.
        const result = db
          .prepare(
            `UPDATE branded_domains SET certificate_state = 'issuing', certificate_failure = NULL, certificate_detail = NULL
             WHERE account_id = ? AND domain = ? AND certificate_state IN ('renewal_failed', 'expired')
             AND COALESCE(certificate_failure, 'issuer_error') IN (${PLATFORM_FAILURES.map(() => '?').join(', ')})`,
          )
          .run(accountId, domain, ...PLATFORM_FAILURES);
        if (result.changes === 0) return false;
        audit.run(now().toISOString(), accountId, actor, 'certificate_retry', domain, JSON.stringify(evidence));
        return true;
      });
    },

    async auditLog(accountId, limit = 50) {
      const rows = db
        .prepare(
          'SELECT at, account_id, actor, action, target, evidence FROM audit_log WHERE account_id = ? ORDER BY id DESC LIMIT ?',
        )
        .all(accountId, limit) as {
        at: string;
        account_id: string;
        actor: string;
        action: AuditEntry['action'];
        target: string | null;
        evidence: string;
      }[];
      return rows.map((row) => ({
        at: row.at,
        accountId: row.account_id,
        actor: row.actor,
        action: row.action,
        target: row.target,
        evidence: JSON.parse(row.evidence) as unknown,
      }));
    },
  };
}

/** A demo domain's managed certificate, its expiry in days from when the demo starts. */
type DemoCertificate = Omit<ManagedCertificate, 'notAfter'> & { notAfterDays?: number };

/** A demo branded link domain: one of the demo lab's domains (tests/lab/scenarios.ts holds them together). */
export interface DemoDomain {
  domain: string;
  certificate?: DemoCertificate;
}

const managed = (
  state: ManagedCertificate['state'],
  notAfterDays?: number,
  failure?: ManagedCertificate['failure'],
  detail?: string,
): DemoCertificate => ({
  state,
  ...(notAfterDays === undefined ? {} : { notAfterDays }),
  ...(failure ? { failure } : {}),
  ...(detail ? { detail } : {}),
});

/**
 * Demo accounts for `npm start` and `npm run demo`, added once (existing rows
 * are kept). They own the demo lab's domains, with a managed certificate in
 * each state, so sign-in to HTTPS on works end to end.
 */
export const DEMO_ACCOUNTS: readonly { id: string; name: string; domains: readonly DemoDomain[] }[] = [
  {
    id: 'acct_demo',
    name: 'Demo Outfitters',
    domains: [
      { domain: 'healthy-direct.lab.example.com', certificate: managed('active', 60) },
      { domain: 'links.example.com' },
      { domain: 'managed-pending.lab.example.com', certificate: managed('pending_validation') },
      { domain: 'managed-issuing.lab.example.com', certificate: managed('issuing') },
      {
        domain: 'managed-renewal-failed.lab.example.com',
        certificate: managed('renewal_failed', 5, 'issuer_error', 'urn:ietf:params:acme:error:serverInternal'),
      },
      {
        domain: 'managed-blocked.lab.example.com',
        certificate: managed('renewal_failed', 20, 'caa_blocks', 'CAA record for lab.example.com prevents issuance'),
      },
      {
        domain: 'managed-expired.lab.example.com',
        certificate: managed('expired', -3, 'issuer_error', 'urn:ietf:params:acme:error:rateLimited'),
      },
    ],
  },
  { id: 'acct_expired', name: 'Expired Certificate Co.', domains: [{ domain: 'cert-expired.lab.example.com' }] },
  { id: 'acct_proxied', name: 'Proxied Goods', domains: [{ domain: 'healthy-proxied.lab.example.com' }] },
];

/** The certificate columns of a demo domain, its expiry counted from `now`. */
export function demoCertificateRow(domain: DemoDomain, now: Date): (string | null)[] {
  const { notAfterDays, ...rest } = domain.certificate ?? {};
  const certificate = domain.certificate
    ? ({
        ...rest,
        ...(notAfterDays === undefined
          ? {}
          : { notAfter: new Date(now.getTime() + notAfterDays * 86_400_000).toISOString() }),
      } as ManagedCertificate)
    : undefined;
  return certificateToRow(certificate);
}

/** Adds the demo accounts that are not there yet. */
export function seedDemoAccounts(db: DatabaseSync, now: Date = new Date()): void {
  inTransaction(db, () => {
    for (const account of DEMO_ACCOUNTS) {
      db.prepare('INSERT OR IGNORE INTO accounts (id, name, click_tracking) VALUES (?, ?, 0)').run(
        account.id,
        account.name,
      );
      for (const domain of account.domains) {
        db.prepare(
          `INSERT OR IGNORE INTO branded_domains (account_id, domain, https, ${CERTIFICATE_COLUMNS}) VALUES (?, ?, 0, ?, ?, ?, ?)`,
        ).run(account.id, domain.domain, ...demoCertificateRow(domain, now));
      }
    }
  });
}
