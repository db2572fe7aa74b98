/**
 * PostgreSQL that is missing at start or lost at run time: start-up names
 * `DATABASE_URL`, and at run time every store call rejects with
 * `StorageUnavailableError` (which the edge answers with 503), never with a
 * wrong answer such as "no session". A real server, stopped mid-test.
 */
import { createServer, type AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { StorageStartError, StorageUnavailableError } from '../../src/storage/errors.ts';
import { openStorage } from '../../src/storage/open-storage.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { portsToTry } from '../support/servers.ts';

const withPostgres = postgresAvailable();
let server: TestPostgres | undefined;
beforeAll(async () => {
  if (withPostgres) server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
});

describe('opening storage that is not there', () => {
  it('names DATABASE_URL, without its password, when PostgreSQL cannot be reached', async () => {
    // A port we hold, on which every connection is dropped at once: nothing else can take it meanwhile.
    const dropper = createServer((socket) => socket.destroy());
    const port = await new Promise<number>((resolve, reject) => {
      const ports = portsToTry(55432, 55439);
      // The port actually bound: a taken candidate's listen callback stays queued and fires with the next one.
      dropper.once('listening', () => resolve((dropper.address() as AddressInfo).port));
      const attempt = () => {
        const candidate = ports.shift();
        if (candidate === undefined) return reject(new Error('no free port in 55432-55439'));
        dropper.once('error', attempt).listen(candidate, '127.0.0.1');
      };
      attempt();
    });
    try {
      const failure = openStorage({
        databaseUrl: `postgres://tracklight:hunter2-secret@127.0.0.1:${port}/tracklight`,
        databasePath: ':memory:',
        retentionDays: 30,
      });
      await expect(failure).rejects.toBeInstanceOf(StorageStartError);
      await expect(failure).rejects.toThrow(
        /^DATABASE_URL: cannot connect to PostgreSQL at postgres:\/\/tracklight:\*\*\*@/,
      );
      await expect(failure).rejects.not.toThrow(/hunter2/);
    } finally {
      await new Promise((resolve) => dropper.close(resolve));
    }
  });

  it('names DATABASE_URL for a URL that is not PostgreSQL’s', async () => {
    await expect(
      openStorage({ databaseUrl: 'mysql://db/tracklight', databasePath: ':memory:', retentionDays: 30 }),
    ).rejects.toThrow(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('names DATABASE_PATH when the SQLite file cannot be created', async () => {
    const failure = openStorage({ databasePath: '/dev/null/tracklight.sqlite', retentionDays: 30 });
    await expect(failure).rejects.toBeInstanceOf(StorageStartError);
    await expect(failure).rejects.toThrow(/^DATABASE_PATH: /);
  });

  it('keeps SQLite when DATABASE_URL is empty', async () => {
    const storage = await openStorage({ databaseUrl: '', databasePath: ':memory:', retentionDays: 30 });
    expect(storage.backend).toBe('sqlite');
    await storage.close();
  });
});

describe.skipIf(!withPostgres)('losing PostgreSQL at run time', () => {
  it('rejects every call with StorageUnavailableError while the server is down, and recovers when it is back', async () => {
    const storage = await openStorage({
      databaseUrl: await server!.createDatabase(),
      databasePath: ':memory:',
      retentionDays: 30,
    });
    try {
      await storage.seedDemoAccounts();
      const session = await storage.sessions.create('acct_demo');
      const report = await storage.reports.save({
        guideVersion: 'current',
        locale: 'en',
        client: { browser: '', os: '', platform: '' },
        report: { domain: 'links.example.com', checkedAt: '', durationMs: 1, route: 'direct', checks: [] },
      });
      expect(await storage.sessions.accountOf(session)).toBe('acct_demo');

      await server!.stop();
      expect(await storage.ready()).toBe(false);
      const change = { accountId: 'acct_demo', actor: 'r', evidence: {}, enabled: true };
      const calls: [string, () => Promise<unknown>][] = [
        ['sessions.accountOf', () => storage.sessions.accountOf(session)],
        ['sessions.consumeNonce', () => storage.sessions.consumeNonce('n', 2_000_000_000)],
        ['sessions.create', () => storage.sessions.create('acct_demo')],
        ['sessions.destroy', () => storage.sessions.destroy(session)],
        ['reports.get', () => storage.reports.get(report.id)],
        ['reports.save', () => storage.reports.save(report)],
        ['reports.purge', () => storage.reports.purge()],
        ['directory.getAccount', () => storage.directory.getAccount('acct_demo')],
        ['directory.setClickTracking', () => storage.directory.setClickTracking(change)],
        ['directory.setHttps', () => storage.directory.setHttps({ ...change, domain: 'links.example.com' })],
        ['directory.auditLog', () => storage.directory.auditLog('acct_demo')],
      ];
      for (const [name, call] of calls) {
        const outcome = await call().then(
          (value) => ({ resolved: value }),
          (error: unknown) => ({ rejected: error }),
        );
        expect({
          name,
          unavailable: 'rejected' in outcome && outcome.rejected instanceof StorageUnavailableError,
        }).toEqual({
          name,
          unavailable: true,
        });
      }

      await server!.start();
      expect(await storage.ready()).toBe(true);
      expect(await storage.sessions.accountOf(session)).toBe('acct_demo');
      expect(await storage.reports.get(report.id)).toEqual(report);
    } finally {
      await storage.close();
    }
  }, 60_000);
});
