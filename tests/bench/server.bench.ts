/**
 * The server benchmark (part of `npm run bench`): the production server over
 * real HTTP, each figure against a bare `node:http` server sending the same
 * bytes, measured in the same run, in alternation:
 *   - cached `GET /api/checks` (the report a reader just saw, from the cache);
 *   - the guide page, Brotli-compressed, against a bare server sending the same
 *     compressed bytes;
 *   - memory: 1,000 open event streams, then heap after they close and after
 *     10,000 mixed requests.
 * Load comes from autocannon in this process; each server runs in its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import autocannon from 'autocannon';

import { buildSiteForLab } from '../support/build-site.ts';

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const ROUNDS = 2;
const CONNECTIONS = 32;
// BENCH_PORT moves the servers (the app on it, the bare floor on the next), so two checkouts can run side by side.
const APP_PORT = Number(process.env.BENCH_PORT ?? 28600);
const BARE_PORT = APP_PORT + 1;
const STREAMS = 1_000;
const GUIDE = '/guides/https-link-tracking/';

/** Starts a server process (`server-process.ts`) and waits until it listens. */
async function startProcess(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', new URL('./server-process.ts', import.meta.url).pathname, ...args],
    { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'inherit', 'pipe'] },
  );
  const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, number>;
  await next();
  return {
    /** Forces a collection in the server and returns its memory. */
    async memory() {
      child.stdin!.write('gc\n');
      return (await next()) as { heapUsed: number; rss: number };
    },
    async stop() {
      child.stdin!.end();
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Requests per second autocannon gets from `url` with `headers`. */
async function throughput(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/** One request's status, headers and body bytes. */
function fetchRaw(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
    httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          headers: response.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** The app's and the bare server's throughput on the same bytes, alternating rounds; the best of each. */
async function compare(path: string, headers: Record<string, string>, bareHeaders: string[]) {
  const sample = await fetchRaw(`http://127.0.0.1:${APP_PORT}${path}`, headers);
  if (sample.status !== 200) throw new Error(`${path} answered ${sample.status}`);
  const keep = Object.fromEntries(
    bareHeaders.filter((name) => sample.headers[name]).map((name) => [name, sample.headers[name]!]),
  );
  const bare = await startProcess(['bare', String(BARE_PORT)], {
    BARE_RESPONSE: JSON.stringify({ body: sample.body.toString('base64'), headers: keep }),
  });
  const app: number[] = [];
  const floor: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      floor.push(await throughput(`http://127.0.0.1:${BARE_PORT}${path}`, headers));
      app.push(await throughput(`http://127.0.0.1:${APP_PORT}${path}`, headers));
    }
  } finally {
    await bare.stop();
  }
  return { app: Math.max(...app), floor: Math.max(...floor), bytes: sample.body.length };
}

/** Opens `count` event streams and resolves once every one has its response headers. */
async function openStreams(url: string, count: number) {
  const open = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ close(): void }>((resolve, reject) => {
          const request = httpRequest(url, (response) => {
            response.resume();
            resolve({ close: () => request.destroy() });
          });
          request.on('error', (error) =>
            (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error),
          );
          request.end();
        }),
    ),
  );
  return { closeAll: () => open.forEach((stream) => stream.close()) };
}

// The lab (real DNS and TLS peers) in its own process, as in the checks benchmark.
const labProcess = spawn(process.execPath, [new URL('./lab-process.ts', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = (await once(createInterface({ input: labProcess.stdout! }), 'line')) as [string];
const lab = JSON.parse(line) as { env: Record<string, string>; domains: Record<string, string> };
const dataDir = mkdtempSync(join(tmpdir(), 'tracklight-bench-'));

// The server refuses a build made for other values: build for the address this benchmark serves.
buildSiteForLab(`http://127.0.0.1:${APP_PORT}`, { quiet: true });

const appServer = await startProcess(['app'], {
  ...lab.env,
  HOST: '127.0.0.1',
  PORT: String(APP_PORT),
  SITE_URL: `http://127.0.0.1:${APP_PORT}`,
  DATABASE_PATH: join(dataDir, 'bench.sqlite'),
  LOGIN_LINK_SECRET: 'benchmark-only-secret-0123456789abcdef',
  // One client sends everything here; production limits would refuse the load on purpose.
  CHECKS_RATE_LIMIT_PER_CLIENT: '100000000',
  CHECKS_RATE_LIMIT_PER_DOMAIN: '100000000',
  CHECKS_MAX_CONCURRENT: '2000',
});

const healthy = lab.domains['healthy-direct']!;
const cached = await compare(`/api/checks?domain=${healthy}`, {}, ['content-type', 'cache-control']);
const page = await compare(GUIDE, { 'accept-encoding': 'br' }, [
  'content-type',
  'content-encoding',
  'cache-control',
  'etag',
  'vary',
]);

// Memory: open streams waiting on a slow run, then close them and send mixed traffic. Each kind of
// request is sent once first, so code loaded on first use (Astro's 404 page) is not counted as growth.
const MIXED: autocannon.Request[] = [
  { method: 'GET', path: '/api/health' },
  { method: 'GET', path: `/api/checks?domain=${lab.domains['healthy-direct']!}` },
  { method: 'GET', path: GUIDE, headers: { 'accept-encoding': 'gzip' } },
  { method: 'GET', path: '/no/such/page/' },
  { method: 'POST', path: '/api/reports', headers: { 'content-type': 'text/plain' }, body: 'x' },
];
await autocannon({ url: `http://127.0.0.1:${APP_PORT}`, connections: 1, amount: MIXED.length * 2, requests: MIXED });
await fetchRaw(`http://127.0.0.1:${APP_PORT}/api/checks/stream?domain=${lab.domains['healthy-direct']!}`);
const start = await appServer.memory();
const slow = lab.domains['probe-timeout']!;
const streams = await openStreams(`http://127.0.0.1:${APP_PORT}/api/checks/stream?domain=${slow}`, STREAMS);
const withStreams = await appServer.memory();
streams.closeAll();
// The run those streams waited on ends at its probe's 5 s deadline; only then is its work done.
await new Promise((resolve) => setTimeout(resolve, 6_000));
const mixed = await autocannon({
  url: `http://127.0.0.1:${APP_PORT}`,
  connections: CONNECTIONS,
  amount: 10_000,
  requests: MIXED,
});
// Sockets the load generator just closed are released on the next turns of the event loop.
await new Promise((resolve) => setTimeout(resolve, 1_000));
const after = await appServer.memory();

await appServer.stop();
labProcess.stdin!.end();
await once(labProcess, 'exit');
rmSync(dataDir, { recursive: true, force: true });

const rps = (value: number) => Math.round(value).toLocaleString('en');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const perStream = (withStreams.heapUsed - start.heapUsed) / STREAMS;
const perStreamRss = (withStreams.rss - start.rss) / STREAMS;
const heapReturn = (after.heapUsed - start.heapUsed) / start.heapUsed;

console.log(
  `\nServer over real HTTP: autocannon, ${CONNECTIONS} connections, best of ${ROUNDS} × ${DURATION_S} s, in alternation.\n`,
);
console.log('| Request | Bare `node:http`, same bytes | Tracklight server | Server / bare |');
console.log('| --- | --- | --- | --- |');
console.log(
  `| Cached \`GET /api/checks\` (${kb(cached.bytes)} JSON) | ${rps(cached.floor)}/s | ${rps(cached.app)}/s | **${(cached.app / cached.floor).toFixed(2)}×** |`,
);
console.log(
  `| Guide page, Brotli (${kb(page.bytes)}) | ${rps(page.floor)}/s | ${rps(page.app)}/s | **${(page.app / page.floor).toFixed(2)}×** |`,
);
console.log(
  `\nMemory: ${STREAMS.toLocaleString('en')} open event streams add ${kb(perStream)} of heap (${kb(perStreamRss)} of RSS) each; ` +
    `heap ${mb(start.heapUsed)} at start, ${mb(withStreams.heapUsed)} with the streams, ${mb(after.heapUsed)} after they closed and ` +
    `${mixed.requests.total.toLocaleString('en')} mixed requests (${heapReturn >= 0 ? '+' : ''}${(heapReturn * 100).toFixed(1)}%).`,
);
