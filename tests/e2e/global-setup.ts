import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startLab } from '../lab/index.ts';
import { E2E_ORIGIN, E2E_PORT } from './origin.ts';

/**
 * Starts the lab, a small control server the tests use to change lab scenarios
 * (fix, reset), and the built site wired to the lab. Returns the teardown.
 */
export default async function globalSetup() {
  const lab = await startLab();
  const control: Server = createServer((request, response) => {
    const [, action, name] = (request.url ?? '').split('/');
    try {
      if (action === 'fix' && name) lab.fix(name);
      else if (action === 'unfix' && name) lab.unfix(name);
      else if (action === 'reset') lab.reset();
      else throw new Error(`unknown lab action ${request.url}`);
      response.writeHead(204).end();
    } catch (error) {
      response.writeHead(400).end(String(error));
    }
  });
  control.listen(0, '127.0.0.1');
  await once(control, 'listening');
  const address = control.address();
  // Tests that start a server of their own wire it to the same lab.
  process.env.LAB_ENV = JSON.stringify(lab.env);
  process.env.LAB_CONTROL_URL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // Accounts live in a database of this run only; tests mint sign-in links with the same secret.
  const dataDir = mkdtempSync(join(tmpdir(), 'tracklight-e2e-'));
  process.env.DATABASE_PATH = join(dataDir, 'tracklight.sqlite');
  process.env.LOGIN_LINK_SECRET = 'end-to-end-tests-only-secret-0123456789';
  process.env.TRACKLIGHT_DEMO = '1';
  // The build is made for this origin (tests/e2e/build.ts); every server the tests start runs with it.
  process.env.SITE_URL = E2E_ORIGIN;

  const site: ChildProcess = spawn(process.execPath, ['src/server/serve.ts'], {
    env: {
      ...process.env,
      ...lab.env,
      HOST: '127.0.0.1',
      PORT: String(E2E_PORT),
      SITE_URL: E2E_ORIGIN,
      ASTRO_TELEMETRY_DISABLED: '1',
      // Every test runs from one address: the limits are exercised by unit tests instead.
      CHECKS_RATE_LIMIT_PER_CLIENT: '100000',
      CHECKS_RATE_LIMIT_PER_DOMAIN: '100000',
      SHARE_RATE_LIMIT_PER_CLIENT: '100000',
      ACCOUNT_RATE_LIMIT_PER_ACCOUNT: '100000',
      CHECKS_MAX_CONCURRENT: '200',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(`${E2E_ORIGIN}/api/health`, 30_000);

  return async () => {
    site.kill('SIGTERM');
    await once(site, 'exit');
    control.close();
    await lab.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

async function waitFor(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`The site did not start at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
