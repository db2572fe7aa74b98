import { expect } from 'vitest';

import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from '../../src/server/api-errors.ts';
import { createApp } from '../../src/server/app.ts';
import { defineCheck, type Check } from '../../src/checks/check.ts';
import { createChecker } from '../../src/checks/engine.ts';
import { findingDefinition, type FindingCode } from '../../src/checks/findings.ts';
import { NETWORK_CHECKS } from '../../src/checks/checks/index.ts';
import type { CheckId } from '../../src/checks/types.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openServices } from '../../src/server/services.ts';

/** The public origin the test apps run as. */
export const TEST_ORIGIN = 'https://docs.example.com';

/** What the scripted network checks find for a domain, by check id (unlisted checks pass). */
export type Script = (domain: string) => Partial<Record<CheckId, FindingCode>>;

const PASSING: Record<string, FindingCode> = {
  'branded-link-dns': 'cname_ok',
  caa: 'caa_ok',
  certificate: 'cert_ok',
  'https-probe': 'probe_ok',
};

/**
 * The real network checks' ids, steps and `needs`, but with verdicts from a
 * script instead of the network; each check waits for `gate(domain)` when one is set.
 */
export function scriptedChecks(
  script: Script,
  options: { runs?: string[]; gate?: (domain: string) => Promise<void> } = {},
): Check[] {
  return NETWORK_CHECKS.map((real) =>
    defineCheck({
      ...real,
      async run({ domain }) {
        if (real.id === 'branded-link-dns') options.runs?.push(domain);
        await options.gate?.(domain);
        const code = script(domain)[real.id] ?? PASSING[real.id]!;
        findingDefinition(code);
        return { code, evidence: {} };
      },
    }),
  );
}

/**
 * The API app on an in-memory database with the demo accounts, a scripted
 * checker and a clock of the test's own. `request` sends from `peer` (the TCP
 * peer address the app sees) so proxy and rate-limit rules can be exercised.
 */
export async function testApp(
  options: {
    env?: Record<string, string>;
    script?: Script;
    runs?: string[];
    gate?: (domain: string) => Promise<void>;
    now?: () => number;
  } = {},
) {
  const config = loadConfig({
    DATABASE_PATH: ':memory:',
    SITE_URL: TEST_ORIGIN,
    LOGIN_LINK_SECRET: 'test-only-secret-0123456789abcdef0123',
    TRACKLIGHT_DEMO: '1',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('debug', (line) => void logs.push(JSON.parse(line)));
  const checker = createChecker({
    env: config.checks,
    guideUrl: config.guideUrl,
    checks: scriptedChecks(options.script ?? (() => ({})), { runs: options.runs, gate: options.gate }),
  });
  const services = await openServices(config, { log, checker, now: options.now });
  const app = createApp(services);
  return {
    app,
    services,
    logs,
    /** Sends a request as if from the TCP peer `peer`. */
    request(path: string, init: RequestInit = {}, peer = '203.0.113.9') {
      return app.request(path, init, { incoming: { socket: { remoteAddress: peer } } } as never);
    },
    /** A session cookie for a demo account. */
    async signIn(accountId = 'acct_demo') {
      return `tl_session=${await services.sessions.create(accountId)}`;
    },
  };
}

/** A test app, as `testApp` resolves to it. */
export type TestApp = Awaited<ReturnType<typeof testApp>>;

/** A JSON change from the site's own pages. */
export function change(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { origin: TEST_ORIGIN, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * A gate that holds every check of a domain until the test opens it, so runs
 * stay in progress as long as the test needs; `started` lists domains that reached it.
 */
export function heldGate() {
  const doors = new Map<string, PromiseWithResolvers<void>>();
  const started: string[] = [];
  const door = (domain: string) => {
    let entry = doors.get(domain);
    if (!entry) {
      entry = Promise.withResolvers<void>();
      doors.set(domain, entry);
    }
    return entry;
  };
  return {
    started,
    gate(domain: string) {
      if (!started.includes(domain)) started.push(domain);
      return door(domain).promise;
    },
    open(domain: string) {
      door(domain).resolve();
    },
  };
}

/** Lets pending work (promises, handlers) run until nothing moves for a few turns of the event loop. */
export async function settle(turns = 5) {
  for (let index = 0; index < turns; index += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** The error of an API answer, after checking it has the one documented shape and its code's status. */
export async function apiErrorOf(response: Response, code: ApiErrorCode) {
  const body = (await response.json()) as ApiErrorBody;
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(response.status, `status of ${code}`).toBe(API_ERROR_STATUS[code]);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return body.error;
}
