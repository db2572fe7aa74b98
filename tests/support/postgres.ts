import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

import { portIsFree, portsToTry, requireBinary } from './servers.ts';

const run = promisify(execFile);

/** Ports these tests may give PostgreSQL (`PG_TEST_PORTS=first-last` overrides). */
const [FIRST_PORT, LAST_PORT] = (process.env.PG_TEST_PORTS ?? '55432-55439').split('-').map(Number) as [number, number];

/**
 * Where `initdb` and `pg_ctl` are: `PG_BIN_DIR` when set, else the newest
 * Debian install under /usr/lib/postgresql/<version>/bin, else the PATH.
 */
export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN_DIR !== undefined) {
    return existsSync(join(process.env.PG_BIN_DIR, 'initdb')) ? process.env.PG_BIN_DIR : undefined;
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((version) => existsSync(join(debian, version, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

/** Whether PostgreSQL tests can run here; skips loudly without the binaries, fails under `CI=true`. */
export function postgresAvailable(): boolean {
  return requireBinary('PostgreSQL (initdb, pg_ctl)', findPostgresBin(), 'install Debian’s postgresql package');
}

/** A throwaway PostgreSQL server on loopback, owned by one test file. */
export interface TestPostgres {
  readonly port: number;
  /** Creates an empty database and resolves to its `postgres://` URL. */
  createDatabase(): Promise<string>;
  /** Stops the server, keeping its data (to test an outage). */
  stop(): Promise<void>;
  /** Starts it again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/** `initdb` refuses root: as root, run the server's commands as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * Creates a cluster in a new temporary directory (owned by `postgres` when we
 * are root) and starts it on the first free port of this checkout's range,
 * listening on 127.0.0.1 only.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const dir = mkdtempSync(join(tmpdir(), 'tracklight-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = join(bin, 'pg_ctl');
  await run(
    ...asServerUser(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']),
  );

  let port = 0;
  const startOn = (candidate: number) =>
    run(
      ...asServerUser(pgCtl, [
        '-D',
        data,
        '-l',
        log,
        '-w',
        '-t',
        '30',
        '-o',
        // Durability settings are off: these servers hold test data for seconds.
        `-p ${candidate} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
        'start',
      ]),
    );
  const failures: string[] = [];
  for (const candidate of portsToTry(FIRST_PORT, LAST_PORT)) {
    if (!(await portIsFree(candidate))) continue;
    try {
      await startOn(candidate);
      port = candidate;
      break;
    } catch (error) {
      // Another test file may have taken the port between the check and the start.
      failures.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  if (!port) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`no free port in ${FIRST_PORT}-${LAST_PORT} for PostgreSQL:\n${failures.join('\n')}\n${serverLog}`);
  }

  let databases = 0;
  const stop = async (mode: 'fast' | 'immediate') => {
    await run(...asServerUser(pgCtl, ['-D', data, '-m', mode, '-w', 'stop'])).catch(() => undefined);
  };
  // A test run that dies before its afterAll must not leave a server behind on this checkout's ports.
  const leftBehind = () => {
    try {
      if (existsSync(join(data, 'postmaster.pid'))) {
        execFileSync(...asServerUser(pgCtl, ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
      }
    } catch {
      // Already stopping: nothing more to do on the way out.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', leftBehind);
  return {
    port,
    async createDatabase() {
      const name = `tracklight_${process.pid}_${++databases}`;
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop: () => stop('fast'),
    start: async () => {
      await startOn(port);
    },
    async destroy() {
      process.off('exit', leftBehind);
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
