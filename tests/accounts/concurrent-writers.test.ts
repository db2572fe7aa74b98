import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { afterAll, describe, expect, it } from 'vitest';

import { createSqliteDirectory, seedDemoAccounts } from '../../src/accounts/sqlite-directory.ts';
import { openDatabase } from '../../src/storage/database.ts';

const dir = mkdtempSync(join(tmpdir(), 'tracklight-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each worker opens its own connection to the same file and asks to turn HTTPS on, all at once.
const WORKER = `
  const { workerData, parentPort } = require('node:worker_threads');
  import(workerData.directory).then(async ({ createSqliteDirectory }) => {
    const { openDatabase } = await import(workerData.database);
    const directory = createSqliteDirectory(openDatabase(workerData.path));
    Atomics.wait(new Int32Array(workerData.start), 0, 0);
    const changed = await directory.setHttps({ accountId: 'acct_demo', actor: 'worker', evidence: {}, domain: 'links.example.com', enabled: true });
    parentPort.postMessage(changed);
  });
`;

describe('concurrent writers on one database file', () => {
  it('turn HTTPS on exactly once, with one audit entry, however many ask at the same moment', async () => {
    const path = join(dir, 'tracklight.sqlite');
    seedDemoAccounts(openDatabase(path));
    const start = new SharedArrayBuffer(4);
    const workers = Array.from(
      { length: 6 },
      () =>
        new Worker(WORKER, {
          eval: true,
          workerData: {
            path,
            start,
            directory: new URL('../../src/accounts/sqlite-directory.ts', import.meta.url).href,
            database: new URL('../../src/storage/database.ts', import.meta.url).href,
          },
        }),
    );
    const results = workers.map(
      (worker) => new Promise<boolean>((resolve, reject) => worker.once('message', resolve).once('error', reject)),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    Atomics.store(new Int32Array(start), 0, 1);
    Atomics.notify(new Int32Array(start), 0);
    const changed = await Promise.all(results);
    await Promise.all(workers.map((worker) => worker.terminate()));

    expect(changed.filter(Boolean)).toHaveLength(1);
    const directory = createSqliteDirectory(openDatabase(path));
    expect(
      (await directory.getAccount('acct_demo'))?.domains.find((entry) => entry.domain === 'links.example.com')?.https,
    ).toBe(true);
    expect(await directory.auditLog('acct_demo')).toHaveLength(1);
  });
});
