import { afterEach, describe, expect, it, vi } from 'vitest';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

import { CHECK_IDS, type Report } from '../../src/checks/types.ts';
import { apiErrorOf, heldGate, settle, testApp } from './harness.ts';

const LONG_HOST = `${Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.')}.com`;

/** The events of a whole SSE body, in order. */
async function eventsOf(response: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => void events.push(event) });
  parser.feed(await response.text());
  return events;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('GET /api/checks', () => {
  it('answers a failed check of the domain with 200 and the whole report, for the normalised domain', async () => {
    const t = await testApp({ script: () => ({ certificate: 'cert_expired' }) });
    const response = await t.request('/api/checks?domain=Links.Example.com.');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const report = (await response.json()) as Report;
    expect(report.domain).toBe('links.example.com');
    expect(report.checks.map(({ id, status, code }) => [id, status, code])).toEqual([
      ['click-tracking', 'pending', 'sign_in_required'],
      ['branded-link-dns', 'pass', 'cname_ok'],
      ['caa', 'pass', 'caa_ok'],
      ['certificate', 'fail', 'cert_expired'],
      ['https-probe', 'skipped', 'prerequisite_failed'],
      ['managed-certificate', 'skipped', 'not_applicable'],
      ['https-enabled', 'pending', 'sign_in_required'],
    ]);
    expect(report.checks[3]!.docs).toBe('https://docs.example.com/guides/https-link-tracking/#cert-expired');
  });

  it.each([
    ['domain=127.1', 'ip_address'],
    ['domain=%5B%3A%3A1%5D', 'ip_address'],
    ['domain=', 'empty'],
    ['', 'empty'],
    ['domain=co.uk', 'public_suffix'],
    ['domain=localhost', 'single_label'],
    [`domain=${'a'.repeat(3000)}`, 'too_long'],
    [`domain=${LONG_HOST}`, 'too_long'],
    ['domain=ftp%3A%2F%2Flinks.example.com', 'unsupported_scheme'],
  ])('refuses %s with 400 invalid_domain (%s), without running anything', async (query, reason) => {
    const runs: string[] = [];
    const t = await testApp({ runs });
    for (const path of ['/api/checks', '/api/checks/stream']) {
      const error = await apiErrorOf(await t.request(`${path}?${query}`), 'invalid_domain');
      expect(error.reason).toBe(reason);
    }
    expect(runs).toEqual([]);
  });

  it('shares one run between identical requests in flight, then serves it from the cache', async () => {
    const runs: string[] = [];
    const held = heldGate();
    const t = await testApp({ runs, gate: held.gate });
    const first = t.request('/api/checks?domain=links.example.com', {}, '203.0.113.1');
    const second = t.request('/api/checks/stream?domain=links.example.com', {}, '203.0.113.2');
    await settle();
    held.open('links.example.com');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await t.request('/api/checks?domain=links.example.com', {}, '203.0.113.3')).status).toBe(200);
    expect(runs).toEqual(['links.example.com']);
  });

  it('spends the domain’s fresh-run limit once for readers who arrive together and share one run', async () => {
    const runs: string[] = [];
    const held = heldGate();
    const t = await testApp({ runs, gate: held.gate });
    // More readers than the domain's 6 fresh runs a minute, all at the same moment.
    const asked = Array.from({ length: 8 }, (_, index) =>
      t.request(`/api/checks?domain=links.example.com&fresh=1`, {}, `203.0.113.${index + 1}`),
    );
    await settle();
    held.open('links.example.com');
    const statuses = (await Promise.all(asked)).map((response) => response.status);
    expect(runs).toEqual(['links.example.com']);
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('runs again once the cache has expired, or when asked for a fresh report', async () => {
    let time = 1_000_000;
    const runs: string[] = [];
    const t = await testApp({ runs, now: () => time });
    await t.request('/api/checks?domain=links.example.com');
    await t.request('/api/checks?domain=links.example.com');
    expect(runs).toHaveLength(1);
    await t.request('/api/checks?domain=links.example.com&fresh=1');
    expect(runs).toHaveLength(2);
    time += 30_001;
    await t.request('/api/checks?domain=links.example.com');
    expect(runs).toHaveLength(3);
  });

  it('limits each client, counting an IPv6 /64 as one client, with Retry-After', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '2' } });
    const ask = (peer: string) => t.request('/api/checks?domain=links.example.com', {}, peer);
    expect((await ask('2001:db8:1:2::1')).status).toBe(200);
    expect((await ask('2001:db8:1:2::ffff')).status).toBe(200);
    const limited = await ask('2001:db8:1:2:abcd::9');
    const error = await apiErrorOf(limited, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBe(Number(limited.headers.get('retry-after')));
    expect((await ask('2001:db8:1:3::1')).status).toBe(200);
  });

  it('counts an IPv4-mapped IPv6 client as its IPv4 address', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '2' } });
    const ask = (peer: string) => t.request('/api/checks?domain=links.example.com', {}, peer);
    expect((await ask('203.0.113.7')).status).toBe(200);
    expect((await ask('::ffff:203.0.113.7')).status).toBe(200);
    await apiErrorOf(await ask('::ffff:cb00:7107'), 'rate_limited');
    expect((await ask('203.0.113.8')).status).toBe(200);
  });

  it('gives a limited client its tokens back as the clock moves', async () => {
    let time = 5_000_000;
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '2' }, now: () => time });
    const ask = () => t.request('/api/checks?domain=links.example.com');
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    time += 29_000;
    expect((await ask()).status).toBe(429);
    time += 1_000;
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(429);
  });

  it('limits fresh runs against one domain, whoever asks', async () => {
    const runs: string[] = [];
    const t = await testApp({ runs, env: { CHECKS_RATE_LIMIT_PER_DOMAIN: '1' } });
    expect((await t.request('/api/checks?domain=victim.example.com&fresh=1', {}, '203.0.113.1')).status).toBe(200);
    await apiErrorOf(
      await t.request('/api/checks?domain=victim.example.com&fresh=1', {}, '203.0.113.2'),
      'rate_limited',
    );
    expect(runs).toEqual(['victim.example.com']);
  });

  it('reports a check that throws as our own check_error, not as a failed request', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = await testApp({
      script: () => {
        throw new Error('the check broke');
      },
    });
    const response = await t.request('/api/checks?domain=links.example.com');
    expect(response.status).toBe(200);
    const report = (await response.json()) as Report;
    expect(report.checks.find((check) => check.id === 'branded-link-dns')).toMatchObject({
      status: 'error',
      code: 'check_error',
    });
  });
});

describe('GET /api/checks/stream', () => {
  it('streams each check as it lands, then the whole report', async () => {
    const t = await testApp({ script: () => ({ 'branded-link-dns': 'cname_missing' }) });
    const response = await t.request('/api/checks/stream?domain=links.example.com');
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await eventsOf(response);
    expect(events.map((event) => event.event)).toEqual([...CHECK_IDS.map(() => 'check'), 'report']);
    const checks = events.slice(0, CHECK_IDS.length).map((event) => JSON.parse(event.data).id);
    expect(new Set(checks)).toEqual(new Set(CHECK_IDS));
    const report = JSON.parse(events.at(-1)!.data) as Report;
    expect(report.checks.map((check) => check.id)).toEqual([...CHECK_IDS]);
    expect(report.checks[1]!.code).toBe('cname_missing');
  });

  it('sends a result the moment it lands, while other checks are still running', async () => {
    const held = heldGate();
    const t = await testApp({ gate: held.gate });
    const response = await t.request('/api/checks/stream?domain=links.example.com', {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(response.headers.get('content-encoding')).toBeNull();
    const reader = response.body!.getReader();
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event while checks run')), 2_000)),
    ]);
    const text = new TextDecoder().decode(first.value);
    expect(text).toContain('event: check');
    expect(text).toContain('"id":"click-tracking"');
    held.open('links.example.com');
    await reader.cancel();
  });

  it('replays results that landed before a later reader joined the same run', async () => {
    const held = heldGate();
    const runs: string[] = [];
    const t = await testApp({ gate: held.gate, runs });
    const first = t.request('/api/checks?domain=links.example.com', {}, '203.0.113.1');
    await settle();
    const second = await t.request('/api/checks/stream?domain=links.example.com', {}, '203.0.113.2');
    held.open('links.example.com');
    expect((await first).status).toBe(200);
    const events = await eventsOf(second);
    expect(events.filter((event) => event.event === 'check')).toHaveLength(7);
    expect(runs).toHaveLength(1);
  });

  it('refuses a rate-limited reader with a JSON 429 before streaming', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '1' } });
    expect((await t.request('/api/checks/stream?domain=links.example.com')).status).toBe(200);
    const limited = await t.request('/api/checks/stream?domain=links.example.com');
    await apiErrorOf(limited, 'rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('checks running at once', () => {
  const cap = { CHECKS_MAX_CONCURRENT: '2' };

  it('holds a run beyond CHECKS_MAX_CONCURRENT until a slot frees up', async () => {
    const held = heldGate();
    const t = await testApp({ env: cap, gate: held.gate });
    const a = t.request('/api/checks?domain=a.example.com', {}, '203.0.113.1');
    const b = t.request('/api/checks/stream?domain=b.example.com', {}, '203.0.113.2');
    await settle();
    expect(held.started).toEqual(['a.example.com', 'b.example.com']);
    expect(t.services.checks.running()).toBe(2);

    const c = t.request('/api/checks?domain=c.example.com', {}, '203.0.113.3');
    await settle();
    expect(held.started).toEqual(['a.example.com', 'b.example.com']);

    held.open('a.example.com');
    expect((await a).status).toBe(200);
    await settle();
    expect(held.started).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    expect(t.services.checks.running()).toBe(2);
    held.open('c.example.com');
    held.open('b.example.com');
    expect((await c).status).toBe(200);
    expect((await b).status).toBe(200);
    await settle();
    expect(t.services.checks.running()).toBe(0);
  });

  it('answers 503 unavailable with Retry-After when the queue is full', async () => {
    const held = heldGate();
    const t = await testApp({ env: cap, gate: held.gate });
    const domains = ['a', 'b', 'c', 'd'].map((name) => `${name}.example.com`);
    const pending = domains.map((domain, index) =>
      t.request(`/api/checks?domain=${domain}`, {}, `203.0.113.${index + 1}`),
    );
    await settle();
    // Refused at once, not after waiting for a slot.
    const busy = await Promise.race([
      t.request('/api/checks/stream?domain=e.example.com', {}, '203.0.113.9'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the full queue made it wait')), 500)),
    ]);
    const error = await apiErrorOf(busy, 'unavailable');
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(error.retryAfterSeconds).toBe(5);
    for (const domain of domains) held.open(domain);
    for (const response of await Promise.all(pending)) expect(response.status).toBe(200);
  });

  it('answers 503 to a run that waited 2 seconds without a slot', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const held = heldGate();
    const t = await testApp({ env: cap, gate: held.gate });
    const a = t.request('/api/checks?domain=a.example.com', {}, '203.0.113.1');
    const b = t.request('/api/checks?domain=b.example.com', {}, '203.0.113.2');
    await settle();
    let answered: Response | undefined;
    const c = Promise.resolve(t.request('/api/checks?domain=c.example.com', {}, '203.0.113.3')).then(
      (response) => (answered = response),
    );
    await settle();
    await vi.advanceTimersByTimeAsync(1_990);
    await settle();
    expect(answered).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    await c;
    await apiErrorOf(answered!, 'unavailable');
    expect(answered!.headers.get('retry-after')).toBe('5');
    expect(held.started).not.toContain('c.example.com');
    held.open('a.example.com');
    held.open('b.example.com');
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
  });
});
