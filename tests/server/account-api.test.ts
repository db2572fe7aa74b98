import { describe, expect, it } from 'vitest';

import { createSqliteDirectory, seedDemoAccounts } from '../../src/accounts/sqlite-directory.ts';
import type { Checker } from '../../src/checks/engine.ts';
import type { CheckResult, Report } from '../../src/checks/types.ts';
import { handleAccount, handleClickTracking, handleHttps } from '../../src/server/account-api.ts';
import type { AppState } from '../../src/server/app-state.ts';
import { createSessionStore } from '../../src/server/sessions.ts';
import { createRateLimiter } from '../../src/server/rate-limit.ts';
import { createReportStore } from '../../src/reports/report-store.ts';
import { openDatabase } from '../../src/storage/database.ts';

const ORIGIN = 'http://localhost:4321';
const GUIDE = `${ORIGIN}/guides/https-link-tracking/`;

function setup() {
  const db = openDatabase(':memory:');
  seedDemoAccounts(db);
  const state: AppState = {
    directory: createSqliteDirectory(db),
    sessions: createSessionStore(db),
    reports: createReportStore(db, { retentionDays: 30 }),
    shareLimiter: createRateLimiter({ limit: 10, windowMs: 60_000 }),
    loginSecret: 'x'.repeat(32),
  };
  return { state, sessionA: state.sessions.create('acct_demo'), sessionB: state.sessions.create('acct_expired') };
}

const check = (
  id: CheckResult['id'],
  step: CheckResult['step'],
  status: CheckResult['status'],
  code: CheckResult['code'],
): CheckResult => ({
  id,
  step,
  status,
  code,
  evidence: {},
  docs: GUIDE,
});

/** A checker whose every run finds `checks`, counting how often it ran. */
function fakeChecker(checks: CheckResult[]) {
  const runs: string[] = [];
  const checker: Checker = {
    async check(domain) {
      runs.push(domain);
      return { domain, checkedAt: '2026-11-22T12:00:00.000Z', durationMs: 3, route: 'direct', checks } satisfies Report;
    },
  };
  return { checker, runs };
}

const healthy = [
  check('click-tracking', 'click-tracking', 'pending', 'sign_in_required'),
  check('branded-link-dns', 'branded-link', 'pass', 'cname_ok'),
  check('caa', 'tls', 'pass', 'caa_ok'),
  check('certificate', 'tls', 'pass', 'cert_ok'),
  check('https-probe', 'tls', 'pass', 'probe_ok'),
  check('https-enabled', 'https', 'pending', 'sign_in_required'),
];

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('the account API', () => {
  it('tells the page who is signed in, and nothing to a stranger', async () => {
    const { state, sessionA } = setup();
    expect(await (await handleAccount(state, sessionA)).json()).toMatchObject({
      signedIn: true,
      account: { id: 'acct_demo' },
    });
    expect(await (await handleAccount(state, 'forged')).json()).toEqual({ signedIn: false });
  });

  it('turns click tracking on for the signed-in reader, idempotently', async () => {
    const { state, sessionA } = setup();
    const first = await handleClickTracking(
      post('/api/account/click-tracking', { enabled: true }),
      state,
      sessionA,
      GUIDE,
    );
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      changed: true,
      account: { clickTracking: true },
      result: { code: 'tracking_on' },
    });
    const again = await handleClickTracking(
      post('/api/account/click-tracking', { enabled: true }),
      state,
      sessionA,
      GUIDE,
    );
    expect(await again.json()).toMatchObject({ changed: false });
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }, 403, 'forbidden_origin'],
    ['no origin', { origin: '' }, 403, 'forbidden_origin'],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
  ])('refuses a change from %s', async (_, headers, status, code) => {
    const { state, sessionA } = setup();
    const response = await handleClickTracking(
      post('/api/account/click-tracking', { enabled: true }, headers),
      state,
      sessionA,
      GUIDE,
    );
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    expect((await state.directory.getAccount('acct_demo'))?.clickTracking).toBe(false);
  });

  it('refuses a change without a session, and a body of the wrong shape', async () => {
    const { state, sessionA } = setup();
    expect(
      (await handleClickTracking(post('/api/account/click-tracking', { enabled: true }), state, undefined, GUIDE))
        .status,
    ).toBe(401);
    expect(
      (await handleClickTracking(post('/api/account/click-tracking', { enabled: 'yes' }), state, sessionA, GUIDE))
        .status,
    ).toBe(400);
  });

  it('never lets account B touch account A’s domain', async () => {
    const { state, sessionB } = setup();
    const { checker, runs } = fakeChecker(healthy);
    const response = await handleHttps(
      post('/api/account/https', { domain: 'links.example.com', enabled: true }),
      state,
      sessionB,
      checker,
      GUIDE,
    );
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('domain_not_in_account');
    expect(runs).toEqual([]);
    expect((await state.directory.getAccount('acct_demo'))?.domains.every((entry) => !entry.https)).toBe(true);
  });

  it('turns HTTPS on only after fresh checks pass, and logs the evidence', async () => {
    const { state, sessionA } = setup();
    await state.directory.setClickTracking({ accountId: 'acct_demo', actor: 'test', evidence: {}, enabled: true });
    const { checker, runs } = fakeChecker(healthy);
    const response = await handleHttps(
      post('/api/account/https', { domain: 'links.example.com', enabled: true }),
      state,
      sessionA,
      checker,
      GUIDE,
    );
    expect(response.status).toBe(200);
    expect(runs).toEqual(['links.example.com']);
    const [entry] = await state.directory.auditLog('acct_demo');
    expect(entry).toMatchObject({ action: 'https_on', target: 'links.example.com', actor: 'reader:acct_demo' });
    expect(entry!.evidence).toMatchObject({
      checkedAt: '2026-11-22T12:00:00.000Z',
      checks: expect.arrayContaining([{ id: 'certificate', status: 'pass', code: 'cert_ok' }]),
    });
  });

  it('answers 409 with the failing steps when a check fails, and changes nothing', async () => {
    const { state, sessionA } = setup();
    await state.directory.setClickTracking({ accountId: 'acct_demo', actor: 'test', evidence: {}, enabled: true });
    const failing = healthy.map((result) =>
      result.id === 'certificate' ? check('certificate', 'tls', 'fail', 'cert_expired') : result,
    );
    const { checker } = fakeChecker(failing);
    const response = await handleHttps(
      post('/api/account/https', { domain: 'links.example.com', enabled: true }),
      state,
      sessionA,
      checker,
      GUIDE,
    );
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: { code: 'https_blocked', failing: [{ step: 'tls', code: 'cert_expired' }] },
    });
    expect(
      (await state.directory.getAccount('acct_demo'))?.domains.find((entry) => entry.domain === 'links.example.com')
        ?.https,
    ).toBe(false);
  });

  it('blocks HTTPS while click tracking is off', async () => {
    const { state, sessionA } = setup();
    const response = await handleHttps(
      post('/api/account/https', { domain: 'links.example.com', enabled: true }),
      state,
      sessionA,
      fakeChecker(healthy).checker,
      GUIDE,
    );
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: { failing: [{ step: 'click-tracking', code: 'tracking_off' }] },
    });
  });

  it('lets the reader undo: HTTPS off needs no checks', async () => {
    const { state, sessionA } = setup();
    await state.directory.setHttps({
      accountId: 'acct_demo',
      actor: 'test',
      evidence: {},
      domain: 'links.example.com',
      enabled: true,
    });
    const { checker, runs } = fakeChecker([]);
    const response = await handleHttps(
      post('/api/account/https', { domain: 'links.example.com', enabled: false }),
      state,
      sessionA,
      checker,
      GUIDE,
    );
    expect(response.status).toBe(200);
    expect(runs).toEqual([]);
    expect((await state.directory.auditLog('acct_demo'))[0]).toMatchObject({ action: 'https_off' });
  });
});
