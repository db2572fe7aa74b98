import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDnsClient, ResolverUnavailableError } from '../../src/checks/net/dns.ts';
import { startDnsServer, type LabDnsServer, type Zone } from '../lab/dns.ts';

// A real DNS server on loopback (the lab's), with answers that outgrow a datagram.
const ALLOWS_OURS = [
  { flags: 0, tag: 'issue', value: 'other-ca.example' },
  { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
];
const zone: Zone = new Map([
  ['truncated.example', { caa: ALLOWS_OURS, truncatedOverUdp: ['CAA' as const] }],
  [
    'truncated-tcp-fails.example',
    { caa: ALLOWS_OURS, truncatedOverUdp: ['CAA' as const], tcpFault: 'servfail' as const },
  ],
]);
let server: LabDnsServer;

beforeAll(async () => {
  server = await startDnsServer(() => zone);
});
afterAll(() => server.close());

describe('the DNS client, on answers that come truncated', () => {
  it('reads the whole answer over TCP, never the part that came over UDP', async () => {
    const dns = createDnsClient({ servers: [server.address], timeoutMs: 2_000, tries: 1 });
    expect(await dns.caa('truncated.example')).toMatchObject({
      ok: true,
      records: [
        { tag: 'issue', value: 'other-ca.example' },
        { tag: 'issue', value: 'letsencrypt.org' },
      ],
    });
  });

  it('says SERVFAIL when the TCP answer is SERVFAIL, even beside another lookup on the same connection', async () => {
    const dns = createDnsClient({ servers: [server.address], timeoutMs: 2_000, tries: 1 });
    // Together on one channel, c-ares reads the SERVFAIL over the shared TCP connection as ECONNREFUSED:
    // that must not pass for our resolver being out of reach.
    const [good, failing] = await Promise.all([dns.caa('truncated.example'), dns.caa('truncated-tcp-fails.example')]);
    expect(good).toMatchObject({ ok: true });
    expect(failing).toEqual({ ok: false, failure: 'servfail', detail: 'ESERVFAIL' });
  });

  it('still says our resolver is out of reach when it is', async () => {
    const closed = await startDnsServer(() => zone);
    const address = closed.address;
    await closed.close();
    const dns = createDnsClient({ servers: [address], timeoutMs: 2_000, tries: 1 });
    await expect(dns.caa('truncated.example')).rejects.toBeInstanceOf(ResolverUnavailableError);
  });
});
