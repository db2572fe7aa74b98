import { describe, expect, it } from 'vitest';

import type { Checker } from '../../src/checks/engine.ts';
import type { CheckResult, Report } from '../../src/checks/types.ts';
import { handleReport, handleStream } from '../../src/server/checks-api.ts';
import { createChecksService, DEFAULT_SERVICE_OPTIONS } from '../../src/server/checks-service.ts';

const RESULT: CheckResult = {
  id: 'branded-link-dns',
  step: 'branded-link',
  status: 'fail',
  code: 'cname_missing',
  evidence: { addresses: ['93.184.216.34'] },
  docs: 'http://localhost:4321/guides/https-link-tracking/#cname-missing',
};

/** A checker that records each domain it is asked about and finishes when told to. */
function fakeChecker() {
  const calls: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const checker: Checker = {
    async check(domain, { onResult } = {}) {
      calls.push(domain);
      onResult?.(RESULT);
      await gate;
      const report: Report = {
        domain,
        checkedAt: '2026-11-22T12:00:00.000Z',
        durationMs: 5,
        route: 'unknown',
        checks: [RESULT],
      };
      return report;
    },
  };
  return { checker, calls, release };
}

const url = (query: string) => new URL(`http://localhost/api/checks?${query}`);

describe('GET /api/checks', () => {
  it('answers a failed check of the domain with 200 and the report', async () => {
    const { checker, release } = fakeChecker();
    release();
    const response = await handleReport(createChecksService(checker), url('domain=Links.Example.com.'), '203.0.113.9');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const report = (await response.json()) as Report;
    expect(report.domain).toBe('links.example.com');
    expect(report.checks[0]).toEqual(RESULT);
  });

  it.each([
    ['domain=127.1', 'ip_address'],
    ['domain=', 'empty'],
    ['', 'empty'],
    ['domain=co.uk', 'public_suffix'],
    [`domain=${'a'.repeat(3000)}`, 'too_long'],
  ])('refuses %s with 400 invalid_domain (%s), without running anything', async (query, reason) => {
    const { checker, calls } = fakeChecker();
    const response = await handleReport(createChecksService(checker), url(query), '203.0.113.9');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; reason: string; message: string } };
    expect(body.error).toMatchObject({ code: 'invalid_domain', reason });
    expect(body.error.message).toEqual(expect.any(String));
    expect(calls).toEqual([]);
  });

  it('shares one run between identical requests in flight, then serves it from the cache', async () => {
    const { checker, calls, release } = fakeChecker();
    const service = createChecksService(checker);
    const first = handleReport(service, url('domain=links.example.com'), '203.0.113.1');
    const second = handleReport(service, url('domain=links.example.com'), '203.0.113.2');
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await handleReport(service, url('domain=links.example.com'), '203.0.113.3')).status).toBe(200);
    expect(calls).toEqual(['links.example.com']);
  });

  it('runs again once the cache has expired, or when asked for a fresh report', async () => {
    let time = 0;
    const { checker, calls, release } = fakeChecker();
    release();
    const service = createChecksService(checker, { ...DEFAULT_SERVICE_OPTIONS, now: () => time });
    await handleReport(service, url('domain=links.example.com'), '203.0.113.1');
    await handleReport(service, url('domain=links.example.com&fresh=1'), '203.0.113.1');
    time += DEFAULT_SERVICE_OPTIONS.cacheTtlMs + 1;
    await handleReport(service, url('domain=links.example.com'), '203.0.113.1');
    expect(calls).toHaveLength(3);
  });

  it('limits each client, counting an IPv6 /64 as one client, with Retry-After', async () => {
    const { checker, release } = fakeChecker();
    release();
    const service = createChecksService(checker, { ...DEFAULT_SERVICE_OPTIONS, perClientPerMinute: 2 });
    const ask = (address: string) => handleReport(service, url('domain=links.example.com'), address);
    expect((await ask('2001:db8:1:2::1')).status).toBe(200);
    expect((await ask('2001:db8:1:2::ffff')).status).toBe(200);
    const limited = await ask('2001:db8:1:2:abcd::9');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await ask('2001:db8:1:3::1')).status).toBe(200);
  });

  it('limits fresh runs against one domain, whoever asks', async () => {
    const { checker, release } = fakeChecker();
    release();
    const service = createChecksService(checker, { ...DEFAULT_SERVICE_OPTIONS, perDomainPerMinute: 1 });
    expect((await handleReport(service, url('domain=victim.example.com&fresh=1'), '203.0.113.1')).status).toBe(200);
    expect((await handleReport(service, url('domain=victim.example.com&fresh=1'), '203.0.113.2')).status).toBe(429);
  });
});

describe('GET /api/checks/stream', () => {
  it('streams each check as it lands, then the whole report', async () => {
    const { checker, release } = fakeChecker();
    const response = handleStream(
      createChecksService(checker),
      url('domain=links.example.com'),
      '203.0.113.9',
      new AbortController().signal,
    );
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    setTimeout(release, 10);
    const text = await response.text();
    const events = text
      .trim()
      .split('\n\n')
      .map((block) => block.split('\n')[0]);
    expect(events).toEqual(['event: check', 'event: report']);
    expect(text).toContain('"code":"cname_missing"');
  });

  it('refuses a bad domain with a plain 400 before streaming', async () => {
    const { checker } = fakeChecker();
    const response = handleStream(
      createChecksService(checker),
      url('domain=0x7f.1'),
      '203.0.113.9',
      new AbortController().signal,
    );
    expect(response.status).toBe(400);
  });
});
