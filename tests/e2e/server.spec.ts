import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { E2E_ORIGIN, SPARE_PORT_BASE } from './origin.ts';

/** A port of its own for each server these tests start beside the suite's: 20 per parallel worker. */
let nextPort = 0;
test.beforeEach(({}, testInfo) => {
  nextPort ||= SPARE_PORT_BASE + testInfo.parallelIndex * 20;
});

/**
 * Runs `npm run serve`'s entry with `env` on top of the values the suite's site
 * was built with (the lab's platform, the suite's public origin), so only what
 * a test changes differs; resolves with its exit code and output once it exits.
 */
function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, ['src/server/serve.ts'], {
    env: {
      ...process.env,
      ASTRO_TELEMETRY_DISABLED: '1',
      ...JSON.parse(process.env.LAB_ENV ?? '{}'),
      SITE_URL: E2E_ORIGIN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, exited, output: () => stdout };
}

test.describe('npm run serve refuses a bad configuration before listening', () => {
  /** A folder of its own for each test: a file that is not a CA, a ranges file that is not ranges. */
  function files() {
    const dir = mkdtempSync(join(tmpdir(), 'tracklight-config-'));
    writeFileSync(join(dir, 'not-a-ca.pem'), 'hello');
    writeFileSync(join(dir, 'ranges.json'), '{"providers": 3}');
    return dir;
  }

  for (const [variable, value, what] of [
    ['PORT', 'abc', 'not a number'],
    ['SITE_URL', 'not a url', 'not a URL'],
    ['TRUST_PROXY', 'everyone', 'neither hops nor networks'],
    ['CHECKS_CDN_RANGES_FILE', 'missing.json', 'a missing file'],
    ['CHECKS_CDN_RANGES_FILE', 'ranges.json', 'a malformed file'],
    ['CHECKS_EXTRA_CA_FILE', 'not-a-ca.pem', 'not PEM'],
    ['DATABASE_PATH', '.', 'a folder'],
    ['CHECKS_MAX_CONCURRENT', '0', 'zero'],
  ] as const) {
    test(`${variable}: ${what}`, async () => {
      const dir = files();
      const inDir = variable.endsWith('_FILE') || variable === 'DATABASE_PATH';
      try {
        const { exited } = serve({
          PORT: String(nextPort++),
          DATABASE_PATH: join(dir, 'db.sqlite'),
          [variable]: inDir ? join(dir, value) : value,
        });
        const { code, stderr } = await exited;
        expect(code).toBe(1);
        expect(stderr).toContain(variable);
        expect(stderr).not.toMatch(/\n\s+at /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

test('npm run serve refuses values unlike the build’s, naming the variable and how to rebuild', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracklight-values-'));
  try {
    const { exited } = serve({
      PORT: String(nextPort++),
      DATABASE_PATH: join(dir, 'db.sqlite'),
      TRACKING_CNAME_TARGET: 'edge.other-platform.example',
    });
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/^\s+TRACKING_CNAME_TARGET: the pages were built with "track\.mail\.example"/m);
    expect(stderr).toContain('npm run build');
    expect(stderr).not.toMatch(/\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts a server wired to the suite's lab on a port of its own and waits until it is ready. */
async function serveReady(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tracklight-serve-'));
  const port = nextPort++;
  const server = serve({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_PATH: join(dir, 'db.sqlite'),
    ...env,
  });
  const ready = () =>
    fetch(`http://127.0.0.1:${port}/api/ready`).then(
      (response) => response.status,
      () => 0,
    );
  await expect.poll(ready, { timeout: 20_000 }).toBe(200);
  return {
    ...server,
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      server.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('SIGTERM ends open streams with a last event, and the server exits 0 within 10 s', async () => {
  const server = await serveReady();
  try {
    // A stream waiting on a probe that never answers: open until the server stops.
    const events = await new Promise<{ text(): string; ended: Promise<void> }>((resolve, reject) => {
      httpRequest(`${server.origin}/api/checks/stream?domain=probe-timeout.lab.example.com`, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        resolve({ text: () => text, ended: once(response, 'end').then(() => undefined) });
      })
        .on('error', reject)
        .end();
    });
    const stoppedAt = Date.now();
    server.child.kill('SIGTERM');
    await events.ended;
    const { code } = await server.exited;
    expect(events.text()).toContain('event: closing');
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  } finally {
    await server.stop();
  }
});

test('metrics are served on their own port: requests by route, findings by code, checks running', async () => {
  const metricsPort = nextPort++;
  const server = await serveReady({ METRICS_PORT: String(metricsPort) });
  try {
    const report = await fetch(`${server.origin}/api/checks?domain=cert-expired.lab.example.com`);
    expect(report.status).toBe(200);
    expect((await fetch(`${server.origin}/metrics`)).status).toBe(404);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/tracklight_http_requests_total\{route="\/api\/checks",method="GET",status="200"\} 1/);
    expect(metrics).toMatch(/tracklight_findings_total\{check="certificate",code="cert_expired"\} 1/);
    expect(metrics).toMatch(/tracklight_check_duration_seconds_count\{check="certificate"\} 1/);
    expect(metrics).toMatch(/tracklight_checks_running 0/);
    expect(metrics).toContain('tracklight_rate_limit_refusals_total');
  } finally {
    await server.stop();
  }
});
