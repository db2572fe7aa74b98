import { z } from 'zod';

import { createHttpDirectory } from '../accounts/http-directory.ts';
import type { AccountDirectory } from '../accounts/directory.ts';
import { createSqliteDirectory, seedDemoAccounts } from '../accounts/sqlite-directory.ts';
import { openDatabase } from '../storage/database.ts';
import { createReportStore, type ReportStore } from '../reports/report-store.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import { createSessionStore, type SessionStore } from './sessions.ts';

/** The server's own settings for accounts and sign-in, validated on start. */
export const ServerEnvSchema = z
  .object({
    /** The SQLite file for sessions and, with the embedded directory, accounts and the audit log. */
    DATABASE_PATH: z.string().min(1).default('./data/tracklight.sqlite'),
    /** The secret shared with the dashboard that signs sign-in links (at least 32 characters). */
    LOGIN_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** `1` seeds demo accounts. */
    TRACKLIGHT_DEMO: z.enum(['0', '1']).default('0'),
    /** `embedded` (SQLite, the default) or `http` (the platform's account API). */
    ACCOUNT_DIRECTORY: z.enum(['embedded', 'http']).default('embedded'),
    /** The account API's base URL, for `ACCOUNT_DIRECTORY=http`. */
    ACCOUNT_API_URL: z.url().optional(),
    /** The bearer token for the account API. */
    ACCOUNT_API_TOKEN: z.string().min(1).optional(),
    /** Days a shared report stays available before it is purged. */
    REPORT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  })
  .refine((env) => env.ACCOUNT_DIRECTORY !== 'http' || (env.ACCOUNT_API_URL && env.ACCOUNT_API_TOKEN), {
    message: 'ACCOUNT_DIRECTORY=http needs ACCOUNT_API_URL and ACCOUNT_API_TOKEN',
  });

/** The server's validated settings. */
export type ServerEnv = z.output<typeof ServerEnvSchema>;

/** Parses the server settings or throws one error naming every bad variable. */
export function parseServerEnv(env: Record<string, string | undefined> = process.env): ServerEnv {
  const parsed = ServerEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `Invalid server configuration:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.') || 'environment'}: ${issue.message}`).join('\n')}`,
    );
  }
  return parsed.data;
}

/** What request handlers share: accounts, sessions, shared reports, and the sign-in secret. */
export interface AppState {
  directory: AccountDirectory;
  sessions: SessionStore;
  reports: ReportStore;
  /** Limits how many reports one client shares per minute. */
  shareLimiter: RateLimiter;
  /** Undefined when sign-in is not configured: the guide then works without accounts. */
  loginSecret: string | undefined;
}

let state: AppState | undefined;

/** The server's one app state, opened on first use. */
export function appState(): AppState {
  if (state) return state;
  const env = parseServerEnv();
  const db = openDatabase(env.DATABASE_PATH);
  if (env.TRACKLIGHT_DEMO === '1') seedDemoAccounts(db);
  const directory =
    env.ACCOUNT_DIRECTORY === 'http'
      ? createHttpDirectory({ baseUrl: env.ACCOUNT_API_URL!, token: env.ACCOUNT_API_TOKEN! })
      : createSqliteDirectory(db);
  const reports = createReportStore(db, { retentionDays: env.REPORT_RETENTION_DAYS });
  // Expired reports are purged on start and every hour after.
  // A failed purge is retried at the next hour; it must not become an unhandled rejection.
  const purge = () => void reports.purge().catch(() => undefined);
  purge();
  setInterval(purge, 3_600_000).unref();
  state = {
    directory,
    sessions: createSessionStore(db),
    reports,
    shareLimiter: createRateLimiter({ limit: 10, windowMs: 60_000 }),
    loginSecret: env.LOGIN_LINK_SECRET,
  };
  return state;
}
