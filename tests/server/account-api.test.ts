import { describe, expect, it } from 'vitest';

import { DEMO_ACCOUNTS } from '../../src/accounts/sqlite-directory.ts';
import type { Report } from '../../src/checks/types.ts';
import { apiErrorOf, change, heldGate, settle, testApp, TEST_ORIGIN, type TestApp } from './harness.ts';

const DOMAIN = 'links.example.com';
const OTHER_DOMAIN = 'healthy-direct.lab.example.com';

/** The demo account, signed in, with click tracking on so HTTPS can pass. */
async function readyReader(t: TestApp) {
  const cookie = await t.signIn();
  await t.services.directory.setClickTracking({ accountId: 'acct_demo', actor: 'test', evidence: {}, enabled: true });
  return cookie;
}

const httpsOf = async (t: TestApp, domain: string) =>
  (await t.services.directory.getAccount('acct_demo'))?.domains.find((entry) => entry.domain === domain)?.https;

describe('GET /api/account', () => {
  it('tells the page who is signed in, and nothing to a stranger', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const mine = await t.request('/api/account', { headers: { cookie } });
    expect(mine.headers.get('cache-control')).toBe('no-store');
    expect(await mine.json()).toEqual({
      signedIn: true,
      account: {
        id: 'acct_demo',
        name: 'Demo Outfitters',
        clickTracking: false,
        domains: DEMO_ACCOUNTS[0]!.domains
          .map(({ domain }) => domain)
          .sort()
          .map((domain) => expect.objectContaining({ domain, https: false })),
      },
    });
    const stranger = await t.request('/api/account', { headers: { cookie: 'tl_session=forged' } });
    expect(stranger.headers.get('cache-control')).toBe('no-store');
    expect(await stranger.json()).toEqual({ signedIn: false });
    expect(await (await t.request('/api/account')).json()).toEqual({ signedIn: false });
  });
});

describe('POST /api/account/click-tracking', () => {
  it('turns click tracking on for the signed-in reader, idempotently, and the checks see it', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const first = await t.request('/api/account/click-tracking', change({ enabled: true }, { cookie }));
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(await first.json()).toMatchObject({ changed: true, account: { id: 'acct_demo', clickTracking: true } });
    const again = await t.request('/api/account/click-tracking', change({ enabled: true }, { cookie }));
    expect(await again.json()).toMatchObject({ changed: false, account: { clickTracking: true } });

    const report = (await (await t.request(`/api/checks?domain=${DOMAIN}`, { headers: { cookie } })).json()) as Report;
    expect(report.checks.find((check) => check.id === 'click-tracking')).toMatchObject({
      status: 'pass',
      code: 'tracking_on',
    });
    const [entry] = await t.services.directory.auditLog('acct_demo');
    expect(entry).toMatchObject({ action: 'click_tracking_on', actor: 'reader:acct_demo' });
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }, 'forbidden_origin'],
    ['the same host over http', { origin: 'http://docs.example.com' }, 'forbidden_origin'],
    ['no origin', { origin: '' }, 'forbidden_origin'],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'unsupported_media_type'],
    ['a multipart body', { 'content-type': 'multipart/form-data; boundary=x' }, 'unsupported_media_type'],
    ['a text body', { 'content-type': 'text/plain' }, 'unsupported_media_type'],
    ['a JSON-looking type', { 'content-type': 'application/json-patch+json' }, 'unsupported_media_type'],
  ] as const)('refuses a change from %s', async (_, headers, code) => {
    const t = await testApp();
    const cookie = await t.signIn();
    await apiErrorOf(
      await t.request('/api/account/click-tracking', change({ enabled: true }, { cookie, ...headers })),
      code,
    );
    expect((await t.services.directory.getAccount('acct_demo'))?.clickTracking).toBe(false);
  });

  it('refuses a change without a session, and a body of the wrong shape', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    await apiErrorOf(await t.request('/api/account/click-tracking', change({ enabled: true })), 'sign_in_required');
    await apiErrorOf(
      await t.request('/api/account/click-tracking', change({ enabled: 'yes' }, { cookie })),
      'invalid_request',
    );
    await apiErrorOf(
      await t.request('/api/account/click-tracking', change({ enabled: true, extra: 1 }, { cookie })),
      'invalid_request',
    );
    const broken = await t.request('/api/account/click-tracking', { ...change({}, { cookie }), body: '{"enabled":' });
    await apiErrorOf(broken, 'invalid_request');
    expect((await t.services.directory.getAccount('acct_demo'))?.clickTracking).toBe(false);
  });

  it('limits how many changes one account makes', async () => {
    const t = await testApp({ env: { ACCOUNT_RATE_LIMIT_PER_ACCOUNT: '2' } });
    const cookie = await t.signIn();
    for (const enabled of [true, false]) {
      expect((await t.request('/api/account/click-tracking', change({ enabled }, { cookie }))).status).toBe(200);
    }
    const limited = await t.request('/api/account/click-tracking', change({ enabled: true }, { cookie }));
    await apiErrorOf(limited, 'rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('POST /api/account/https', () => {
  it('never lets account B touch account A’s domain', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    const cookie = await t.signIn('acct_expired');
    const error = await apiErrorOf(
      await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie })),
      'domain_not_in_account',
    );
    expect(error).toEqual({ code: 'domain_not_in_account', domain: DOMAIN, message: expect.any(String) });
    await apiErrorOf(
      await t.request('/api/account/https', change({ domain: DOMAIN, enabled: false }, { cookie })),
      'domain_not_in_account',
    );
    expect(runs).toEqual([]);
    expect(await httpsOf(t, DOMAIN)).toBe(false);
  });

  it('turns HTTPS on only after fresh checks pass, and logs the evidence', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    const cookie = await readyReader(t);
    // A cached report does not count: turning HTTPS on runs the checks again.
    await t.request(`/api/checks?domain=${DOMAIN}`);
    const response = await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ changed: true, account: { id: 'acct_demo' } });
    expect(runs).toEqual([DOMAIN, DOMAIN]);
    expect(await httpsOf(t, DOMAIN)).toBe(true);
    expect(await httpsOf(t, OTHER_DOMAIN)).toBe(false);
    const [entry] = await t.services.directory.auditLog('acct_demo');
    expect(entry).toMatchObject({ action: 'https_on', target: DOMAIN, actor: 'reader:acct_demo' });
    expect(entry!.evidence).toMatchObject({
      checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      checks: expect.arrayContaining([
        { id: 'certificate', status: 'pass', code: 'cert_ok' },
        { id: 'https-enabled', status: 'pending', code: 'https_ready' },
      ]),
    });
  });

  it('answers 409 with the failing steps when a check fails, and changes nothing', async () => {
    const t = await testApp({ script: () => ({ certificate: 'cert_expired' }) });
    const cookie = await readyReader(t);
    const response = await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie }));
    const error = await apiErrorOf(response, 'https_blocked');
    expect(error.failing).toEqual([{ step: 'tls', code: 'cert_expired' }]);
    expect(error.checkedAt).toEqual(expect.any(String));
    expect(await httpsOf(t, DOMAIN)).toBe(false);
  });

  it('blocks HTTPS while click tracking is off', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const response = await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie }));
    const error = await apiErrorOf(response, 'https_blocked');
    expect(error.failing).toEqual([{ step: 'click-tracking', code: 'tracking_off' }]);
    expect(await httpsOf(t, DOMAIN)).toBe(false);
  });

  it('lets the reader undo: HTTPS off needs no checks', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    const cookie = await t.signIn();
    await t.services.directory.setHttps({
      accountId: 'acct_demo',
      actor: 'test',
      evidence: {},
      domain: DOMAIN,
      enabled: true,
    });
    const response = await t.request('/api/account/https', change({ domain: DOMAIN, enabled: false }, { cookie }));
    expect(response.status).toBe(200);
    expect(runs).toEqual([]);
    expect(await httpsOf(t, DOMAIN)).toBe(false);
    expect((await t.services.directory.auditLog('acct_demo'))[0]).toMatchObject({ action: 'https_off' });
  });

  it.each([
    ['co.uk', 'public_suffix'],
    ['127.1', 'ip_address'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, 'too_long'],
    ['', 'empty'],
  ])('refuses the domain %s with its own reason (%s), before running anything', async (domain, reason) => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    const cookie = await t.signIn();
    const response = await t.request('/api/account/https', change({ domain, enabled: true }, { cookie }));
    expect((await apiErrorOf(response, 'invalid_domain')).reason).toBe(reason);
    expect(runs).toEqual([]);
  });

  it('refuses a body of the wrong shape as invalid_request', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    for (const body of [
      { domain: DOMAIN },
      { domain: 7, enabled: true },
      { domain: DOMAIN, enabled: true, extra: 1 },
    ]) {
      await apiErrorOf(await t.request('/api/account/https', change(body, { cookie })), 'invalid_request');
    }
  });

  it('refuses a change without a session before running anything', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    await apiErrorOf(
      await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true })),
      'sign_in_required',
    );
    expect(runs).toEqual([]);
  });
});

describe('turning HTTPS on goes through the checks service’s limits', () => {
  it('counts toward the per-domain limit with the public API: the 7th fresh run in a minute is 429', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    const cookie = await readyReader(t);
    for (let index = 0; index < 3; index += 1) {
      expect((await t.request(`/api/checks?domain=${DOMAIN}&fresh=1`, {}, `203.0.113.${index + 1}`)).status).toBe(200);
    }
    for (let index = 0; index < 3; index += 1) {
      const enabled = await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie }));
      expect(enabled.status).toBe(200);
    }
    expect(runs).toHaveLength(6);
    const seventh = await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie }));
    await apiErrorOf(seventh, 'rate_limited');
    expect(seventh.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(runs).toHaveLength(6);
    // Another domain of the same account is not held back by this one's limit.
    expect(
      (await t.request('/api/account/https', change({ domain: OTHER_DOMAIN, enabled: true }, { cookie }))).status,
    ).toBe(200);
  });

  it('is limited per account, across the account’s domains', async () => {
    const runs: string[] = [];
    const t = await testApp({
      runs,
      env: { ACCOUNT_RATE_LIMIT_PER_ACCOUNT: '2', CHECKS_RATE_LIMIT_PER_DOMAIN: '100' },
    });
    const cookie = await readyReader(t);
    for (const domain of [DOMAIN, OTHER_DOMAIN]) {
      expect((await t.request('/api/account/https', change({ domain, enabled: true }, { cookie }))).status).toBe(200);
    }
    await apiErrorOf(
      await t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie })),
      'rate_limited',
    );
    expect(runs).toHaveLength(2);
  });

  it('shares one run between concurrent requests for the same domain, spending the domain’s limit once', async () => {
    const runs: string[] = [];
    const held = heldGate();
    const t = await testApp({ runs, gate: held.gate });
    const cookie = await readyReader(t);
    // More requests than the domain's 6 fresh runs a minute: joining a run in progress costs none of them.
    const posts = Array.from({ length: 10 }, () =>
      t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie })),
    );
    const publicGet = t.request(`/api/checks?domain=${DOMAIN}&fresh=1`, {}, '203.0.113.50');
    await settle();
    held.open(DOMAIN);
    const answers = await Promise.all(posts);
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect((await publicGet).status).toBe(200);
    expect(runs).toEqual([DOMAIN]);
    expect(await httpsOf(t, DOMAIN)).toBe(true);
  });

  it('waits for a slot like any other run when the checks are busy', async () => {
    const held = heldGate();
    const t = await testApp({ gate: held.gate, env: { CHECKS_MAX_CONCURRENT: '1' } });
    const cookie = await readyReader(t);
    const busy = t.request('/api/checks?domain=busy.example.com');
    await settle();
    const enabling = t.request('/api/account/https', change({ domain: DOMAIN, enabled: true }, { cookie }));
    await settle();
    expect(held.started).toEqual(['busy.example.com']);
    held.open('busy.example.com');
    held.open(DOMAIN);
    expect((await busy).status).toBe(200);
    expect((await enabling).status).toBe(200);
  });
});

describe('POST /api/sign-out', () => {
  it('ends the session and clears the cookie, from this site only', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    await apiErrorOf(
      await t.request('/api/sign-out', change({}, { cookie, origin: 'https://evil.example' })),
      'forbidden_origin',
    );
    expect(await (await t.request('/api/account', { headers: { cookie } })).json()).toMatchObject({ signedIn: true });
    const response = await t.request('/api/sign-out', change({}, { cookie }));
    expect(response.status).toBe(204);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('set-cookie')).toMatch(/^tl_session=;.*Max-Age=0/i);
    expect(await (await t.request('/api/account', { headers: { cookie } })).json()).toEqual({ signedIn: false });
    expect(TEST_ORIGIN).toBe('https://docs.example.com');
  });
});

describe('POST /api/account/certificate', () => {
  const EXPIRED = 'managed-expired.lab.example.com';
  const BLOCKED = 'managed-blocked.lab.example.com';
  const certificateOf = async (t: TestApp, domain: string) =>
    (await t.services.directory.getAccount('acct_demo'))?.domains.find((entry) => entry.domain === domain)?.certificate;

  it('retries issuance of an expired managed certificate, audited, and the step then shows it being issued', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const before = (await (await t.request(`/api/checks?domain=${EXPIRED}`, { headers: { cookie } })).json()) as Report;
    expect(before.checks.find((check) => check.id === 'managed-certificate')).toMatchObject({
      status: 'fail',
      code: 'managed_cert_expired',
      evidence: { state: 'expired', retriable: true, side: 'platform' },
      docs: 'https://docs.example.com/guides/https-link-tracking/#managed-cert-expired',
    });

    const response = await t.request('/api/account/certificate', change({ domain: EXPIRED }, { cookie }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ changed: true });
    expect(await certificateOf(t, EXPIRED)).toMatchObject({ state: 'issuing' });
    const [entry] = await t.services.directory.auditLog('acct_demo');
    expect(entry).toMatchObject({ action: 'certificate_retry', target: EXPIRED, actor: 'reader:acct_demo' });

    const after = (await (
      await t.request(`/api/checks?domain=${EXPIRED}&fresh=1`, { headers: { cookie } })
    ).json()) as Report;
    expect(after.checks.find((check) => check.id === 'managed-certificate')).toMatchObject({
      code: 'managed_cert_issuing',
    });
    const again = await t.request('/api/account/certificate', change({ domain: EXPIRED }, { cookie }));
    expect(await again.json()).toMatchObject({ changed: false });
  });

  it('changes nothing when the reader’s own setup blocks renewal', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const response = await t.request('/api/account/certificate', change({ domain: BLOCKED }, { cookie }));
    expect(await response.json()).toMatchObject({ changed: false });
    expect(await certificateOf(t, BLOCKED)).toMatchObject({ state: 'renewal_failed', failure: 'caa_blocks' });
    expect(await t.services.directory.auditLog('acct_demo')).toEqual([]);
  });

  it('refuses another origin, no session, another account’s domain, and too many retries', async () => {
    const t = await testApp({ env: { ACCOUNT_RATE_LIMIT_PER_ACCOUNT: '1' } });
    const cookie = await t.signIn();
    await apiErrorOf(
      await t.request(
        '/api/account/certificate',
        change({ domain: EXPIRED }, { cookie, origin: 'https://evil.example' }),
      ),
      'forbidden_origin',
    );
    await apiErrorOf(await t.request('/api/account/certificate', change({ domain: EXPIRED })), 'sign_in_required');
    const other = await t.signIn('acct_expired');
    await apiErrorOf(
      await t.request('/api/account/certificate', change({ domain: EXPIRED }, { cookie: other })),
      'domain_not_in_account',
    );
    expect(await certificateOf(t, EXPIRED)).toMatchObject({ state: 'expired' });
    expect((await t.request('/api/account/certificate', change({ domain: BLOCKED }, { cookie }))).status).toBe(200);
    const limited = await t.request('/api/account/certificate', change({ domain: EXPIRED }, { cookie }));
    await apiErrorOf(limited, 'rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await certificateOf(t, EXPIRED)).toMatchObject({ state: 'expired' });
  });
});
