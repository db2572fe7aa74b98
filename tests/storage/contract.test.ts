/**
 * One contract for every storage backend: the embedded SQLite file and a real
 * PostgreSQL server started by this file. Each test opens its own fresh
 * database (a new file, or a new PostgreSQL database) and, where it matters,
 * two instances on it, as two servers behind a load balancer would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DomainNotInAccountError } from '../../src/accounts/directory.ts';
import type { NewReport } from '../../src/reports/report-store.ts';
import { openStorage, type Storage, type StorageOptions } from '../../src/storage/open-storage.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from '../support/postgres.ts';

const withPostgres = postgresAvailable();
let server: TestPostgres | undefined;
const dir = mkdtempSync(join(tmpdir(), 'tracklight-contract-'));
beforeAll(async () => {
  if (withPostgres) server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const opened: Storage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

type Location = Pick<StorageOptions, 'databaseUrl' | 'databasePath'>;
let files = 0;
const backends: { name: string; skip: boolean; fresh: () => Promise<Location> }[] = [
  {
    name: 'embedded SQLite',
    skip: false,
    fresh: async () => ({ databasePath: join(dir, String(++files), 'nested', 'tracklight.sqlite') }),
  },
  {
    name: 'PostgreSQL',
    skip: !withPostgres,
    fresh: async () => ({ databaseUrl: await server!.createDatabase(), databasePath: join(dir, 'never-used.sqlite') }),
  },
];

const START = new Date('2026-11-22T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const REPORT: NewReport = {
  guideVersion: 'current',
  locale: 'es',
  client: { browser: 'Firefox 150', os: 'Linux', platform: 'desktop' },
  report: {
    domain: 'links.example.com',
    checkedAt: '2026-11-22T12:00:00.000Z',
    durationMs: 4,
    route: 'direct',
    checks: [],
  },
  account: { id: 'acct_demo', steps: [{ id: 'click-tracking', status: 'pass', code: 'click_tracking_on' }] },
};

for (const backend of backends) {
  describe.skipIf(backend.skip)(`storage contract: ${backend.name}`, () => {
    /** A fresh database, and a way to open instances on it that share one movable clock. */
    async function fresh() {
      const location = await backend.fresh();
      const clock = { now: START };
      const open = async () => {
        const storage = await openStorage({ ...location, retentionDays: 30, now: () => clock.now });
        opened.push(storage);
        return storage;
      };
      return { location, clock, open };
    }

    it('migrates at start, once, even when instances start together, and keeps data across a restart', async () => {
      const { open } = await fresh();
      const [first, second, third] = await Promise.all([open(), open(), open()]);
      expect(first!.backend).toBe(backend.name === 'PostgreSQL' ? 'postgres' : 'sqlite');
      expect(await first!.ready()).toBe(true);
      await first!.seedDemoAccounts();
      await second!.seedDemoAccounts();
      expect(
        await first!.directory.setClickTracking({ accountId: 'acct_demo', actor: 'a', evidence: {}, enabled: true }),
      ).toBe(true);
      await Promise.all([first!.close(), second!.close(), third!.close()]);
      expect(await first!.ready()).toBe(false);
      await first!.close();

      const reopened = await open();
      await reopened.seedDemoAccounts();
      // Seeding again keeps existing rows: the change survives it.
      expect((await reopened.directory.getAccount('acct_demo'))?.clickTracking).toBe(true);
      expect(await reopened.directory.auditLog('acct_demo')).toHaveLength(1);
    });

    it('maps an unguessable session id to its account on every instance, until it ends or expires', async () => {
      const { clock, open } = await fresh();
      const [a, b] = [await open(), await open()];
      const id = await a.sessions.create('acct_demo');
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await b.sessions.accountOf(id)).toBe('acct_demo');
      expect(await b.sessions.accountOf('made-up')).toBeUndefined();
      expect(await b.sessions.accountOf(undefined)).toBeUndefined();
      await b.sessions.destroy(id);
      expect(await a.sessions.accountOf(id)).toBeUndefined();

      const other = await b.sessions.create('acct_expired');
      clock.now = new Date(START.getTime() + 8 * HOUR - 1_000);
      expect(await a.sessions.accountOf(other)).toBe('acct_expired');
      clock.now = new Date(START.getTime() + 8 * HOUR);
      expect(await a.sessions.accountOf(other)).toBeUndefined();
    });

    it('consumes a sign-in nonce once across two instances, however many ask at once', async () => {
      const { open } = await fresh();
      const [a, b] = [await open(), await open()];
      const expires = START.getTime() / 1000 + 600;
      // Open connections first, so the attempts run side by side rather than queue for one.
      await Promise.all(Array.from({ length: 8 }, (_, index) => (index % 2 ? a : b).ready()));
      for (const nonce of ['nonce-1', 'nonce-2', 'nonce-3']) {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, index) => (index % 2 ? a : b).sessions.consumeNonce(nonce, expires)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      expect(await a.sessions.consumeNonce('nonce-1', expires)).toBe(false);
      expect(await b.sessions.consumeNonce('nonce-4', expires)).toBe(true);
    });

    it('reads a report saved on one instance from the other, exactly as saved', async () => {
      const { open } = await fresh();
      const [a, b] = [await open(), await open()];
      const saved = await a.reports.save(REPORT);
      expect(saved.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(saved.createdAt).toBe('2026-11-22T12:00:00.000Z');
      expect(saved.expiresAt).toBe('2026-12-22T12:00:00.000Z');
      expect(await b.reports.get(saved.id)).toEqual(saved);
      expect(JSON.stringify(await b.reports.get(saved.id))).toBe(JSON.stringify(saved));
      expect(await b.reports.get('AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
      expect(await b.reports.get("' OR 1=1 --")).toBeUndefined();
    });

    it('expires reports after the retention period, and purges only expired ones', async () => {
      const { clock, open } = await fresh();
      const storage = await open();
      const old = await storage.reports.save(REPORT);
      clock.now = new Date(START.getTime() + 10 * DAY);
      const recent = await storage.reports.save(REPORT);
      clock.now = new Date(START.getTime() + 30 * DAY - 1);
      expect(await storage.reports.get(old.id)).toBeDefined();
      expect(await storage.reports.purge()).toBe(0);
      clock.now = new Date(START.getTime() + 30 * DAY);
      expect(await storage.reports.get(old.id)).toBeUndefined();
      expect(await storage.reports.purge()).toBe(1);
      expect(await storage.reports.purge()).toBe(0);
      expect(await storage.reports.get(recent.id)).toEqual(recent);
    });

    it('reports each managed certificate state and retries only a failure on the platform’s side, audited once', async () => {
      const { open } = await fresh();
      const storage = await open();
      await storage.seedDemoAccounts();
      const { directory } = storage;
      const certificateOf = async (domain: string) =>
        (await directory.getAccount('acct_demo'))!.domains.find((entry) => entry.domain === domain)?.certificate;
      expect(await certificateOf('managed-pending.lab.example.com')).toEqual({ state: 'pending_validation' });
      expect(await certificateOf('managed-blocked.lab.example.com')).toMatchObject({
        state: 'renewal_failed',
        failure: 'caa_blocks',
        detail: expect.stringContaining('CAA'),
      });
      expect(await certificateOf('managed-expired.lab.example.com')).toMatchObject({
        state: 'expired',
        failure: 'issuer_error',
      });

      const change = { accountId: 'acct_demo', actor: 'reader:acct_demo', evidence: { requestId: 'r1' } };
      // The reader's own setup blocks it: retrying changes nothing until that is fixed.
      expect(await directory.retryCertificate({ ...change, domain: 'managed-blocked.lab.example.com' })).toBe(false);
      const retries = await Promise.all(
        Array.from({ length: 4 }, () =>
          directory.retryCertificate({ ...change, domain: 'managed-expired.lab.example.com' }),
        ),
      );
      expect(retries.filter(Boolean)).toHaveLength(1);
      expect(await certificateOf('managed-expired.lab.example.com')).toMatchObject({ state: 'issuing' });
      expect((await certificateOf('managed-expired.lab.example.com'))!.failure).toBeUndefined();
      const log = await directory.auditLog('acct_demo');
      expect(log.map((entry) => [entry.action, entry.target])).toEqual([
        ['certificate_retry', 'managed-expired.lab.example.com'],
      ]);
      await expect(
        directory.retryCertificate({ ...change, domain: 'cert-expired.lab.example.com' }),
      ).rejects.toBeInstanceOf(DomainNotInAccountError);
    });

    it('records each account change with its audit entry, newest first', async () => {
      const { clock, open } = await fresh();
      const storage = await open();
      await storage.seedDemoAccounts();
      const { directory } = storage;
      const seeded = await directory.getAccount('acct_demo');
      expect(seeded).toMatchObject({ id: 'acct_demo', name: 'Demo Outfitters', clickTracking: false });
      expect(seeded!.domains.slice(0, 2)).toEqual([
        {
          domain: 'healthy-direct.lab.example.com',
          https: false,
          certificate: { state: 'active', notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        },
        { domain: 'links.example.com', https: false },
      ]);
      expect(
        await directory.setClickTracking({
          accountId: 'acct_demo',
          actor: 'reader:acct_demo',
          evidence: { why: 'test' },
          enabled: true,
        }),
      ).toBe(true);
      clock.now = new Date(START.getTime() + 1_000);
      const change = { accountId: 'acct_demo', actor: 'reader:acct_demo', domain: 'links.example.com' };
      expect(await directory.setHttps({ ...change, evidence: { checks: 'all passed' }, enabled: true })).toBe(true);
      expect(await directory.setHttps({ ...change, evidence: {}, enabled: false })).toBe(true);
      expect(await directory.setHttps({ ...change, evidence: {}, enabled: false })).toBe(false);

      const log = await directory.auditLog('acct_demo');
      expect(log.map((entry) => [entry.action, entry.target, entry.actor])).toEqual([
        ['https_off', 'links.example.com', 'reader:acct_demo'],
        ['https_on', 'links.example.com', 'reader:acct_demo'],
        ['click_tracking_on', null, 'reader:acct_demo'],
      ]);
      expect(log[1]).toEqual({
        at: '2026-11-22T12:00:01.000Z',
        accountId: 'acct_demo',
        actor: 'reader:acct_demo',
        action: 'https_on',
        target: 'links.example.com',
        evidence: { checks: 'all passed' },
      });
      expect(await directory.auditLog('acct_demo', 1)).toHaveLength(1);
      expect(await directory.auditLog('acct_expired')).toEqual([]);
    });

    it('makes one change and one audit entry when identical requests race on two instances', async () => {
      const { open } = await fresh();
      const [a, b] = [await open(), await open()];
      await a.seedDemoAccounts();
      await Promise.all(Array.from({ length: 8 }, (_, index) => (index % 2 ? a : b).ready()));
      const https = { accountId: 'acct_demo', actor: 'r', evidence: {}, domain: 'links.example.com', enabled: true };
      const click = { accountId: 'acct_demo', actor: 'r', evidence: {}, enabled: true };
      const results = await Promise.all([
        ...Array.from({ length: 6 }, (_, index) => (index % 2 ? a : b).directory.setHttps(https)),
        ...Array.from({ length: 6 }, (_, index) => (index % 2 ? a : b).directory.setClickTracking(click)),
      ]);
      expect(results.slice(0, 6).filter(Boolean)).toHaveLength(1);
      expect(results.slice(6).filter(Boolean)).toHaveLength(1);
      const log = await b.directory.auditLog('acct_demo');
      expect(log.map((entry) => entry.action).sort()).toEqual(['click_tracking_on', 'https_on']);
    });

    it('writes a change and its audit entry together or not at all', async () => {
      const { open } = await fresh();
      const storage = await open();
      await storage.seedDemoAccounts();
      // Evidence that cannot be serialised makes the audit write fail after the update ran.
      const unserialisable = { count: 1n };
      await expect(
        storage.directory.setHttps({
          accountId: 'acct_demo',
          actor: 'r',
          evidence: unserialisable,
          domain: 'links.example.com',
          enabled: true,
        }),
      ).rejects.toThrow(TypeError);
      await expect(
        storage.directory.setClickTracking({
          accountId: 'acct_demo',
          actor: 'r',
          evidence: unserialisable,
          enabled: true,
        }),
      ).rejects.toThrow(TypeError);
      const account = await storage.directory.getAccount('acct_demo');
      expect(account?.clickTracking).toBe(false);
      expect(account?.domains.every((entry) => !entry.https)).toBe(true);
      expect(await storage.directory.auditLog('acct_demo')).toEqual([]);
    });

    it('never lets one account change another account’s domain', async () => {
      const { open } = await fresh();
      const storage = await open();
      await storage.seedDemoAccounts();
      await expect(
        storage.directory.setHttps({
          accountId: 'acct_expired',
          actor: 'reader:acct_expired',
          evidence: {},
          domain: 'links.example.com',
          enabled: true,
        }),
      ).rejects.toBeInstanceOf(DomainNotInAccountError);
      expect((await storage.directory.getAccount('acct_demo'))?.domains.every((entry) => !entry.https)).toBe(true);
      expect(await storage.directory.auditLog('acct_expired')).toEqual([]);
      expect(await storage.directory.getAccount('acct_nobody')).toBeUndefined();
    });
  });
}
