/**
 * Two instances behind one proxy, on one PostgreSQL and one Redis (real
 * servers these tests start), each with its own `DATABASE_PATH`, act as one
 * service: limits, one-time sign-in links, sessions, account changes, shared
 * reports, the report cache, the cap on runs and fresh runs are all shared.
 * Each instance is the real app over real HTTP on loopback (createApp on
 * @hono/node-server, ports from `SERVER_TEST_PORTS`, 4700-4799 by default),
 * with the network checks scripted so runs can be counted and held.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { serve } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createChecker } from '../../src/checks/engine.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import type { AppEnv } from '../../src/server/middleware.ts';
import { GET as signInRoute } from '../../src/server/routes/sign-in.ts';
import { openServices, type Services } from '../../src/server/services.ts';
import { mintSignInLink } from '../../src/server/sign-in-link.ts';
import { heldGate, scriptedChecks } from '../server/harness.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { redisAvailable, startRedis, type TestRedis } from '../support/redis.ts';
import { portIsFree, portsToTry } from '../support/servers.ts';

const SITE = 'https://docs.example.com';
const SECRET = 'multi-instance-secret-0123456789abcdef';
const [FIRST_PORT, LAST_PORT] = (process.env.SERVER_TEST_PORTS ?? '4700-4799').split('-').map(Number) as [
  number,
  number,
];

/** The one Astro route these tests need, on the app: `/sign-in`, with its cookie passed through. */
function signInPage(services: Services): MiddlewareHandler<AppEnv> {
  return async (c) => {
    if (c.req.path !== '/sign-in') return c.text('Not found', 404);
    const cookies: string[] = [];
    const answer = await signInRoute({
      url: new URL(c.req.url),
      locals: { services },
      cookies: { set: (name: string, value: string) => void cookies.push(`${name}=${value}`) },
    } as never);
    const headers = new Headers(answer.headers);
    for (const cookie of cookies) headers.append('set-cookie', cookie);
    return new Response(null, { status: answer.status, headers });
  };
}

const runs: string[] = [];
const held = heldGate();
const holding = new Set<string>();
const checker = () =>
  createChecker({
    env: loadConfig({}).checks,
    guideUrl: `${SITE}/guides/https-link-tracking/`,
    checks: scriptedChecks(() => ({}), {
      runs,
      gate: (domain) => (holding.has(domain) ? held.gate(domain) : Promise.resolve()),
    }),
  });

interface Instance {
  origin: string;
  services: Services;
  server: Server;
  dir: string;
}

async function startInstance(databaseUrl: string, redisUrl: string): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'tracklight-instance-'));
  const config = loadConfig({
    SITE_URL: SITE,
    TRUST_PROXY: '1',
    DATABASE_URL: databaseUrl,
    DATABASE_PATH: join(dir, 'unused.sqlite'),
    REDIS_URL: redisUrl,
    LOGIN_LINK_SECRET: SECRET,
    TRACKLIGHT_DEMO: '1',
    CHECKS_MAX_CONCURRENT: '2',
  });
  const services = await openServices(config, { checker: checker(), log: createLogger('error', () => {}) });
  const app = createApp(services, signInPage(services));
  for (const port of portsToTry(FIRST_PORT, LAST_PORT)) {
    if (!(await portIsFree(port))) continue;
    const server = await new Promise<Server>((resolve, reject) => {
      const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(listening as Server));
      listening.once('error', reject);
    }).catch(() => undefined);
    if (server) return { origin: `http://127.0.0.1:${port}`, services, server, dir };
  }
  throw new Error(`no free port in ${FIRST_PORT}-${LAST_PORT}`);
}

async function stopInstance({ server, services, dir }: Instance) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}

const ready = postgresAvailable() && redisAvailable();
let postgres: TestPostgres;
let redis: TestRedis;
let a: Instance;
let b: Instance;
let clients = 0;

/** A client of its own (the proxy's X-Forwarded-For), so each test starts with a full allowance. */
const newClient = () => `198.51.100.${(clients += 1)}`;

function send(instance: Instance, path: string, client: string, init: RequestInit = {}) {
  return fetch(instance.origin + path, {
    redirect: 'manual',
    ...init,
    headers: { 'x-forwarded-for': client, ...(init.headers as Record<string, string>) },
  });
}

const change = (body: unknown, cookie: string): RequestInit => ({
  method: 'POST',
  headers: { origin: SITE, 'content-type': 'application/json', cookie },
  body: JSON.stringify(body),
});

describe.skipIf(!ready)('two instances on one PostgreSQL and one Redis', () => {
  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const databaseUrl = await postgres.createDatabase();
    a = await startInstance(databaseUrl, redis.url);
    b = await startInstance(databaseUrl, redis.url);
  }, 120_000);

  afterAll(async () => {
    for (const instance of [a, b]) if (instance) await stopInstance(instance);
    await Promise.all([postgres?.destroy(), redis?.stop()]);
  }, 60_000);

  it('refuses the 31st checks request of one client across both instances', async () => {
    const client = newClient();
    const statuses: number[] = [];
    for (let index = 0; index < 31; index += 1) {
      const response = await send(index % 2 ? b : a, '/api/checks?domain=limits.example.com', client);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect(statuses[30]).toBe(429);
  });

  it('accepts a sign-in link once across instances; the session and an account change are seen by both', async () => {
    const link = new URL(mintSignInLink({ origin: SITE, accountId: 'acct_demo', secret: SECRET }));
    const first = await send(a, link.pathname + link.search, newClient());
    expect(first.headers.get('location')).toMatch(/signin=ok/);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const replayed = await send(b, link.pathname + link.search, newClient());
    expect(replayed.headers.get('location')).toMatch(/signin=replayed/);
    expect(replayed.headers.get('set-cookie')).toBeNull();

    const onB = await (await send(b, '/api/account', newClient(), { headers: { cookie } })).json();
    expect(onB).toMatchObject({ signedIn: true, account: { id: 'acct_demo' } });
    const before = onB.account.clickTracking as boolean;

    const changed = await send(b, '/api/account/click-tracking', newClient(), change({ enabled: !before }, cookie));
    expect(changed.status).toBe(200);
    const onA = await (await send(a, '/api/account', newClient(), { headers: { cookie } })).json();
    expect(onA.account.clickTracking).toBe(!before);

    const signedOut = await send(a, '/api/sign-out', newClient(), change({}, cookie));
    expect(signedOut.status).toBeLessThan(300);
    expect(await (await send(b, '/api/account', newClient(), { headers: { cookie } })).json()).toEqual({
      signedIn: false,
    });
  });

  it('reads on one instance a report shared on the other', async () => {
    const saved = await send(a, '/api/reports', newClient(), {
      method: 'POST',
      headers: { origin: SITE, 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 Firefox/140.0' },
      body: JSON.stringify({ domain: 'shared-report.example.com', locale: 'en' }),
    });
    expect(saved.status).toBe(201);
    const { id, report } = await saved.json();
    const read = await send(b, `/api/reports/${id}`, newClient());
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(report);
  });

  it('serves from one instance the report the other just ran, without running it again', async () => {
    const domain = 'cached-across.example.com';
    const first = await (await send(a, `/api/checks?domain=${domain}`, newClient())).json();
    const second = await (await send(b, `/api/checks?domain=${domain}`, newClient())).json();
    expect(second).toEqual(first);
    expect(runs.filter((run) => run === domain)).toHaveLength(1);
  });

  it('runs the checks once when both instances get the same fresh request at once', async () => {
    const domain = 'fresh-once.example.com';
    holding.add(domain);
    const onA = send(a, `/api/checks?domain=${domain}&fresh=1`, newClient());
    await expect.poll(() => held.started.includes(domain)).toBe(true);
    const onB = send(b, `/api/checks?domain=${domain}&fresh=1`, newClient());
    // B is now waiting for A's run rather than starting its own.
    await new Promise((resolve) => setTimeout(resolve, 300));
    held.open(domain);
    const [reportA, reportB] = await Promise.all([(await onA).json(), (await onB).json()]);
    expect(reportB).toEqual(reportA);
    expect(runs.filter((run) => run === domain)).toHaveLength(1);
  });

  it('shares the cap on checks running: beyond it, a run on the other instance waits 2 s, then is refused', async () => {
    const busy = ['busy-1.example.com', 'busy-2.example.com'];
    for (const domain of busy) holding.add(domain);
    const running = busy.map((domain) => send(a, `/api/checks?domain=${domain}`, newClient()));
    await expect.poll(() => busy.every((domain) => held.started.includes(domain))).toBe(true);
    const started = performance.now();
    const refused = await send(b, '/api/checks?domain=busy-3.example.com', newClient());
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe('unavailable');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
    for (const domain of busy) held.open(domain);
    for (const response of await Promise.all(running)) expect(response.status).toBe(200);
    expect((await send(b, '/api/checks?domain=busy-3.example.com', newClient())).status).toBe(200);
  });

  it('keeps serving with per-instance limits when Redis is lost, says so on /api/ready, and shares again when it is back', async () => {
    expect(await (await send(a, '/api/ready', newClient())).json()).toEqual({ status: 'ready' });
    await redis.stop();
    try {
      const degraded = await send(a, '/api/ready', newClient());
      expect(degraded.status).toBe(200);
      expect(await degraded.json()).toEqual({ status: 'degraded', problem: expect.stringMatching(/REDIS_URL/) });
      const client = newClient();
      // Per instance now: each instance gives this client its own 30.
      for (const instance of [a, b]) {
        for (let index = 0; index < 30; index += 1) {
          const response = await send(instance, '/api/checks?domain=outage.example.com', client);
          await response.arrayBuffer();
          expect(response.status).toBe(200);
        }
      }
      expect((await send(a, '/api/checks?domain=outage.example.com', client)).status).toBe(429);
    } finally {
      await redis.start();
    }
    await expect
      .poll(async () => (await (await send(b, '/api/ready', newClient())).json()).status, { timeout: 5_000 })
      .toBe('ready');
    const client = newClient();
    let allowed = 0;
    for (let index = 0; index < 31; index += 1) {
      const response = await send(index % 2 ? b : a, '/api/checks?domain=back.example.com', client);
      await response.arrayBuffer();
      allowed += Number(response.status === 200);
    }
    expect(allowed).toBe(30);
  }, 30_000);
});
