import { CERTIFICATE_COLUMNS, certificateFromRow, type CertificateColumns } from '../../accounts/certificate-row.ts';
import { DomainNotInAccountError, type AccountDirectory, type AuditEntry } from '../../accounts/directory.ts';
import { DEMO_ACCOUNTS, PLATFORM_FAILURES, demoCertificateRow } from '../../accounts/sqlite-directory.ts';
import type { PostgresDatabase, Queryable } from './database.ts';

/** The embedded account directory in PostgreSQL: accounts, domains and the audit log, shared by every instance. */
export function createPostgresDirectory(db: PostgresDatabase, now: () => Date = () => new Date()): AccountDirectory {
  const audit = (tx: Queryable, entry: Omit<AuditEntry, 'at'>) =>
    tx.query(
      'INSERT INTO audit_log (at, account_id, actor, action, target, evidence) VALUES ($1, $2, $3, $4, $5, $6)',
      [now().toISOString(), entry.accountId, entry.actor, entry.action, entry.target, JSON.stringify(entry.evidence)],
    );

  return {
    async getAccount(accountId) {
      const account = await db.query<{ id: string; name: string; click_tracking: boolean }>(
        'SELECT id, name, click_tracking FROM accounts WHERE id = $1',
        [accountId],
      );
      const row = account.rows[0];
      if (!row) return undefined;
      const domains = await db.query<{ domain: string; https: boolean } & CertificateColumns>(
        `SELECT domain, https, ${CERTIFICATE_COLUMNS} FROM branded_domains WHERE account_id = $1 ORDER BY domain`,
        [accountId],
      );
      return {
        id: row.id,
        name: row.name,
        clickTracking: row.click_tracking,
        domains: domains.rows.map((domain) => {
          const certificate = certificateFromRow(domain);
          return { domain: domain.domain, https: domain.https, ...(certificate ? { certificate } : {}) };
        }),
      };
    },

    async setClickTracking({ accountId, actor, evidence, enabled }) {
      return db.transaction(async (tx) => {
        // The WHERE clause makes the write idempotent. Under READ COMMITTED a concurrent
        // identical UPDATE waits for the first to commit, re-reads the row, and matches nothing.
        const result = await tx.query(
          'UPDATE accounts SET click_tracking = $1 WHERE id = $2 AND click_tracking <> $1',
          [enabled, accountId],
        );
        if (result.rowCount === 0) return false;
        const action = enabled ? 'click_tracking_on' : 'click_tracking_off';
        await audit(tx, { accountId, actor, action, target: null, evidence });
        return true;
      });
    },

    async setHttps({ accountId, actor, evidence, domain, enabled }) {
      return db.transaction(async (tx) => {
        const owned = await tx.query('SELECT 1 FROM branded_domains WHERE account_id = $1 AND domain = $2', [
          accountId,
          domain,
        ]);
        if (owned.rowCount === 0) throw new DomainNotInAccountError(domain);
        const result = await tx.query(
          'UPDATE branded_domains SET https = $1 WHERE account_id = $2 AND domain = $3 AND https <> $1',
          [enabled, accountId, domain],
        );
        if (result.rowCount === 0) return false;
        await audit(tx, { accountId, actor, action: enabled ? 'https_on' : 'https_off', target: domain, evidence });
        return true;
      });
    },

    async retryCertificate({ accountId, actor, evidence, domain }) {
      return db.transaction(async (tx) => {
        const owned = await tx.query('SELECT 1 FROM branded_domains WHERE account_id = $1 AND domain = $2', [
          accountId,
          domain,
        ]);
        if (owned.rowCount === 0) throw new DomainNotInAccountError(domain);
        // Only a failure on the platform's side is retried; the state guard makes a repeat a no-op.
        const result = await tx.query(
          `UPDATE branded_domains SET certificate_state = 'issuing', certificate_failure = NULL, certificate_detail = NULL
           WHERE account_id = $1 AND domain = $2 AND certificate_state IN ('renewal_failed', 'expired')
           AND COALESCE(certificate_failure, 'issuer_error') = ANY($3::text[])`,
          [accountId, domain, PLATFORM_FAILURES],
        );
        if (result.rowCount === 0) return false;
        await audit(tx, { accountId, actor, action: 'certificate_retry', target: domain, evidence });
        return true;
      });
    },

    async auditLog(accountId, limit = 50) {
      const { rows } = await db.query<{
        at: Date;
        account_id: string;
        actor: string;
        action: AuditEntry['action'];
        target: string | null;
        evidence: string;
      }>(
        'SELECT at, account_id, actor, action, target, evidence FROM audit_log WHERE account_id = $1 ORDER BY id DESC LIMIT $2',
        [accountId, limit],
      );
      return rows.map((row) => ({
        at: row.at.toISOString(),
        accountId: row.account_id,
        actor: row.actor,
        action: row.action,
        target: row.target,
        evidence: JSON.parse(row.evidence) as unknown,
      }));
    },
  };
}

/** Adds the demo accounts that are not there yet (existing rows are kept). */
export async function seedPostgresDemoAccounts(db: PostgresDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    for (const account of DEMO_ACCOUNTS) {
      await tx.query('INSERT INTO accounts (id, name, click_tracking) VALUES ($1, $2, FALSE) ON CONFLICT DO NOTHING', [
        account.id,
        account.name,
      ]);
      for (const domain of account.domains) {
        await tx.query(
          `INSERT INTO branded_domains (account_id, domain, https, ${CERTIFICATE_COLUMNS})
           VALUES ($1, $2, FALSE, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [account.id, domain.domain, ...demoCertificateRow(domain, new Date())],
        );
      }
    }
  });
}
