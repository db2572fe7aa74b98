import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * The schema, one migration per entry, applied in order on start and recorded
 * in `schema_migrations`. Never edit a released migration: add the next one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     click_tracking INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE branded_domains (
     account_id TEXT NOT NULL REFERENCES accounts(id),
     domain TEXT NOT NULL,
     https INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account_id, domain)
   );
   CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     account_id TEXT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT,
     evidence TEXT NOT NULL
   );
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE used_nonces (
     nonce TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );`,
  `CREATE TABLE reports (
     id TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     snapshot TEXT NOT NULL
   );
   CREATE INDEX reports_expiry ON reports (expires_at);`,
  // The managed certificate of each branded link domain, as the platform reports it.
  `ALTER TABLE branded_domains ADD COLUMN certificate_state TEXT;
   ALTER TABLE branded_domains ADD COLUMN certificate_not_after TEXT;
   ALTER TABLE branded_domains ADD COLUMN certificate_failure TEXT;
   ALTER TABLE branded_domains ADD COLUMN certificate_detail TEXT;`,
];

/** Opens (creating if needed) the database file, in WAL mode, with every migration applied. */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = Number(
    (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v,
  );
  for (const [index, sql] of MIGRATIONS.entries()) {
    const version = index + 1;
    if (version <= applied) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        version,
        new Date().toISOString(),
      );
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return db;
}

/** Runs `work` in one write transaction: all of it is on disk before this returns, or none of it. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** Throws unless SQLite's quick integrity check finds the file sound. */
export function checkIntegrity(db: DatabaseSync): void {
  const rows = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((result) => result !== 'ok');
  if (problems.length > 0) throw new Error(`integrity check failed: ${problems.slice(0, 3).join('; ')}`);
}
