import type { DatabaseSync } from 'node:sqlite';

import { inTransaction } from '../storage/database.ts';
import { DomainNotInAccountError, type Account, type AccountDirectory, type AuditEntry } from './directory.ts';

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
        .prepare('SELECT domain, https FROM branded_domains WHERE account_id = ? ORDER BY domain')
        .all(accountId) as { domain: string; https: number }[];
      return {
        id: row.id,
        name: row.name,
        clickTracking: row.click_tracking === 1,
        domains: domains.map((domain) => ({ domain: domain.domain, https: domain.https === 1 })),
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

/** Demo accounts for `npm start` and `npm run demo`, added once (existing rows are kept). */
export const DEMO_ACCOUNTS = [
  { id: 'acct_demo', name: 'Demo Outfitters', domains: ['healthy-direct.lab.example.com', 'links.example.com'] },
  { id: 'acct_expired', name: 'Expired Certificate Co.', domains: ['cert-expired.lab.example.com'] },
  { id: 'acct_proxied', name: 'Proxied Goods', domains: ['healthy-proxied.lab.example.com'] },
] as const;

/** Adds the demo accounts that are not there yet. */
export function seedDemoAccounts(db: DatabaseSync): void {
  inTransaction(db, () => {
    for (const account of DEMO_ACCOUNTS) {
      db.prepare('INSERT OR IGNORE INTO accounts (id, name, click_tracking) VALUES (?, ?, 0)').run(
        account.id,
        account.name,
      );
      for (const domain of account.domains) {
        db.prepare('INSERT OR IGNORE INTO branded_domains (account_id, domain, https) VALUES (?, ?, 0)').run(
          account.id,
          domain,
        );
      }
    }
  });
}
