import { gunzipSync } from 'node:zlib';

import { describe, expect, it, vi } from 'vitest';

import { API_ERROR_STATUS, type ApiErrorCode } from '../../src/server/api-errors.ts';
import { StorageUnavailableError } from '../../src/storage/errors.ts';
import { MAX_BODY_BYTES } from '../../src/server/app.ts';
import { apiErrorOf, change, heldGate, settle, testApp, TEST_ORIGIN } from './harness.ts';

/**
 * A request body that hands out `total` bytes in chunks of 1 KB as it is read,
 * and counts how many bytes were pulled: what the server read before answering.
 */
function countingBody(total: number) {
  const chunk = new Uint8Array(1024).fill(0x20);
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
  'permissions-policy': expect.stringContaining('camera=()'),
  'strict-transport-security': expect.stringMatching(/^max-age=\d{7,}/),
};

/** What a browser sends with every request. */
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' };

const headersOf = (response: Response, names: string[]) =>
  Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));

describe('request bodies over 16 KB', () => {
  it('are refused with 413 from their Content-Length, before a byte is read or anything runs', async () => {
    const t = await testApp({ env: { SHARE_RATE_LIMIT_PER_CLIENT: '1' } });
    const { stream, counter } = countingBody(1024 * 1024);
    const response = await t.request('/api/reports', {
      method: 'POST',
      headers: { origin: TEST_ORIGIN, 'content-type': 'application/json', 'content-length': String(1024 * 1024) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await apiErrorOf(response, 'payload_too_large');
    expect(counter.pulled).toBe(0);
    // The refused request did not spend the client's one share.
    expect((await t.request('/api/reports', change({ domain: 'links.example.com' }, BROWSER))).status).toBe(201);
  });

  it('are refused with 413 when sent chunked without a length, having read no more than the limit', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const { stream, counter } = countingBody(1024 * 1024);
    const response = await t.request('/api/account/click-tracking', {
      method: 'POST',
      headers: { origin: TEST_ORIGIN, 'content-type': 'application/json', cookie },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await apiErrorOf(response, 'payload_too_large');
    expect(counter.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 1024);
    expect((await t.services.directory.getAccount('acct_demo'))?.clickTracking).toBe(false);
  });

  it('are refused from any sender, signed in or not, before the Origin is even looked at', async () => {
    const t = await testApp();
    const big = JSON.stringify({ domain: 'links.example.com', padding: 'x'.repeat(MAX_BODY_BYTES) });
    await apiErrorOf(
      await t.request('/api/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big }),
      'payload_too_large',
    );
  });

  it('are read when they are exactly 16 KB', async () => {
    const t = await testApp();
    const json = JSON.stringify({ domain: 'links.example.com' });
    const body = json + ' '.repeat(MAX_BODY_BYTES - json.length);
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    expect((await t.request('/api/reports', { ...change({}, BROWSER), body })).status).toBe(201);
    await apiErrorOf(await t.request('/api/reports', { ...change({}), body: `${body} ` }), 'payload_too_large');
  });
});

describe('changes behind an HTTPS-terminating proxy', () => {
  const url = 'http://docs.example.com/api/account/click-tracking';

  it('are accepted with the Origin of the https SITE_URL when the request itself is http://', async () => {
    for (const env of [{}, { TRUST_PROXY: '1' }] as Record<string, string>[]) {
      const t = await testApp({ env });
      const cookie = await t.signIn();
      const response = await t.request(
        url,
        change({ enabled: true }, { cookie, 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' }),
        '10.0.0.2',
      );
      expect(response.status, JSON.stringify(env)).toBe(200);
    }
  });

  it('accept application/json with parameters', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const response = await t.request(
      url,
      change({ enabled: true }, { cookie, 'content-type': 'Application/JSON; charset=utf-8' }),
    );
    expect(response.status).toBe(200);
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }, 'forbidden_origin'],
    ['the request’s own http origin', { origin: 'http://docs.example.com' }, 'forbidden_origin'],
    ['an opaque origin', { origin: 'null' }, 'forbidden_origin'],
    ['a subdomain', { origin: 'https://evil.docs.example.com' }, 'forbidden_origin'],
    ['text/plain', { 'content-type': 'text/plain' }, 'unsupported_media_type'],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'unsupported_media_type'],
    ['no content type', { 'content-type': '' }, 'unsupported_media_type'],
  ] as const)('are refused from %s', async (_, headers, code) => {
    const t = await testApp({ env: { TRUST_PROXY: '1' } });
    const cookie = await t.signIn();
    const response = await t.request(
      url,
      change({ enabled: true }, { cookie, 'x-forwarded-proto': 'https', ...headers }),
    );
    await apiErrorOf(response, code);
    expect((await t.services.directory.getAccount('acct_demo'))?.clickTracking).toBe(false);
  });

  it('are refused without an Origin', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const response = await t.request(url, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    await apiErrorOf(response, 'forbidden_origin');
  });
});

describe('security headers', () => {
  it('are on every API answer, successes, errors and streams alike', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '2' } });
    const cookie = await t.signIn();
    const answers: Record<string, Response> = {
      health: await t.request('/api/health'),
      stream: await t.request('/api/checks/stream?domain=links.example.com'),
      report: await t.request('/api/checks?domain=links.example.com'),
      'rate limited': await t.request('/api/checks?domain=links.example.com'),
      'invalid domain': await t.request('/api/checks?domain=127.1'),
      account: await t.request('/api/account'),
      'unknown route': await t.request('/api/nope'),
      'forbidden origin': await t.request('/api/sign-out', change({}, { origin: 'https://evil.example' })),
      'sign in required': await t.request('/api/account/click-tracking', change({ enabled: true })),
      'https blocked': await t.request(
        '/api/account/https',
        change({ domain: 'links.example.com', enabled: true }, { cookie }),
      ),
      'not the API': await t.request('/not-the-api'),
    };
    const missing = Object.entries(answers).flatMap(([name, answer]) => {
      const actual = headersOf(answer, Object.keys(SECURITY_HEADERS));
      return Object.entries(SECURITY_HEADERS)
        .filter(([header, wanted]) => !expect.objectContaining({ [header]: wanted }).asymmetricMatch(actual))
        .map(([header]) => `${name} (${answer.status}): ${header}`);
    });
    expect(missing).toEqual([]);
  });

  it('come with the request id on every answer, errors included', async () => {
    const t = await testApp();
    for (const path of ['/api/health', '/api/checks?domain=127.1', '/api/nope']) {
      const answer = await t.request(path, { headers: { 'x-request-id': 'support-ticket-42' } });
      expect(answer.headers.get('x-request-id'), path).toBe('support-ticket-42');
    }
  });

  it('give the API a policy that loads nothing and lets no page frame it', async () => {
    const t = await testApp();
    const policy = (await t.request('/api/health')).headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('leave out HSTS when SITE_URL is plain http', async () => {
    const t = await testApp({ env: { SITE_URL: 'http://localhost:4321' } });
    const response = await t.request('/api/health');
    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('include cache-control: no-store on account, checks and reports answers', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const shared = await t.request('/api/reports', change({ domain: 'links.example.com' }, { cookie, ...BROWSER }));
    const { id } = (await shared.clone().json()) as { id: string };
    const answers = {
      account: await t.request('/api/account', { headers: { cookie } }),
      'click tracking': await t.request('/api/account/click-tracking', change({ enabled: true }, { cookie })),
      https: await t.request('/api/account/https', change({ domain: 'links.example.com', enabled: false }, { cookie })),
      checks: await t.request('/api/checks?domain=links.example.com', { headers: { cookie } }),
      share: shared,
      report: await t.request(`/api/reports/${id}`),
      'an error': await t.request('/api/checks?domain=co.uk'),
      'sign-out': await t.request('/api/sign-out', change({}, { cookie })),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.headers.get('cache-control'), name).toBe('no-store');
    }
  });

  it('include cache-control: no-store on the signed-in reader’s stream', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    const stream = await t.request('/api/checks/stream?domain=links.example.com', { headers: { cookie } });
    expect(stream.headers.get('cache-control')).toBe('no-store');
    await stream.text();
  });
});

describe('compression', () => {
  it('gzips a JSON answer over 1 KB for a client that accepts it', async () => {
    const t = await testApp();
    const plain = await t.request('/api/checks?domain=links.example.com');
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(text.length).toBeGreaterThan(1024);

    const compressed = await t.request('/api/checks?domain=links.example.com', {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(compressed.headers.get('content-encoding')).toBe('gzip');
    expect(compressed.headers.get('vary')).toMatch(/accept-encoding/i);
    const bytes = Buffer.from(await compressed.arrayBuffer());
    expect(bytes.length).toBeLessThan(text.length);
    expect(JSON.parse(gunzipSync(bytes).toString('utf8'))).toEqual(JSON.parse(text));
  });

  it('leaves answers under 1 KB as they are, where gzip would only add bytes', async () => {
    const t = await testApp();
    const response = await t.request('/api/health', { headers: { 'accept-encoding': 'gzip' } });
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('never compresses the event stream', async () => {
    const t = await testApp();
    const response = await t.request('/api/checks/stream?domain=links.example.com', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.text()).toMatch(/^event: check\n/);
  });
});

describe('a handler that throws', () => {
  it('answers the documented JSON internal_error, never HTML, and logs it with the request id', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    vi.spyOn(t.services.directory, 'getAccount').mockRejectedValue(new Error('directory down'));
    const requests: [string, RequestInit][] = [
      ['/api/account', { headers: { cookie } }],
      ['/api/checks?domain=links.example.com', { headers: { cookie } }],
      ['/api/checks/stream?domain=links.example.com', { headers: { cookie } }],
      ['/api/reports', change({ domain: 'links.example.com' }, { cookie, ...BROWSER })],
      ['/api/account/click-tracking', change({ enabled: true }, { cookie })],
    ];
    for (const [path, init] of requests) {
      const response = await t.request(path, { ...init, headers: { ...init.headers, 'x-request-id': 'req-1' } });
      const error = await apiErrorOf(response, 'internal_error');
      expect(error.message, path).not.toContain('directory down');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    expect(t.logs.filter((line) => line.message === 'unhandled error' && line.requestId === 'req-1')).toHaveLength(
      requests.length,
    );
  });

  it('answers 503 unavailable with Retry-After when the account storage cannot be reached', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    vi.spyOn(t.services.directory, 'getAccount').mockRejectedValue(
      new StorageUnavailableError(new Error('ECONNREFUSED')),
    );
    const response = await t.request('/api/account', { headers: { cookie } });
    await apiErrorOf(response, 'unavailable');
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('answers JSON when storage throws on a change', async () => {
    const t = await testApp();
    const cookie = await t.signIn();
    vi.spyOn(t.services.directory, 'setClickTracking').mockRejectedValue(new Error('disk full'));
    await apiErrorOf(
      await t.request('/api/account/click-tracking', change({ enabled: true }, { cookie })),
      'internal_error',
    );
  });
});

describe('health and readiness', () => {
  it('answer ok while the database answers, and 503 once it does not', async () => {
    const t = await testApp();
    expect(await (await t.request('/api/health')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('/api/ready');
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    await t.services.close();
    const closed = await t.request('/api/ready');
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({
      status: 'unavailable',
      problem: expect.stringMatching(/database does not answer/),
    });
  });
});

describe('unknown API routes', () => {
  it.each([
    ['GET', '/api/nope'],
    ['GET', '/api/checks/nope/deeper'],
    ['GET', '/api'],
    ['POST', '/api/nope'],
    ['DELETE', '/api/account'],
  ])('%s %s answers a JSON 404', async (method, path) => {
    const t = await testApp();
    const init = method === 'GET' ? {} : { ...change({}), method };
    await apiErrorOf(await t.request(path, init), 'not_found');
  });
});

describe('every error answer', () => {
  it('has the one shape and its code’s status, for every code of the API', async () => {
    const held = heldGate();
    const t = await testApp({
      gate: held.gate,
      script: (domain) => (domain === 'links.example.com' ? { certificate: 'cert_expired' } : {}),
      env: { CHECKS_MAX_CONCURRENT: '1', SHARE_RATE_LIMIT_PER_CLIENT: '1' },
    });
    held.open('links.example.com');
    const cookie = await t.signIn();
    const seen = new Set<ApiErrorCode>();
    const expectError = async (response: Response | Promise<Response>, code: ApiErrorCode) => {
      await apiErrorOf(await response, code);
      seen.add(code);
    };

    await expectError(t.request('/api/checks?domain=127.1'), 'invalid_domain');
    await expectError(t.request('/api/reports', change({ domain: 1 })), 'invalid_request');
    await expectError(t.request('/api/reports', change({ domain: 'links.example.com' })), 'rate_limited');
    await expectError(t.request('/api/account/click-tracking', change({ enabled: true })), 'sign_in_required');
    await expectError(t.request('/api/sign-out', change({}, { origin: 'https://evil.example' })), 'forbidden_origin');
    await expectError(t.request('/api/reports/AAAAAAAAAAAAAAAAAAAAAA'), 'not_found');
    await expectError(
      t.request('/api/account/https', change({ domain: 'other.example.com', enabled: true }, { cookie })),
      'domain_not_in_account',
    );
    await expectError(
      t.request('/api/account/https', change({ domain: 'links.example.com', enabled: true }, { cookie })),
      'https_blocked',
    );
    await expectError(
      t.request('/api/sign-out', { ...change({}), body: 'x'.repeat(MAX_BODY_BYTES + 1) }),
      'payload_too_large',
    );
    await expectError(
      t.request('/api/sign-out', change({}, { 'content-type': 'text/plain' })),
      'unsupported_media_type',
    );

    const running = t.request('/api/checks?domain=a.example.com', {}, '203.0.113.1');
    const waiting = t.request('/api/checks?domain=b.example.com', {}, '203.0.113.2');
    await settle();
    await expectError(t.request('/api/checks?domain=c.example.com', {}, '203.0.113.3'), 'unavailable');
    held.open('a.example.com');
    held.open('b.example.com');
    await Promise.all([running, waiting]);

    vi.spyOn(t.services.directory, 'getAccount').mockRejectedValue(new Error('boom'));
    await expectError(t.request('/api/account', { headers: { cookie } }), 'internal_error');

    expect([...seen].sort()).toEqual(Object.keys(API_ERROR_STATUS).sort());
  });
});
