import { Worker } from 'node:worker_threads';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStorage } from '../../src/storage/open-storage.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from '../support/postgres.ts';

const withPostgres = postgresAvailable();
let server: TestPostgres | undefined;
beforeAll(async () => {
  if (withPostgres) server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
});

// Each worker opens its own storage (its own connection pool, as a separate instance would)
// on the same database and asks to turn HTTPS on, all at once.
const WORKER = `
  const { workerData, parentPort } = require('node:worker_threads');
  import(workerData.storage).then(async ({ openStorage }) => {
    const storage = await openStorage({ databaseUrl: workerData.url, databasePath: ':memory:', retentionDays: 30 });
    parentPort.postMessage('ready');
    Atomics.wait(new Int32Array(workerData.start), 0, 0);
    const changed = await storage.directory.setHttps({ accountId: 'acct_demo', actor: 'worker', evidence: {}, domain: 'links.example.com', enabled: true });
    await storage.close();
    parentPort.postMessage(changed);
  });
`;

describe.skipIf(!withPostgres)('concurrent writers on one PostgreSQL database', () => {
  it('turn HTTPS on exactly once, with one audit entry, however many ask at the same moment', async () => {
    const url = await server!.createDatabase();
    const setup = await openStorage({ databaseUrl: url, databasePath: ':memory:', retentionDays: 30 });
    await setup.seedDemoAccounts();
    const start = new SharedArrayBuffer(4);
    const workers = Array.from(
      { length: 6 },
      () =>
        new Worker(WORKER, {
          eval: true,
          workerData: { url, start, storage: new URL('../../src/storage/open-storage.ts', import.meta.url).href },
        }),
    );
    const messages = workers.map((worker) => {
      const ready = new Promise<void>((resolve, reject) => {
        worker.on('message', (message) => message === 'ready' && resolve());
        worker.once('error', reject);
      });
      const done = new Promise<boolean>((resolve, reject) => {
        worker.on('message', (message) => message !== 'ready' && resolve(message as boolean));
        worker.once('error', reject);
      });
      return { ready, done };
    });
    await Promise.all(messages.map((message) => message.ready));
    Atomics.store(new Int32Array(start), 0, 1);
    Atomics.notify(new Int32Array(start), 0);
    const changed = await Promise.all(messages.map((message) => message.done));
    await Promise.all(workers.map((worker) => worker.terminate()));

    expect(changed.filter(Boolean)).toHaveLength(1);
    expect(
      (await setup.directory.getAccount('acct_demo'))?.domains.find((entry) => entry.domain === 'links.example.com')
        ?.https,
    ).toBe(true);
    expect(await setup.directory.auditLog('acct_demo')).toHaveLength(1);
    await setup.close();
  }, 60_000);
});
