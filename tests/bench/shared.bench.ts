/**
 * The shared-state benchmark (part of `npm run bench`): cached
 * `GET /api/checks` through the production server, in the same run:
 *   - one instance, state in memory (the embedded default);
 *   - one instance sharing state through Redis;
 *   - two instances sharing one Redis, loaded at once (half the connections each).
 * Then the latency each request pays for Redis: the shared per-client limit's
 * one EVALSHA round trip, timed on its own (p50, p99), and the request latency
 * with and without Redis. Each server runs in its own process; Redis is a
 * throwaway `redis-server` (tests/support/redis.ts), on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import autocannon from 'autocannon';

import { buildSiteForLab } from '../support/build-site.ts';

import { createLogger } from '../../src/server/logger.ts';
import { openRedisState } from '../../src/server/redis-state.ts';
import { findRedisServer, startRedis } from '../support/redis.ts';

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const ROUNDS = 2;
const CONNECTIONS = 32;
// BENCH_PORT as in the server benchmark; these instances take the two ports after its app and floor.
const FIRST_PORT = Number(process.env.BENCH_PORT ?? 28600) + 2;
const ROUND_TRIPS = 20_000;

if (!findRedisServer()) {
  console.log('\nSKIPPED the shared-state benchmark: redis-server not found (install Debian’s redis-server package).');
  process.exit(0);
}

/** Starts the production server in its own process (`server-process.ts app`) and waits until it listens. */
async function startInstance(port: number, env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    [new URL('./server-process.ts', import.meta.url).pathname, 'app'],
    {
      env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['pipe', 'ignore', 'inherit', 'pipe'],
    },
  );
  const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  await lines.next();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.stdin!.end();
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
}

/** Loads every URL at once (the connections split between them); requests per second summed, latency of the first. */
async function load(urls: string[]): Promise<Load> {
  const results = await Promise.all(
    urls.map((url) => autocannon({ url, connections: CONNECTIONS / urls.length, duration: DURATION_S })),
  );
  for (const result of results) {
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${result.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return {
    rps: results.reduce((sum, result) => sum + result.requests.average, 0),
    p50: results[0]!.latency.p50,
    p99: results[0]!.latency.p99,
  };
}

const best = (loads: Load[]) => loads.reduce((a, b) => (b.rps > a.rps ? b : a));

const labProcess = spawn(process.execPath, [new URL('./lab-process.ts', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = (await once(createInterface({ input: labProcess.stdout! }), 'line')) as [string];
const lab = JSON.parse(line) as { env: Record<string, string>; domains: Record<string, string> };
const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), 'tracklight-shared-bench-'));
const domain = lab.domains['healthy-direct']!;
const path = `/api/checks?domain=${domain}`;

const base = {
  ...lab.env,
  LOGIN_LINK_SECRET: 'benchmark-only-secret-0123456789abcdef',
  LOG_LEVEL: 'warn',
  // One client sends everything here; production limits would refuse the load on purpose.
  CHECKS_RATE_LIMIT_PER_CLIENT: '100000000',
  CHECKS_RATE_LIMIT_PER_DOMAIN: '100000000',
  CHECKS_MAX_CONCURRENT: '2000',
};
// Every instance serves one public origin, as behind a load balancer; the site is built for it.
const PUBLIC_ORIGIN = `http://127.0.0.1:${FIRST_PORT}`;
buildSiteForLab(PUBLIC_ORIGIN, { quiet: true });
const instance = (index: number, shared: boolean) =>
  startInstance(FIRST_PORT + index, {
    ...base,
    SITE_URL: PUBLIC_ORIGIN,
    DATABASE_PATH: join(dataDir, `instance-${index}.sqlite`),
    ...(shared ? { REDIS_URL: redis.url } : {}),
  });

const memory: Load[] = [];
const oneShared: Load[] = [];
const twoShared: Load[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const alone = await instance(0, false);
    await fetch(alone.url + path).then((response) => response.arrayBuffer());
    memory.push(await load([alone.url + path]));
    await alone.stop();

    const [first, second] = [await instance(0, true), await instance(1, true)];
    // The report runs once, on the first; the second serves it from Redis, then from its own memory.
    await fetch(first.url + path).then((response) => response.arrayBuffer());
    oneShared.push(await load([first.url + path]));
    twoShared.push(await load([first.url + path, second.url + path]));
    await Promise.all([first.stop(), second.stop()]);
  }
} finally {
  labProcess.stdin!.end();
  await once(labProcess, 'exit');
  rmSync(dataDir, { recursive: true, force: true });
}

// The round trip a cached request pays for Redis: one EVALSHA of the shared per-client limit.
const state = await openRedisState(redis.url, { log: createLogger('error', () => {}) });
const limiter = state.limiter('bench', { limit: 100_000_000, periodMs: 60_000 });
for (let index = 0; index < 1_000; index += 1) await limiter.take('warm-up');
const trips: number[] = [];
for (let index = 0; index < ROUND_TRIPS; index += 1) {
  const started = performance.now();
  await limiter.take(`client-${index % 100}`);
  trips.push(performance.now() - started);
}
await state.close();
await redis.stop();
trips.sort((a, b) => a - b);
const percentile = (share: number) => trips[Math.min(trips.length - 1, Math.floor(trips.length * share))]!;

const rps = (value: number) => Math.round(value).toLocaleString('en');
const [m, one, two] = [best(memory), best(oneShared), best(twoShared)];
console.log(
  `\nShared state: cached \`GET /api/checks\`, autocannon, ${CONNECTIONS} connections in all, best of ${ROUNDS} × ${DURATION_S} s, in the same run.\n`,
);
console.log('| Deployment | Cached reports/s | Latency p50 | Latency p99 | Against one instance in memory |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| One instance, state in memory (default) | ${rps(m.rps)} | ${m.p50} ms | ${m.p99} ms | 1.00× |`);
console.log(
  `| One instance, \`REDIS_URL\` | ${rps(one.rps)} | ${one.p50} ms | ${one.p99} ms | **${(one.rps / m.rps).toFixed(2)}×** |`,
);
console.log(
  `| Two instances, one Redis (summed) | ${rps(two.rps)} | ${two.p50} ms | ${two.p99} ms | **${(two.rps / m.rps).toFixed(2)}×** |`,
);
console.log(
  `\nWhat each request pays for Redis: the shared per-client limit, one EVALSHA round trip on loopback, ` +
    `${ROUND_TRIPS.toLocaleString('en')} in a row: p50 ${percentile(0.5).toFixed(3)} ms, p99 ${percentile(0.99).toFixed(3)} ms.`,
);
