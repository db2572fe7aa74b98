import type { AccountDirectory } from '../accounts/directory.ts';
import { createHttpDirectory } from '../accounts/http-directory.ts';
import { createChecker, type Checker } from '../checks/engine.ts';
import type { ReportStore } from '../reports/report-store.ts';
import { StorageStartError } from '../storage/errors.ts';
import { openStorage, type Storage } from '../storage/open-storage.ts';
import { createChecksService, type ChecksService } from './checks-service.ts';
import { ConfigError, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';
import { openRedisState, RedisStartError } from './redis-state.ts';
import { createMemorySharedState, type SharedState } from './shared-state.ts';
import type { SessionStore } from './sessions.ts';

const MINUTE = 60_000;

/** Everything the API and the on-demand pages use, opened once from one configuration. */
export interface Services {
  config: Config;
  log: Logger;
  metrics: Metrics;
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
  /**
   * Whether the server can serve: configuration loaded and the database
   * answering. A lost Redis does not stop it (state is per instance meanwhile);
   * `degraded` names what is.
   */
  ready(): Promise<{ ok: true; degraded?: string } | { ok: false; problem: string }>;
  /** Stops timers and closes the database and Redis. */
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
 * Opens every service from a validated configuration: the storage (SQLite at
 * `DATABASE_PATH`, or PostgreSQL at `DATABASE_URL`: connected, migrated and
 * checked now, so a bad value stops the start with its name), the shared state
 * (in memory, or Redis at `REDIS_URL`, connected now likewise), the account
 * directory, the checker and the limits.
 */
export async function openServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const { server } = config;
  let storage: Storage;
  try {
    storage = await openStorage({
      databaseUrl: server.DATABASE_URL,
      databasePath: server.DATABASE_PATH,
      retentionDays: server.REPORT_RETENTION_DAYS,
      now: options.now && (() => new Date(options.now!())),
    });
  } catch (error) {
    if (error instanceof StorageStartError) throw new ConfigError(`Invalid configuration:\n  ${error.message}`);
    throw error;
  }
  let shared: SharedState | undefined;
  if (server.REDIS_URL) {
    // Redis's logger is the services' logger, so both report through the same lines.
    options = { ...options, log: options.log ?? createLogger(server.LOG_LEVEL) };
    const log = options.log!;
    try {
      shared = await openRedisState(server.REDIS_URL, { log, now: options.now });
    } catch (error) {
      await storage.close();
      if (error instanceof RedisStartError) throw new ConfigError(`Invalid configuration:\n  ${error.message}`);
      throw error;
    }
  }
  if (server.TRACKLIGHT_DEMO === '1') await storage.seedDemoAccounts();
  return createServices(config, storage, options, shared);
}

/** The services on storage (and shared state) that is already open; tests pass in-memory ones. */
export function createServices(
  config: Config,
  storage: Storage,
  options: ServiceOptions = {},
  shared: SharedState = createMemorySharedState(options.now),
): Services {
  const { server } = config;
  const now = options.now ?? Date.now;
  const log = options.log ?? createLogger(server.LOG_LEVEL);
  const metrics = createMetrics();

  const directory =
    server.ACCOUNT_DIRECTORY === 'http'
      ? createHttpDirectory({ baseUrl: server.ACCOUNT_API_URL!, token: server.ACCOUNT_API_TOKEN! })
      : storage.directory;
  const { reports } = storage;
  // Expired reports are purged on start and every hour after; a failed purge waits for the next hour.
  const purge = () =>
    void reports.purge().catch((error: unknown) => log.warn('report purge failed', { error: String(error) }));
  purge();
  const purgeTimer = setInterval(purge, 60 * MINUTE).unref();

  const checker = options.checker ?? createChecker({ env: config.checks, guideUrl: config.guideUrl });
  const perMinute = (name: string, limit: number) => shared.limiter(name, { limit, periodMs: MINUTE });
  const checks = createChecksService(checker, {
    cacheTtlMs: 30_000,
    perClient: perMinute('checks-client', server.CHECKS_RATE_LIMIT_PER_CLIENT),
    perDomain: perMinute('checks-domain', server.CHECKS_RATE_LIMIT_PER_DOMAIN),
    perAccount: perMinute('checks-account', server.ACCOUNT_RATE_LIMIT_PER_ACCOUNT),
    slots: shared.slots(server.CHECKS_MAX_CONCURRENT, 2_000),
    // In memory, this process's own maps already share runs and reports; the lock is for instances.
    shared:
      shared.backend === 'redis'
        ? { cache: shared.cache, lock: shared.lock, lockTtlMs: 25_000, pollMs: 50 }
        : undefined,
    onCheck: (result, seconds) => metrics.check(result, seconds),
    onRunning: (count) => metrics.running(count),
    now,
  });

  return {
    config,
    log,
    metrics,
    checks,
    directory,
    sessions: storage.sessions,
    reports,
    shareLimiter: perMinute('share-client', server.SHARE_RATE_LIMIT_PER_CLIENT),
    changeLimiter: perMinute('account-changes', server.ACCOUNT_RATE_LIMIT_PER_ACCOUNT),
    openStreams: new Set(),
    async ready() {
      if (!(await storage.ready())) return { ok: false, problem: `the ${storage.backend} database does not answer` };
      const degraded = await shared.degradation();
      return degraded ? { ok: true, degraded } : { ok: true };
    },
    async close() {
      clearInterval(purgeTimer);
      await Promise.all([storage.close(), shared.close()]);
    },
  };
}
