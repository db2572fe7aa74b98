import { describe, expect, it } from 'vitest';

import type { Checker } from '../../src/checks/engine.ts';
import type { Report } from '../../src/checks/types.ts';
import { clientInfo } from '../../src/reports/client-info.ts';
import { createReportStore, REPORT_ID } from '../../src/reports/report-store.ts';
import { handleGetReport, handlePermalink, handleShare } from '../../src/reports/reports-api.ts';
import { createChecksService } from '../../src/server/checks-service.ts';
import { createRateLimiter } from '../../src/server/rate-limit.ts';
import { openDatabase } from '../../src/storage/database.ts';

const SITE = 'http://localhost:4321';
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
      docs: `${SITE}/guides/https-link-tracking/#cert-expired`,
    },
  ],
};
const checker: Checker = { check: async (domain) => ({ ...REPORT, domain }) };
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

function setup(now = () => new Date('2026-11-22T12:00:00Z')) {
  const store = createReportStore(openDatabase(':memory:'), { retentionDays: 30, now });
  const deps = {
    store,
    checks: createChecksService(checker),
    limiter: createRateLimiter({ limit: 3, windowMs: 60_000 }),
    siteUrl: SITE,
    guideUrl: `${SITE}/guides/https-link-tracking/`,
  };
  return { store, deps };
}

const share = (body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${SITE}/api/reports`, {
    method: 'POST',
    headers: {
      origin: SITE,
      'content-type': 'application/json',
      'user-agent': CHROME,
      'sec-ch-ua-platform': '"Windows"',
      cookie: 'tl_session=secret',
      ...headers,
    },
    body: JSON.stringify(body),
  });

describe('shared reports', () => {
  it('saves the server’s own report with the context support needs, and no secrets', async () => {
    const { store, deps } = setup();
    const response = await handleShare(share({ domain: 'Links.Example.com', locale: 'es' }), '203.0.113.5', deps);
    expect(response.status).toBe(201);
    const { id, url } = (await response.json()) as { id: string; url: string };
    expect(id).toMatch(REPORT_ID);
    expect(url).toBe(`${SITE}/reports/${id}`);
    const saved = store.get(id)!;
    expect(saved).toMatchObject({
      guideVersion: 'current',
      locale: 'es',
      client: { browser: 'Chrome 156.0.0.0', os: 'Windows' },
      report: { domain: 'links.example.com' },
    });
    const text = JSON.stringify(saved);
    expect(text).not.toContain('203.0.113.5');
    expect(text).not.toContain('secret');
  });

  it('gives every report an unguessable id of 128 random bits', async () => {
    const { store } = setup();
    const ids = new Set(
      Array.from(
        { length: 200 },
        () =>
          store.save({
            guideVersion: 'current',
            locale: 'en',
            client: { browser: '', os: '', platform: '' },
            report: REPORT,
          }).id,
      ),
    );
    expect(ids.size).toBe(200);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  it('expires reports after the retention period and purges them', () => {
    let now = new Date('2026-11-22T12:00:00Z');
    const { store } = setup(() => now);
    const { id } = store.save({
      guideVersion: 'current',
      locale: 'en',
      client: { browser: '', os: '', platform: '' },
      report: REPORT,
    });
    now = new Date('2026-12-21T12:00:00Z');
    expect(store.get(id)).toBeDefined();
    now = new Date('2026-12-22T12:00:01Z');
    expect(store.get(id)).toBeUndefined();
    expect(store.purge()).toBe(1);
    expect(store.purge()).toBe(0);
  });

  it.each([
    ['malformed', '../../etc/passwd'],
    ['unknown', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['too short', 'abc'],
  ])('answers a %s id with a 404 that says nothing more', async (_, id) => {
    const { store } = setup();
    const response = handleGetReport(store, id);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such report.' } });
  });

  it('answers an expired id exactly like an unknown one', async () => {
    let now = new Date('2026-11-22T12:00:00Z');
    const { store } = setup(() => now);
    const { id } = store.save({
      guideVersion: 'current',
      locale: 'en',
      client: { browser: '', os: '', platform: '' },
      report: REPORT,
    });
    now = new Date('2027-01-22T12:00:00Z');
    expect(await handleGetReport(store, id).json()).toEqual(
      await handleGetReport(store, 'AAAAAAAAAAAAAAAAAAAAAA').json(),
    );
  });

  it('limits how many reports a client creates', async () => {
    const { deps } = setup();
    for (let i = 0; i < 3; i++)
      expect((await handleShare(share({ domain: 'links.example.com' }), '203.0.113.5', deps)).status).toBe(201);
    const limited = await handleShare(share({ domain: 'links.example.com' }), '203.0.113.5', deps);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('refuses a share from another site and a bad body', async () => {
    const { deps } = setup();
    expect(
      (
        await handleShare(
          share({ domain: 'links.example.com' }, { origin: 'https://evil.example' }),
          '203.0.113.5',
          deps,
        )
      ).status,
    ).toBe(403);
    expect((await handleShare(share({ domain: '127.1' }), '203.0.113.6', deps)).status).toBe(400);
    expect((await handleShare(share({ domain: 'links.example.com', extra: 1 }), '203.0.113.7', deps)).status).toBe(400);
  });

  it('opens the permalink in the viewer’s language, on the current guide', () => {
    const id = 'AAAAAAAAAAAAAAAAAAAAAA';
    const location = (url: string, language: string | null) =>
      handlePermalink(new URL(url), id, language).headers.get('location');
    expect(location(`${SITE}/reports/${id}`, 'de-DE,de;q=0.9,en;q=0.5')).toBe(
      `/de/guides/https-link-tracking/?report=${id}`,
    );
    expect(location(`${SITE}/reports/${id}`, 'fr-FR, it;q=0.4')).toBe(`/it/guides/https-link-tracking/?report=${id}`);
    expect(location(`${SITE}/reports/${id}?lang=es`, 'de')).toBe(`/es/guides/https-link-tracking/?report=${id}`);
    expect(location(`${SITE}/reports/${id}`, null)).toBe(`/guides/https-link-tracking/?report=${id}`);
  });

  it('reads the browser from client hints where the browser sends them', () => {
    const headers = new Headers({
      'user-agent': CHROME,
      'sec-ch-ua-platform': '"macOS"',
      'sec-ch-ua-platform-version': '"15.1.0"',
    });
    expect(clientInfo(headers)).toEqual({ browser: 'Chrome 156.0.0.0', os: 'macOS 15.1.0', platform: 'desktop' });
  });
});
