import type { AccountDirectory } from '../accounts/directory.ts';
import { createHttpDirectory } from '../accounts/http-directory.ts';
import { createSqliteDirectory, seedDemoAccounts } from '../accounts/sqlite-directory.ts';
import { createChecker, type Checker } from '../checks/engine.ts';
import { createReportStore, type ReportStore } from '../reports/report-store.ts';
import { checkIntegrity, openDatabase } from '../storage/database.ts';
import { createChecksService, type ChecksService } from './checks-service.ts';
import { ConfigError, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limit.ts';
import { createSessionStore, type SessionStore } from './sessions.ts';

const MINUTE = 60_000;

/** Everything the API and the on-demand pages use, opened once from one configuration. */
export interface Services {
  config: Config;
  log: Logger;
  metrics: Metrics;
  checker: Checker;
  checks: ChecksService;
  directory: AccountDirectory;
  sessions: SessionStore;
  reports: ReportStore;
  /** Reports one client may share. */
  shareLimiter: RateLimiter;
  /** Account changes (click tracking, HTTPS off) one account may make. */
  changeLimiter: RateLimiter;
  /** Ends each open event stream with a last event (graceful shutdown); streams add and remove themselves. */
  openStreams: Set<() => Promise<void>>;
  /** Whether the server can serve: configuration loaded and the database answering. */
  ready(): Promise<{ ok: true } | { ok: false; problem: string }>;
  /** Stops timers and closes the database. */
  close(): Promise<void>;
}

/** Test seams: a clock, and where logs go. */
export interface ServiceOptions {
  now?: () => number;
  log?: Logger;
  /** Overrides of the checker (tests narrow checks or limits). */
  checker?: Checker;
}

/**
 * Opens every service from a validated configuration: the database (opened,
 * migrated and integrity-checked now, so a bad `DATABASE_PATH` stops the start
 * with its name), the account directory, the checker and the limits.
 */
export function openServices(config: Config, options: ServiceOptions = {}): Services {
  const { server } = config;
  const now = options.now ?? Date.now;
  const log = options.log ?? createLogger(server.LOG_LEVEL);
  const metrics = createMetrics();

  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(server.DATABASE_PATH);
    checkIntegrity(db);
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  DATABASE_PATH: cannot use ${server.DATABASE_PATH}: ${(error as Error).message}`,
    );
  }
  if (server.TRACKLIGHT_DEMO === '1') seedDemoAccounts(db);

  const directory =
    server.ACCOUNT_DIRECTORY === 'http'
      ? createHttpDirectory({ baseUrl: server.ACCOUNT_API_URL!, token: server.ACCOUNT_API_TOKEN! })
      : createSqliteDirectory(db);
  const reports = createReportStore(db, { retentionDays: server.REPORT_RETENTION_DAYS });
  // Expired reports are purged on start and every hour after.
  reports.purge();
  const purge = setInterval(() => reports.purge(), 60 * MINUTE).unref();

  const checker = options.checker ?? createChecker({ env: config.checks, guideUrl: config.guideUrl });
  const perMinute = (limit: number) => createMemoryRateLimiter({ limit, periodMs: MINUTE }, now);
  const checks = createChecksService(checker, {
    cacheTtlMs: 30_000,
    perClient: perMinute(server.CHECKS_RATE_LIMIT_PER_CLIENT),
    perDomain: perMinute(server.CHECKS_RATE_LIMIT_PER_DOMAIN),
    perAccount: perMinute(server.ACCOUNT_RATE_LIMIT_PER_ACCOUNT),
    maxConcurrent: server.CHECKS_MAX_CONCURRENT,
    queueWaitMs: 2_000,
    onCheck: (result, seconds) => metrics.check(result, seconds),
    onRunning: (count) => metrics.running(count),
    now,
  });

  return {
    config,
    log,
    metrics,
    checker,
    checks,
    directory,
    sessions: createSessionStore(db),
    reports,
    shareLimiter: perMinute(server.SHARE_RATE_LIMIT_PER_CLIENT),
    changeLimiter: perMinute(server.ACCOUNT_RATE_LIMIT_PER_ACCOUNT),
    openStreams: new Set(),
    async ready() {
      try {
        db.prepare('SELECT 1').get();
        return { ok: true };
      } catch (error) {
        return { ok: false, problem: `database: ${(error as Error).message}` };
      }
    },
    async close() {
      clearInterval(purge);
      if (db.isOpen) db.close();
    },
  };
}
