import pg from 'pg';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';

import { StorageStartError, StorageUnavailableError } from '../errors.ts';

/**
 * The PostgreSQL schema, one migration per entry, applied in order on start and
 * recorded in `schema_migrations`. It holds what SQLite's migrations hold (see
 * `../database.ts`). Never edit a released migration: add the next one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     click_tracking BOOLEAN NOT NULL DEFAULT FALSE
   );
   CREATE TABLE branded_domains (
     account_id TEXT NOT NULL REFERENCES accounts(id),
     domain TEXT NOT NULL,
     https BOOLEAN NOT NULL DEFAULT FALSE,
     PRIMARY KEY (account_id, domain)
   );
   CREATE TABLE audit_log (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at TIMESTAMPTZ NOT NULL,
     account_id TEXT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT,
     evidence TEXT NOT NULL
   );
   CREATE INDEX audit_log_account ON audit_log (account_id, id);
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX sessions_expiry ON sessions (expires_at);
   CREATE TABLE used_nonces (
     nonce TEXT PRIMARY KEY,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX used_nonces_expiry ON used_nonces (expires_at);
   CREATE TABLE reports (
     id TEXT PRIMARY KEY,
     created_at TIMESTAMPTZ NOT NULL,
     expires_at BIGINT NOT NULL,
     snapshot TEXT NOT NULL
   );
   CREATE INDEX reports_expiry ON reports (expires_at);`,
  // The managed certificate of each branded link domain, as the platform reports it.
  `ALTER TABLE branded_domains ADD COLUMN certificate_state TEXT;
   ALTER TABLE branded_domains ADD COLUMN certificate_not_after TEXT;
   ALTER TABLE branded_domains ADD COLUMN certificate_failure TEXT;
   ALTER TABLE branded_domains ADD COLUMN certificate_detail TEXT;`,
];

/** The advisory lock that lets one instance at a time migrate when several start together. */
const MIGRATION_LOCK_KEY = 20_261_122;

/** How long a new connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/** How long the readiness probe waits before it says no. */
const READY_TIMEOUT_MS = 2_000;

/** Node's network errors that mean "the server is not there". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT',
]);

/** The driver's own errors for a connection that broke, closed or never opened (it gives them no code). */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|timeout expired)/;

/**
 * Whether an error means the database cannot be reached, as opposed to a bad
 * query: network errors, SQLSTATE class 08 (connection exception), 57P01–57P03
 * (shutting down, crashed, starting) and class 53 (out of connections, disk or memory).
 */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (/^(08|53)/.test(code) || /^57P0[123]$/.test(code)) return true;
  }
  if (DRIVER_MESSAGES.test(error.message)) return true;
  return error instanceof AggregateError && error.errors.some(isUnreachable);
}

/** Rethrows `error` as `StorageUnavailableError` when it means the database cannot be reached. */
function unavailableOr(error: unknown): never {
  throw isUnreachable(error) ? new StorageUnavailableError(error) : error;
}

/** What runs queries: the pool, or the one connection of a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** An open PostgreSQL database: a connection pool with every migration applied. */
export interface PostgresDatabase extends Queryable {
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Whether the server answers a trivial query within two seconds. */
  ready(): Promise<boolean>;
  /** Closes every connection; later queries fail. */
  close(): Promise<void>;
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return 'an unparsable URL';
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // PostgreSQL's DDL is transactional: holding this lock for the whole transaction
    // makes two instances that start at once apply each migration exactly once.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)',
    );
    const { rows } = await client.query<{ v: number }>(
      'SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations',
    );
    const applied = rows[0]!.v;
    for (const [index, sql] of MIGRATIONS.entries()) {
      const version = index + 1;
      if (version <= applied) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [version]);
    }
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw error;
  }
}

/**
 * Connects to `url` and applies every migration. Throws `StorageStartError`
 * naming `DATABASE_URL` when the server cannot be reached or the schema cannot
 * be brought up to date.
 */
export async function openPostgres(url: string): Promise<PostgresDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'tracklight',
  });
  // An idle connection that the server drops (restart, failover) is reported
  // here; without a listener it would crash the process. The next query opens a
  // new connection or fails with StorageUnavailableError, so nothing is lost.
  pool.on('error', () => undefined);

  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message || (error as { code?: string }).code : String(error);
    const what = isUnreachable(error) ? 'cannot connect to PostgreSQL at' : 'cannot open or migrate the database at';
    throw new StorageStartError('DATABASE_URL', `${what} ${redactUrl(url)} (${reason})`, error);
  }

  let closed = false;
  return {
    async query<R extends QueryResultRow>(text: string, values?: unknown[]) {
      return pool.query<R>(text, values).catch(unavailableOr);
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client: PoolClient = await pool.connect().catch(unavailableOr);
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // A broken connection cannot roll back; destroying it ends the transaction on the server.
        const rolledBack = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        client.release(!rolledBack);
        return unavailableOr(error);
      }
    },
    async ready() {
      if (closed) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      });
      const probe = pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([probe, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
