import dgram from 'node:dgram';
import net from 'node:net';
import { createSecureContext } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDnsClient } from '../../src/checks/net/dns.ts';
import { fetchOnce } from '../../src/checks/net/http.ts';
import { handshake } from '../../src/checks/net/tls.ts';

// Real peers on loopback: a TCP server that counts connections, and a DNS "server" that never answers.
let tcp: net.Server;
let port = 0;
let connections = 0;
let silentDns: dgram.Socket;

beforeAll(async () => {
  tcp = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  port = (tcp.address() as net.AddressInfo).port;
  silentDns = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => silentDns.bind(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  silentDns.close();
});

describe('a report out of time starts nothing new', () => {
  it('a request after the deadline never connects', async () => {
    const before = connections;
    const result = await fetchOnce({
      url: new URL(`http://links.example.com:${port}/`),
      address: '127.0.0.1',
      trust: createSecureContext(),
      userAgent: 'test',
      connectTimeoutMs: 1_000,
      headersTimeoutMs: 1_000,
      bodyTimeoutMs: 1_000,
      maxBodyBytes: 1_024,
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ ok: false, failure: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBe(before);
  });

  it('a handshake after the deadline never connects', async () => {
    const before = connections;
    const result = await handshake({
      address: '127.0.0.1',
      port,
      servername: 'links.example.com',
      trust: createSecureContext(),
      connectTimeoutMs: 1_000,
      handshakeTimeoutMs: 1_000,
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ ok: false, failure: 'tls_timeout' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBe(before);
  });

  it('a DNS lookup ends when the report does, not at its own budget', async () => {
    const { port: dnsPort } = silentDns.address();
    const dns = createDnsClient({ servers: [`127.0.0.1:${dnsPort}`], timeoutMs: 5_000, tries: 2 });
    const started = performance.now();
    const answer = await dns.addresses('links.example.com', { signal: AbortSignal.timeout(200) });
    expect(answer).toMatchObject({ ok: false, failure: 'timeout' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
