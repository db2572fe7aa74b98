import type { DatabaseSync } from 'node:sqlite';

import { z } from 'zod';

import type { AccountDirectory } from '../accounts/directory.ts';
import { createSqliteDirectory, seedDemoAccounts } from '../accounts/sqlite-directory.ts';
import { createReportStore, type ReportStore } from '../reports/report-store.ts';
import { createSessionStore, type SessionStore } from '../server/sessions.ts';
import { checkIntegrity, openDatabase } from './database.ts';
import { StorageStartError } from './errors.ts';
import { openPostgres, redactUrl } from './postgres/database.ts';
import { createPostgresDirectory, seedPostgresDemoAccounts } from './postgres/directory.ts';
import { createPostgresReportStore } from './postgres/reports.ts';
import { createPostgresSessionStore } from './postgres/sessions.ts';

/** `DATABASE_URL`: a `postgres://` or `postgresql://` URL; unset or empty keeps the embedded SQLite file. */
export const DatabaseUrlSchema = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || undefined)
  .refine((value) => value === undefined || /^postgres(ql)?:\/\/[^\s]+$/.test(value), {
    message: 'must be a postgres:// or postgresql:// URL',
  });

/** Where the storage lives and how long reports are kept. */
export interface StorageOptions {
  /** `DATABASE_URL`: when set, PostgreSQL holds everything and `databasePath` is not used. */
  databaseUrl?: string | undefined;
  /** `DATABASE_PATH`: the SQLite file (or `:memory:`) when `databaseUrl` is not set. */
  databasePath: string;
  /** Days a shared report stays available before `reports.purge()` deletes it. */
  retentionDays: number;
  /** The clock for expiry and audit times (tests move it). */
  now?: () => Date;
}

/** Sessions, reports and the embedded account directory, opened and migrated, in one database. */
export interface Storage {
  /** Which database holds the stores. */
  readonly backend: 'sqlite' | 'postgres';
  readonly sessions: SessionStore;
  readonly reports: ReportStore;
  /** The embedded directory (used unless `ACCOUNT_DIRECTORY=http`). */
  readonly directory: AccountDirectory;
  /** Adds the demo accounts that are not there yet. */
  seedDemoAccounts(): Promise<void>;
  /** A cheap probe for `/api/ready`: whether the database answers now. Never throws. */
  ready(): Promise<boolean>;
  /** Closes the database (graceful shutdown); the stores fail afterwards. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the storage the configuration names: PostgreSQL when `databaseUrl` is
 * set, else SQLite at `databasePath`. Connects and migrates before it resolves;
 * rejects with `StorageStartError` naming `DATABASE_URL` (or `DATABASE_PATH`)
 * when that fails.
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const url = DatabaseUrlSchema.safeParse(options.databaseUrl);
  if (!url.success) {
    throw new StorageStartError(
      'DATABASE_URL',
      `must be a postgres:// or postgresql:// URL, not ${redactUrl(options.databaseUrl ?? '')}`,
    );
  }
  return url.data ? openPostgresStorage(url.data, options) : openSqliteStorage(options);
}

async function openPostgresStorage(url: string, options: StorageOptions): Promise<Storage> {
  const db = await openPostgres(url);
  return {
    backend: 'postgres',
    sessions: createPostgresSessionStore(db, options.now),
    reports: createPostgresReportStore(db, { retentionDays: options.retentionDays, now: options.now }),
    directory: createPostgresDirectory(db, options.now),
    seedDemoAccounts: () => seedPostgresDemoAccounts(db),
    ready: () => db.ready(),
    close: () => db.close(),
  };
}

async function openSqliteStorage(options: StorageOptions): Promise<Storage> {
  let db: DatabaseSync;
  try {
    db = openDatabase(options.databasePath);
    checkIntegrity(db);
  } catch (error) {
    throw new StorageStartError(
      'DATABASE_PATH',
      `cannot open the SQLite file ${options.databasePath} (${(error as Error).message})`,
      error,
    );
  }
  return sqliteStorage(db, options);
}

/** The stores on an open SQLite database (tests open `:memory:` ones). */
function sqliteStorage(db: DatabaseSync, options: Omit<StorageOptions, 'databaseUrl' | 'databasePath'>): Storage {
  return {
    backend: 'sqlite',
    sessions: createSessionStore(db, options.now),
    reports: createReportStore(db, { retentionDays: options.retentionDays, now: options.now }),
    directory: createSqliteDirectory(db, options.now),
    seedDemoAccounts: async () => seedDemoAccounts(db),
    async ready() {
      try {
        db.prepare('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
