import { describe, expect, it } from 'vitest';

import type { Report } from '../../src/checks/types.ts';
import { clientInfo } from '../../src/reports/client-info.ts';
import { createReportStore, REPORT_ID, type SharedReport } from '../../src/reports/report-store.ts';
import { GET as permalink } from '../../src/server/routes/report-permalink.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { apiErrorOf, change, testApp, TEST_ORIGIN } from '../server/harness.ts';

const REPORT: Report = {
  domain: 'links.example.com',
  checkedAt: '2026-11-22T12:00:00.000Z',
  durationMs: 4,
  route: 'direct',
  checks: [
    {
      id: 'certificate',
      step: 'tls',
      status: 'fail',
      code: 'cert_expired',
      evidence: { daysLeft: -3 },
      docs: `${TEST_ORIGIN}/guides/https-link-tracking/#cert-expired`,
    },
  ],
};
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SNAPSHOT = {
  guideVersion: 'current',
  locale: 'en',
  client: { browser: '', os: '', platform: '' },
  report: REPORT,
};

function store(now = () => new Date('2026-11-22T12:00:00Z')) {
  return createReportStore(openDatabase(':memory:'), { retentionDays: 30, now });
}

/** A share request as the panel sends it, from a Chrome on Windows with a session cookie. */
const share = (body: unknown, headers: Record<string, string> = {}) =>
  change(body, { 'user-agent': CHROME, 'sec-ch-ua-platform': '"Windows"', cookie: 'tl_session=secret', ...headers });

describe('the report store', () => {
  it('gives every report an unguessable id of 128 random bits', async () => {
    const reports = store();
    const ids = new Set(await Promise.all(Array.from({ length: 200 }, async () => (await reports.save(SNAPSHOT)).id)));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(REPORT_ID);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });

  it('expires reports after the retention period and purges them', async () => {
    let now = new Date('2026-11-22T12:00:00Z');
    const reports = store(() => now);
    const { id } = await reports.save(SNAPSHOT);
    now = new Date('2026-12-21T12:00:00Z');
    expect(await reports.get(id)).toBeDefined();
    now = new Date('2026-12-22T12:00:01Z');
    expect(await reports.get(id)).toBeUndefined();
    expect(await reports.purge()).toBe(1);
    expect(await reports.purge()).toBe(0);
  });
});

describe('POST /api/reports', () => {
  it('saves the server’s own report with the context support needs, and no secrets', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs, script: () => ({ certificate: 'cert_expired' }) });
    const response = await t.request(
      '/api/reports',
      share({ domain: 'Links.Example.com', locale: 'es' }, { 'x-forwarded-for': '198.51.100.77' }),
      '203.0.113.5',
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { id, url, report } = (await response.json()) as { id: string; url: string; report: SharedReport };
    expect(id).toMatch(REPORT_ID);
    expect(url).toBe(`${TEST_ORIGIN}/reports/${id}`);
    const saved = (await t.services.reports.get(id))!;
    expect(saved).toEqual(report);
    expect(saved).toMatchObject({
      guideVersion: 'current',
      locale: 'es',
      client: { browser: 'Chrome 156.0.0.0', os: 'Windows' },
      report: { domain: 'links.example.com' },
    });
    expect(saved.report.checks.find((check) => check.id === 'certificate')?.code).toBe('cert_expired');
    expect(saved.account).toBeUndefined();
    const text = JSON.stringify(saved);
    expect(text).not.toContain('203.0.113.5');
    expect(text).not.toContain('198.51.100.77');
    expect(text).not.toContain('secret');
    expect(runs).toEqual(['links.example.com']);
  });

  it('saves a report for a client that sends no User-Agent, as an unknown browser', async () => {
    const t = await testApp();
    const response = await t.request('/api/reports', change({ domain: 'links.example.com' }));
    expect(response.status).toBe(201);
    const { report } = (await response.json()) as { report: SharedReport };
    expect(report.client).toEqual({ browser: 'unknown', os: 'unknown', platform: 'unknown' });
  });

  it('saves the report the reader just saw instead of running the checks again', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    await t.request('/api/checks?domain=links.example.com');
    expect((await t.request('/api/reports', share({ domain: 'links.example.com' }))).status).toBe(201);
    expect(runs).toEqual(['links.example.com']);
  });

  it('limits how many reports a client creates', async () => {
    const t = await testApp({ env: { SHARE_RATE_LIMIT_PER_CLIENT: '3' } });
    for (let index = 0; index < 3; index += 1) {
      expect((await t.request('/api/reports', share({ domain: 'links.example.com' }))).status).toBe(201);
    }
    const limited = await t.request('/api/reports', share({ domain: 'links.example.com' }));
    await apiErrorOf(limited, 'rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await t.request('/api/reports', share({ domain: 'links.example.com' }), '203.0.113.200')).status).toBe(201);
  });

  it('refuses a share from another site and a bad body', async () => {
    const t = await testApp();
    await apiErrorOf(
      await t.request('/api/reports', share({ domain: 'links.example.com' }, { origin: 'https://evil.example' })),
      'forbidden_origin',
    );
    await apiErrorOf(
      await t.request('/api/reports', share({ domain: 'links.example.com' }, { 'content-type': 'text/plain' })),
      'unsupported_media_type',
    );
    await apiErrorOf(
      await t.request('/api/reports', share({ domain: 'links.example.com', extra: 1 })),
      'invalid_request',
    );
    await apiErrorOf(
      await t.request('/api/reports', share({ domain: 'links.example.com', locale: 'xx' })),
      'invalid_request',
    );
    await apiErrorOf(await t.request('/api/reports', share({ domain: 42 })), 'invalid_request');
    await apiErrorOf(await t.request('/api/reports', share({})), 'invalid_request');
  });

  it.each([
    ['127.1', 'ip_address'],
    ['co.uk', 'public_suffix'],
    ['', 'empty'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, 'too_long'],
  ])('refuses the domain %s with its own reason (%s)', async (domain, reason) => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    const error = await apiErrorOf(await t.request('/api/reports', share({ domain })), 'invalid_domain');
    expect(error.reason).toBe(reason);
    expect(runs).toEqual([]);
  });
});

describe('a report shared by a signed-in reader', () => {
  it('keeps only the checked domain’s account steps, never the account’s other domains', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const response = await t.request('/api/reports', share({ domain: 'links.example.com' }, { cookie }));
    expect(response.status).toBe(201);
    const body = await response.text();
    const { id } = JSON.parse(body) as { id: string };
    const saved = (await t.services.reports.get(id))!;
    expect(saved.account).toEqual({
      id: 'acct_demo',
      steps: [
        { id: 'click-tracking', status: 'fail', code: 'tracking_off' },
        { id: 'managed-certificate', status: 'skipped', code: 'not_applicable' },
        { id: 'https-enabled', status: 'fail', code: 'https_blocked' },
      ],
    });
    for (const text of [JSON.stringify(saved), body]) expect(text).not.toContain('healthy-direct.lab.example.com');
    const stored = await t.request(`/api/reports/${id}`);
    expect(await stored.text()).not.toContain('healthy-direct.lab.example.com');
  });

  it('says a domain is not the account’s without listing the account’s domains', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const response = await t.request('/api/reports', share({ domain: 'other.example.com' }, { cookie }));
    expect(response.status).toBe(201);
    const { report } = (await response.json()) as { report: SharedReport };
    const step = report.report.checks.find((check) => check.id === 'https-enabled')!;
    expect(step.code).toBe('domain_not_in_account');
    expect(step.evidence).toEqual({ domain: 'other.example.com' });
    const text = JSON.stringify(await t.services.reports.get(report.id));
    expect(text).not.toContain('links.example.com');
    expect(text).not.toContain('healthy-direct.lab.example.com');

    const checked = await t.request('/api/checks?domain=other.example.com', { headers: { cookie } });
    const checkedText = await checked.text();
    expect(checkedText).toContain('domain_not_in_account');
    expect(checkedText).not.toContain('links.example.com');
  });
});

describe('GET /api/reports/{id}', () => {
  it('answers a saved report as JSON, never cached', async () => {
    const t = await testApp();
    const { id } = (await (await t.request('/api/reports', share({ domain: 'links.example.com' }))).json()) as {
      id: string;
    };
    const response = await t.request(`/api/reports/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ id, report: { domain: 'links.example.com' } });
  });

  it.each([
    ['malformed', '..%2F..%2Fetc%2Fpasswd'],
    ['unknown', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['too short', 'abc'],
  ])('answers a %s id with a 404 that says nothing more', async (_, id) => {
    const t = await testApp();
    const response = await t.request(`/api/reports/${id}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such report.' } });
  });

  it('answers an expired id exactly like an unknown one', async () => {
    let time = Date.parse('2026-11-22T12:00:00Z');
    const t = await testApp({ env: { REPORT_RETENTION_DAYS: '30' }, now: () => time });
    const { id } = await t.services.reports.save(SNAPSHOT);
    expect((await t.request(`/api/reports/${id}`)).status).toBe(200);
    time = Date.parse('2026-12-22T12:00:01Z');
    const expired = await t.request(`/api/reports/${id}`);
    const unknown = await t.request('/api/reports/AAAAAAAAAAAAAAAAAAAAAA');
    expect(expired.status).toBe(404);
    expect(await expired.json()).toEqual(await unknown.json());
  });
});

describe('the permalink', () => {
  const id = 'AAAAAAAAAAAAAAAAAAAAAA';
  const location = async (url: string, language: string | null) => {
    const request = new Request(url, { headers: language ? { 'accept-language': language } : {} });
    const response = await permalink({ url: new URL(url), params: { id }, request } as never);
    expect(response.status).toBe(303);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return response.headers.get('location');
  };

  it('opens the one canonical guide in the viewer’s language, with the report loaded', async () => {
    const page = `${TEST_ORIGIN}/reports/${id}`;
    expect(await location(page, 'de-DE,de;q=0.9,en;q=0.5')).toBe(`/de/guides/https-link-tracking/?report=${id}`);
    expect(await location(page, 'fr-FR, it;q=0.4')).toBe(`/it/guides/https-link-tracking/?report=${id}`);
    expect(await location(`${page}?lang=es`, 'de')).toBe(`/es/guides/https-link-tracking/?report=${id}`);
    expect(await location(page, null)).toBe(`/guides/https-link-tracking/?report=${id}`);
  });

  it('never picks a language the viewer refused with q=0', async () => {
    const page = `${TEST_ORIGIN}/reports/${id}`;
    expect(await location(page, 'de;q=0, es;q=0.5')).toBe(`/es/guides/https-link-tracking/?report=${id}`);
    expect(await location(page, 'de;q=0')).toBe(`/guides/https-link-tracking/?report=${id}`);
  });
});

describe('client info', () => {
  it('reads the browser from client hints where the browser sends them', () => {
    const headers = new Headers({
      'user-agent': CHROME,
      'sec-ch-ua-platform': '"macOS"',
      'sec-ch-ua-platform-version': '"15.1.0"',
    });
    expect(clientInfo(headers)).toEqual({ browser: 'Chrome 156.0.0.0', os: 'macOS 15.1.0', platform: 'desktop' });
  });

  it('keeps nothing but plain words from what the browser sends', () => {
    const headers = new Headers({ 'user-agent': '<script>alert(1)</script>', 'sec-ch-ua-platform': '"<b>x</b>"' });
    for (const value of Object.values(clientInfo(headers))) expect(value).not.toMatch(/[<>"]/);
  });
});
