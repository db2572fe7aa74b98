import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { DomainNotInAccountError } from '../../src/accounts/directory.ts';
import { createSqliteDirectory, seedDemoAccounts } from '../../src/accounts/sqlite-directory.ts';
import { openDatabase } from '../../src/storage/database.ts';

const dirs: string[] = [];
function freshPath() {
  const dir = mkdtempSync(join(tmpdir(), 'tracklight-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'tracklight.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the embedded account directory', () => {
  it('creates the file, migrates once, and uses WAL', () => {
    const path = freshPath();
    const db = openDatabase(path);
    expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    db.close();
    const again = openDatabase(path);
    // Reopening applies nothing twice: one row per migration, and the newest schema is in place.
    const versions = again.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
      version: number;
    }[];
    expect(versions.map((row) => row.version)).toEqual([1, 2, 3]);
    expect(again.prepare("SELECT name FROM sqlite_master WHERE name = 'reports'").get()).toBeDefined();
    again.close();
  });

  it('keeps every change across a restart, with its audit entry', async () => {
    const path = freshPath();
    const db = openDatabase(path);
    seedDemoAccounts(db);
    const directory = createSqliteDirectory(db, () => new Date('2026-11-22T12:00:00Z'));
    expect(
      await directory.setClickTracking({
        accountId: 'acct_demo',
        actor: 'reader:acct_demo',
        evidence: { why: 'test' },
        enabled: true,
      }),
    ).toBe(true);
    expect(
      await directory.setHttps({
        accountId: 'acct_demo',
        actor: 'reader:acct_demo',
        evidence: { checks: 'all passed' },
        domain: 'links.example.com',
        enabled: true,
      }),
    ).toBe(true);
    db.close();

    const reopened = createSqliteDirectory(openDatabase(path));
    const account = await reopened.getAccount('acct_demo');
    expect(account?.clickTracking).toBe(true);
    expect(account?.domains.find((entry) => entry.domain === 'links.example.com')?.https).toBe(true);
    const log = await reopened.auditLog('acct_demo');
    expect(log.map((entry) => [entry.action, entry.target, entry.actor])).toEqual([
      ['https_on', 'links.example.com', 'reader:acct_demo'],
      ['click_tracking_on', null, 'reader:acct_demo'],
    ]);
    expect(log[0]!.evidence).toEqual({ checks: 'all passed' });
    expect(log[0]!.at).toBe('2026-11-22T12:00:00.000Z');
  });

  it('is idempotent under concurrent identical requests: one change, one audit entry', async () => {
    const db = openDatabase(freshPath());
    seedDemoAccounts(db);
    const directory = createSqliteDirectory(db);
    const changes = await Promise.all(
      Array.from({ length: 10 }, () =>
        directory.setHttps({
          accountId: 'acct_demo',
          actor: 'reader:acct_demo',
          evidence: {},
          domain: 'links.example.com',
          enabled: true,
        }),
      ),
    );
    expect(changes.filter(Boolean)).toHaveLength(1);
    expect(await directory.auditLog('acct_demo')).toHaveLength(1);
  });

  it('is idempotent across two connections to the same file', async () => {
    const path = freshPath();
    const first = openDatabase(path);
    seedDemoAccounts(first);
    const second = openDatabase(path);
    const [a, b] = [createSqliteDirectory(first), createSqliteDirectory(second)];
    const request = { accountId: 'acct_demo', actor: 'reader:acct_demo', evidence: {}, enabled: true };
    const results = await Promise.all([
      a.setClickTracking(request),
      b.setClickTracking(request),
      a.setClickTracking(request),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.auditLog('acct_demo')).toHaveLength(1);
  });

  it('never lets one account change another account’s domain', async () => {
    const db = openDatabase(freshPath());
    seedDemoAccounts(db);
    const directory = createSqliteDirectory(db);
    await expect(
      directory.setHttps({
        accountId: 'acct_expired',
        actor: 'reader:acct_expired',
        evidence: {},
        domain: 'links.example.com',
        enabled: true,
      }),
    ).rejects.toBeInstanceOf(DomainNotInAccountError);
    expect((await directory.getAccount('acct_demo'))?.domains.every((entry) => !entry.https)).toBe(true);
    expect(await directory.auditLog('acct_expired')).toEqual([]);
  });

  it('knows nothing of an unknown account', async () => {
    const directory = createSqliteDirectory(openDatabase(freshPath()));
    expect(await directory.getAccount('acct_nobody')).toBeUndefined();
  });
});
