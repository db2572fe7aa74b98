/**
 * `npm run bench`: how fast a full report is, measured against the floor of
 * what any check must do, in the same run on the same lab:
 *   floor  = one DNS query + TCP connect + TLS handshake + one HTTP request,
 *            with Node's primitives, to the same host the report checks;
 *   report = the engine's full, uncached report for that domain.
 * Also: memory over many uncached reports. Then the same comparison on a lab
 * that adds LAB_LATENCY_MS (25 ms) to every DNS answer and TCP accept, so round
 * trips on the critical path show. The server over HTTP is measured by
 * `server.bench.ts`. Prints Markdown tables; BENCHMARKS.md keeps the latest figures.
 */
import { spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { connect, createSecureContext, rootCertificates } from 'node:tls';

import { parseChecksEnv } from '../../src/checks/config.ts';
import { createChecker } from '../../src/checks/engine.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const LATENCY_ITERATIONS = Number(process.env.BENCH_LATENCY_ITERATIONS ?? 60);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 25);
const SCENARIOS = ['healthy-direct', 'healthy-proxied', 'cert-expired'];

/** A lab in its own process; `latencyMs` is added to every DNS answer and TCP accept. */
async function startLabProcess(latencyMs: number) {
  const child = spawn(process.execPath, [new URL('./lab-process.ts', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, LAB_LATENCY_MS: String(latencyMs) },
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const lab = JSON.parse(line) as { env: Record<string, string>; domains: Record<string, string> };
  const env = parseChecksEnv(lab.env);
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([...env.CHECKS_DNS_SERVERS]);
  return {
    env,
    resolver,
    domainOf: (name: string) => lab.domains[name]!,
    checker: createChecker({ env, guideUrl: 'http://localhost:4321/guides/https-link-tracking/' }),
    // The floor gets the same one-time trust store the engine builds, so neither pays to parse it per connection.
    secureContext: createSecureContext({
      ca: [...rootCertificates, readFileSync(env.CHECKS_EXTRA_CA_FILE!, 'utf8')],
    }),
    async stop() {
      child.stdin!.end();
      await once(child, 'exit');
    },
  };
}

let { env, resolver, domainOf, checker, secureContext, stop } = await startLabProcess(0);

/** The floor: the least any HTTPS check of this domain can do. */
async function floor(domain: string): Promise<void> {
  const [address] = await resolver.resolve4(domain);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({
      host: address,
      port: env.CHECKS_HTTPS_PORT,
      servername: domain,
      secureContext,
      rejectUnauthorized: false,
    });
    let answer = '';
    socket.once('secureConnect', () => {
      socket.write(
        `GET ${env.TRACKING_PROBE_PATH} HTTP/1.1\r\nhost: ${domain}:${env.CHECKS_HTTPS_PORT}\r\nconnection: close\r\n\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) {
        socket.destroy();
        resolve();
      }
    });
    socket.once('error', reject);
  });
}

/** Times two tasks in alternation, so drift in the machine's load affects both alike. Sorted times of each. */
async function timeAlternately(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  iterations: number,
): Promise<[number[], number[]]> {
  for (let i = 0; i < 10; i++) await Promise.all([a(), b()]); // warm-up
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < iterations; i++) {
    for (const [index, task] of [a, b].entries()) {
      const start = performance.now();
      await task();
      times[index]!.push(performance.now() - start);
    }
  }
  return [times[0].sort((x, y) => x - y), times[1].sort((x, y) => x - y)];
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;
const p95 = (sorted: number[]) => sorted[Math.floor(sorted.length * 0.95)]!;
const ms = (value: number) => `${value.toFixed(2)} ms`;

/** One table row per scenario: floor and full report, timed in alternation. */
async function compare(iterations: number): Promise<string[]> {
  const rows: string[] = [];
  for (const name of SCENARIOS) {
    const domain = domainOf(name);
    const [floorTimes, reportTimes] = await timeAlternately(
      () => floor(domain),
      () => checker.check(domain),
      iterations,
    );
    const ratio = median(reportTimes) / median(floorTimes);
    rows.push(
      `| ${name} | ${ms(median(floorTimes))} | ${ms(median(reportTimes))} | ${ms(p95(reportTimes))} | **${ratio.toFixed(2)}×** |`,
    );
  }
  return rows;
}

const rows = await compare(ITERATIONS);

// Memory: heap growth over many uncached reports, after collection.
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
for (let i = 0; i < 200; i++) await checker.check(domainOf(SCENARIOS[i % SCENARIOS.length]!));
globalThis.gc?.();
const heapGrowthKb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024);
const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);

await stop();

// The same comparison with every DNS answer and TCP accept LATENCY_MS late.
({ env, resolver, domainOf, checker, secureContext, stop } = await startLabProcess(LATENCY_MS));
const latencyRows = await compare(LATENCY_ITERATIONS);
await stop();

console.log(`Node ${process.version}, ${ITERATIONS} iterations per scenario, lab in its own process on loopback.\n`);
console.log('| Scenario | Floor (median) | Full report (median) | Full report (p95) | Report / floor |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log(
  `\nWith ${LATENCY_MS} ms added to every DNS answer and TCP accept (${LATENCY_ITERATIONS} iterations per scenario):\n`,
);
console.log('| Scenario | Floor (median) | Full report (median) | Full report (p95) | Report / floor |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of latencyRows) console.log(row);
console.log(
  `Memory: heap growth after 200 uncached reports ${heapGrowthKb} KB${globalThis.gc ? '' : ' (without --expose-gc: indicative)'}; RSS ${rssMb} MB.`,
);
