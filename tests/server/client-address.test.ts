import { describe, expect, it } from 'vitest';

import { clientOrigin } from '../../src/server/client-address.ts';
import { loadConfig } from '../../src/server/config.ts';
import { testApp, type TestApp } from './harness.ts';

/** The trust setting exactly as `TRUST_PROXY` is read at start. */
const trust = (value?: string) => loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).server.TRUST_PROXY;

const from = (peer: string, headers: Record<string, string>, setting?: string, scheme: 'http' | 'https' = 'http') =>
  clientOrigin(peer, (name) => new Headers(headers).get(name) ?? undefined, trust(setting), scheme);

describe('the client behind a request', () => {
  it('is the peer itself by default, whatever the proxy headers claim', () => {
    for (const setting of [undefined, '', '0', 'false']) {
      expect(
        from(
          '203.0.113.9',
          {
            'x-forwarded-for': '198.51.100.1',
            forwarded: 'for=198.51.100.2;proto=https',
            'x-forwarded-proto': 'https',
          },
          setting,
        ),
      ).toEqual({ address: '203.0.113.9', scheme: 'http' });
    }
  });

  it('unwraps an IPv4-mapped IPv6 peer', () => {
    expect(from('::ffff:203.0.113.9', {}).address).toBe('203.0.113.9');
  });

  it('with one trusted hop, is the right-most X-Forwarded-For entry, never a spoofed one to its left', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7', 'x-forwarded-proto': 'https' };
    expect(from('10.0.0.2', headers, '1')).toEqual({ address: '198.51.100.7', scheme: 'https' });
    expect(from('10.0.0.2', { 'x-forwarded-for': '198.51.100.7' }, '1')).toEqual({
      address: '198.51.100.7',
      scheme: 'http',
    });
  });

  it('with two trusted hops, skips the inner proxy too', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.3' };
    expect(from('10.0.0.2', headers, '2').address).toBe('198.51.100.7');
  });

  it('with hops but no header, is the peer', () => {
    expect(from('10.0.0.2', {}, '1').address).toBe('10.0.0.2');
  });

  it('with a CIDR list, is the right-most entry that is not one of our proxies', () => {
    const setting = '10.0.0.0/8, 192.168.1.1';
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 192.168.1.1, 10.1.2.3', 'x-forwarded-proto': 'https' };
    expect(from('10.0.0.2', headers, setting)).toEqual({ address: '198.51.100.7', scheme: 'https' });
    expect(from('::ffff:10.0.0.2', headers, setting).address).toBe('198.51.100.7');
  });

  it('with a CIDR list, believes nothing from a peer outside it', () => {
    const headers = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' };
    expect(from('203.0.113.9', headers, '10.0.0.0/8')).toEqual({ address: '203.0.113.9', scheme: 'http' });
  });

  it('reads an IPv6 CIDR list', () => {
    const headers = { 'x-forwarded-for': '2001:db8:1:2::99, fd00::7' };
    expect(from('fd00::1', headers, 'fd00::/8').address).toBe('2001:db8:1:2::99');
  });

  it('reads the RFC 7239 Forwarded header, quoted IPv6 with a port included', () => {
    const forwarded = 'for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.3';
    expect(from('10.0.0.2', { forwarded }, '10.0.0.0/8').address).toBe('2001:db8:cafe::17');
    expect(from('10.0.0.2', { forwarded: 'for=198.51.100.7;proto=https' }, '1').address).toBe('198.51.100.7');
  });

  it('strips a port from an IPv4 entry and unwraps an IPv4-mapped entry', () => {
    expect(from('10.0.0.2', { 'x-forwarded-for': '198.51.100.7:5555' }, '1').address).toBe('198.51.100.7');
    expect(from('10.0.0.2', { 'x-forwarded-for': '::ffff:198.51.100.7' }, '1').address).toBe('198.51.100.7');
  });

  it('stops at an entry that is not an address instead of believing what lies left of it', () => {
    const headers = { 'x-forwarded-for': '198.51.100.7, unknown, 10.1.1.1' };
    expect(from('10.0.0.2', headers, '10.0.0.0/8').address).toBe('10.1.1.1');
  });
});

describe('the rate limits behind a proxy', () => {
  const ask = (t: TestApp, peer: string, forwardedFor?: string) =>
    t.request(
      '/api/checks?domain=links.example.com',
      { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} },
      peer,
    );

  it('ignore a spoofed X-Forwarded-For by default', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '1' } });
    expect((await ask(t, '203.0.113.9', '198.51.100.1')).status).toBe(200);
    expect((await ask(t, '203.0.113.9', '198.51.100.2')).status).toBe(429);
    const lines = t.logs.filter((line) => line.message === 'request');
    expect(lines.map((line) => line.client)).toEqual(['203.0.113.9', '203.0.113.9']);
  });

  it('count each client behind a trusted proxy apart', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '1', TRUST_PROXY: '1' } });
    expect((await ask(t, '10.0.0.2', '198.51.100.1')).status).toBe(200);
    expect((await ask(t, '10.0.0.2', '198.51.100.2')).status).toBe(200);
    expect((await ask(t, '10.0.0.2', '6.6.6.6, 198.51.100.1')).status).toBe(429);
    expect((await ask(t, '10.0.0.2', '::ffff:198.51.100.2')).status).toBe(429);
  });

  it('count an IPv6 /64 behind the proxy as one client', async () => {
    const t = await testApp({ env: { CHECKS_RATE_LIMIT_PER_CLIENT: '1', TRUST_PROXY: '10.0.0.0/8' } });
    expect((await ask(t, '10.0.0.2', '2001:db8:1:2::1')).status).toBe(200);
    expect((await ask(t, '10.0.0.3', '2001:db8:1:2:ffff::2')).status).toBe(429);
    expect((await ask(t, '10.0.0.2', '2001:db8:1:3::1')).status).toBe(200);
  });
});
