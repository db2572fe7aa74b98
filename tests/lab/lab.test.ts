import { X509Certificate } from 'node:crypto';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { isFindingCode, findingDefinition, TROUBLESHOOTING_CODES } from '../../src/checks/findings.ts';
import { parseChecksEnv } from '../../src/checks/config.ts';
import { CHECK_IDS } from '../../src/checks/types.ts';
import { platform } from '../../src/site/site.ts';
import { startLab, type Lab } from './index.ts';
import { labScenarios, TRAP_ADDRESS } from './scenarios.ts';

// Every peer contacted below is the lab's own: an address from its DNS, or the trap.

/** A port the kernel just handed out, so this suite never collides with a lab on 443/80. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function resolverFor(lab: Lab): Resolver {
  const resolver = new Resolver({ timeout: 400, tries: 1 });
  resolver.setServers([lab.env.CHECKS_DNS_SERVERS!]);
  return resolver;
}

/** The error code a DNS query fails with, or its answer. */
async function settle<T>(query: Promise<T>): Promise<T | string> {
  return query.catch((error: NodeJS.ErrnoException) => error.code ?? String(error));
}

/** Sends one raw query over UDP or TCP and returns the rcode and the types of the answer records, in order. */
async function rawQuery(server: string, transport: 'udp' | 'tcp', name: string, type: number) {
  const [host, port] = [server.split(':')[0]!, Number(server.split(':')[1])];
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
  const header = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const query = Buffer.concat([header, ...labels, Buffer.from([0, type >> 8, type & 0xff, 0, 1])]);

  const response = await new Promise<Buffer>((resolve, reject) => {
    if (transport === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('message', (message) => {
        socket.close();
        resolve(message);
      });
      socket.send(query, port, host, (error) => error && reject(error));
      return;
    }
    const socket = net.connect(port, host);
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.destroy();
        resolve(received.subarray(2));
      }
    });
    socket.on('error', reject);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.length);
    socket.write(Buffer.concat([length, query]));
  });

  const skipName = (offset: number): number => {
    for (;;) {
      const length = response[offset]!;
      if (length === 0) return offset + 1;
      if ((length & 0xc0) === 0xc0) return offset + 2;
      offset += length + 1;
    }
  };
  let offset = skipName(12) + 4;
  const types: number[] = [];
  for (let index = 0; index < response.readUInt16BE(6); index++) {
    offset = skipName(offset);
    types.push(response.readUInt16BE(offset));
    offset += 8 + 2 + response.readUInt16BE(offset + 8);
  }
  // The TC flag shows only when set, so the other answers compare as before.
  const truncated = (response[2]! & 0x02) !== 0;
  return { rcode: response[3]! & 0x0f, types, ...(truncated ? { truncated } : {}) };
}

interface Handshake {
  error?: string;
  authorized?: boolean;
  authorizationError?: string | null;
  protocol?: string | null;
  validTo?: string;
  issuer?: string;
}

describe('the lab', () => {
  let lab: Lab;
  let resolver: Resolver;
  let port: number;
  let labRoot: string;

  beforeAll(async () => {
    port = await freePort();
    lab = await startLab({ httpsPort: port, httpPort: await freePort() });
    resolver = resolverFor(lab);
    labRoot = readFileSync(lab.env.CHECKS_EXTRA_CA_FILE!, 'utf8');
  });
  afterAll(() => lab?.stop());
  beforeEach(() => lab.reset());

  /** The scenario's address, as the engine resolves it: once, through the lab's DNS. */
  async function addressOf(name: string): Promise<string> {
    const domain = lab.scenario(name).domain;
    const v4 = await settle(resolver.resolve4(domain));
    if (Array.isArray(v4) && v4[0]) return v4[0];
    const [v6] = await resolver.resolve6(domain);
    return v6!;
  }

  /** A TLS handshake the way the engine makes it, except that it reads authorizationError instead of rejecting. */
  async function handshake(name: string, extra: tls.ConnectionOptions = {}): Promise<Handshake> {
    const host = await addressOf(name);
    return new Promise((resolve) => {
      const socket = tls.connect({
        host,
        port,
        servername: lab.scenario(name).domain,
        ca: [...tls.rootCertificates, labRoot],
        rejectUnauthorized: false,
        ...extra,
      });
      socket.setTimeout(400, () => {
        socket.destroy();
        resolve({ error: 'timeout' });
      });
      socket.on('secureConnect', () => {
        const peer = socket.getPeerCertificate();
        resolve({
          authorized: socket.authorized,
          authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
          protocol: socket.getProtocol(),
          validTo: peer.valid_to,
          issuer: String(peer.issuer?.CN),
        });
        socket.destroy();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code }));
    });
  }

  interface ProbeAnswer {
    status?: number;
    headers?: Record<string, string | string[] | undefined>;
    bytes?: number;
    error?: string;
  }

  /** The probe the way the engine sends it: GET over TLS to the vetted address, Host = domain:port. */
  async function probe(name: string, path: string = platform.probePath): Promise<ProbeAnswer> {
    const address = await addressOf(name);
    const domain = lab.scenario(name).domain;
    return new Promise((resolve) => {
      const request = https.request(
        {
          host: domain,
          port,
          path,
          agent: false,
          ca: [...tls.rootCertificates, labRoot],
          timeout: 400,
          lookup: (_hostname, options, callback) =>
            // Node asks for every address when it may race IPv4 against IPv6.
            options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4),
        },
        (response) => {
          let bytes = 0;
          response.on('data', (chunk: Buffer) => (bytes += chunk.length));
          response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, bytes }));
        },
      );
      request.on('timeout', () => {
        request.destroy();
        resolve({ error: 'timeout' });
      });
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code }));
      request.end();
    });
  }

  describe('wiring', () => {
    it('hands the engine an environment it accepts', () => {
      const env = parseChecksEnv(lab.env);
      expect(env.CHECKS_DNS_SERVERS).toEqual([lab.env.CHECKS_DNS_SERVERS]);
      expect(env.CHECKS_HTTPS_PORT).toBe(port);
      expect(env.CHECKS_ALLOWED_NETWORKS).toEqual(['127.0.0.0/25', '127.0.1.0/24', '127.0.2.0/24', '127.0.3.0/24']);
      expect(env.TRACKING_CNAME_TARGET).toBe('track.mail.example');
      expect(env.TRACKING_PROBE_PATH).toBe('/.well-known/link-tracking');
      expect(env.TRACKING_SERVICE_ID).toBe('mailvane');
    });

    it('writes the trusted lab root, and only it, to the CA file', () => {
      expect(labRoot.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
      expect(new X509Certificate(labRoot).subject).toContain('Tracklight Lab Root CA');
    });

    it('writes CDN ranges in the shipped format', () => {
      const ranges = JSON.parse(readFileSync(lab.env.CHECKS_CDN_RANGES_FILE!, 'utf8'));
      expect(ranges.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(ranges.providers).toContainEqual({ id: 'cloudflare', name: 'Cloudflare', ranges: ['127.0.1.0/24'] });
    });

    it('throws on an unknown scenario', () => {
      expect(() => lab.scenario('no-such-thing')).toThrow(/no-such-thing/);
      expect(() => lab.fix('no-such-thing')).toThrow(/no-such-thing/);
    });
  });

  describe('DNS', () => {
    it('answers a CNAME, and A queries with the CNAME followed by the target address, over UDP and TCP', async () => {
      expect(await resolver.resolveCname('healthy-direct.lab.example.com')).toEqual(['track.mail.example']);
      expect(await resolver.resolve4('healthy-direct.lab.example.com')).toEqual(['127.0.0.10']);
      expect(await resolver.resolve4('track.mail.example')).toEqual(['127.0.0.10']);
      for (const transport of ['udp', 'tcp'] as const) {
        const answer = await rawQuery(lab.env.CHECKS_DNS_SERVERS!, transport, 'healthy-direct.lab.example.com', 1);
        expect(answer, transport).toEqual({ rcode: 0, types: [5, 1] });
      }
    });

    it("sends a scenario's A queries through the tracking host to its own server", async () => {
      expect(await resolver.resolveCname('cert-expired.lab.example.com')).toEqual(['track.mail.example']);
      expect(await resolver.resolve4('cert-expired.lab.example.com')).toEqual(['127.0.0.21']);
      expect(await resolver.resolve4('healthy-proxied.lab.example.com')).toEqual(['127.0.1.10']);
    });

    it('tells NXDOMAIN from NODATA', async () => {
      expect(await settle(resolver.resolve4('nxdomain.lab.example.com'))).toBe('ENOTFOUND');
      expect(await settle(resolver.resolveCname('cname-missing.lab.example.com'))).toBe('ENODATA');
      expect(await settle(resolver.resolve4('cname-missing.lab.example.com'))).toEqual(['127.0.0.13']);
      // An empty non-terminal exists: NOERROR without records.
      expect(await settle(resolver.resolveCaa('lab.example.com'))).toBe('ENODATA');
      expect((await rawQuery(lab.env.CHECKS_DNS_SERVERS!, 'udp', 'nxdomain.lab.example.com', 1)).rcode).toBe(3);
      expect(await rawQuery(lab.env.CHECKS_DNS_SERVERS!, 'udp', 'lab.example.com', 1)).toEqual({ rcode: 0, types: [] });
    });

    it('answers SERVFAIL and drops queries where a scenario says so', async () => {
      expect(await settle(resolver.resolve4('dns-servfail.lab.example.com'))).toBe('ESERVFAIL');
      expect(await settle(resolver.resolveCname('dns-servfail.lab.example.com'))).toBe('ESERVFAIL');
      expect(await settle(resolver.resolveCname('dns-timeout.lab.example.com'))).toBe('ETIMEOUT');
    });

    it('truncates a CAA answer over UDP where a scenario says so, and gives it whole over TCP', async () => {
      const server = lab.env.CHECKS_DNS_SERVERS!;
      const CAA = 257;
      const name = 'caa-truncated.lab.example.com';
      expect(await rawQuery(server, 'udp', name, CAA)).toEqual({ rcode: 0, types: [CAA], truncated: true });
      expect(await rawQuery(server, 'tcp', name, CAA)).toEqual({ rcode: 0, types: [CAA, CAA] });
      expect(await rawQuery(server, 'udp', name, 1)).toEqual({ rcode: 0, types: [1] });
      expect(await rawQuery(server, 'tcp', 'caa-truncated-tcp-fails.lab.example.com', CAA)).toEqual({
        rcode: 2,
        types: [],
      });
    });

    it('serves the doubled name and the old provider', async () => {
      expect(await settle(resolver.resolveCname('doubled-name.lab.example.com'))).toBe('ENOTFOUND');
      expect(await resolver.resolveCname('doubled-name.lab.example.com.example.com')).toEqual(['track.mail.example']);
      expect(await resolver.resolveCname('cname-wrong-target.lab.example.com')).toEqual(['old.provider.example.net']);
      expect(await resolver.resolve4('cname-wrong-target.lab.example.com')).toEqual(['127.0.0.14']);
    });

    it('answers CAA records with their flags and tags as written, and none on their parents', async () => {
      expect(await resolver.resolveCaa('caa-blocks-issuer.lab.example.com')).toEqual([
        { critical: 0, type: 'CAA', issue: 'other-ca.example' },
      ]);
      expect(await resolver.resolveCaa('caa-critical-unknown.lab.example.com')).toEqual([
        { critical: 128, type: 'CAA', tbs: 'Unknown' },
        { critical: 0, type: 'CAA', issue: 'letsencrypt.org' },
      ]);
      expect(await resolver.resolveCaa('caa-mixed-case-tag.lab.example.com')).toEqual([
        { critical: 0, type: 'CAA', iSsUe: 'other-ca.example' },
      ]);
      expect(await settle(resolver.resolveCaa('example.com'))).toBe('ENODATA');
    });

    it('follows a CNAME for CAA, as a recursive resolver does: the tracking host’s set answers', async () => {
      expect(await resolver.resolveCaa('healthy-direct.lab.example.com')).toEqual([
        { critical: 0, type: 'CAA', issue: 'letsencrypt.org' },
        { critical: 0, type: 'CAA', iodef: 'mailto:pki@mail.example' },
      ]);
    });

    it('fails one query type only where a scenario says so', async () => {
      const domain = 'links.caa-lookup-fails.lab.example.com';
      expect(await settle(resolver.resolveCaa(domain))).toBe('ESERVFAIL');
      expect(await resolver.resolve4(domain)).toEqual(['127.0.0.10']);
      expect(await settle(resolver.resolve4('resolver-refuses.lab.example.com'))).toBe('EREFUSED');
    });

    it('answers late where a scenario says so', async () => {
      const slow = new Resolver({ timeout: 3_000, tries: 1 });
      slow.setServers([lab.env.CHECKS_DNS_SERVERS!]);
      const started = performance.now();
      await slow.resolve4('dns-slow-answer.lab.example.com');
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_050);
    });

    it('rebinds: the first A answer is the healthy server, every later one the trap, until reset()', async () => {
      const domain = 'rebinding.lab.example.com';
      expect(await resolver.resolveCname(domain)).toEqual(['track.mail.example']);
      expect(await resolver.resolve4(domain, { ttl: true })).toEqual([{ address: '127.0.0.11', ttl: 0 }]);
      expect(await resolver.resolve4(domain)).toEqual([TRAP_ADDRESS]);
      expect(await resolver.resolve4(domain)).toEqual([TRAP_ADDRESS]);
      lab.reset();
      expect(await resolver.resolve4(domain)).toEqual(['127.0.0.11']);
    });

    it('hides the trap behind an IPv4-mapped AAAA record', async () => {
      expect(await settle(resolver.resolve4('private-address-ipv6.lab.example.com'))).toBe('ENODATA');
      expect(await resolver.resolve6('private-address-ipv6.lab.example.com')).toEqual([`::ffff:${TRAP_ADDRESS}`]);
    });
  });

  describe('TLS', () => {
    it('presents a valid chain for healthy domains, direct and proxied', async () => {
      for (const name of ['healthy-direct', 'healthy-proxied', 'rebinding', 'caa-blocks-issuer']) {
        expect(await handshake(name), name).toMatchObject({
          authorized: true,
          authorizationError: null,
          issuer: 'Tracklight Lab Intermediate CA',
        });
      }
    });

    it.each([
      ['cert-expired', 'CERT_HAS_EXPIRED'],
      ['cert-not-yet-valid', 'CERT_NOT_YET_VALID'],
      ['cert-hostname-mismatch', 'ERR_TLS_CERT_ALTNAME_INVALID'],
      ['cert-self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['cert-untrusted', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
      ['cert-incomplete-chain', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ])('%s fails verification with %s', async (name, code) => {
      expect(await handshake(name)).toMatchObject({ authorized: false, authorizationError: code });
    });

    it('cert-expiring-soon is valid and expires in 5 days', async () => {
      const result = await handshake('cert-expiring-soon');
      expect(result.authorized).toBe(true);
      const days = (Date.parse(result.validTo!) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(4);
      expect(days).toBeLessThanOrEqual(5);
    });

    it('tls-version-too-old refuses a modern client and speaks TLS 1.1 to an old one', async () => {
      expect(await handshake('tls-version-too-old')).toEqual({ error: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
      expect(
        await handshake('tls-version-too-old', { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      ).toMatchObject({ authorized: true, protocol: 'TLSv1.1' });
    });

    it.each([
      ['tls-handshake-failed', 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE'],
      ['tls-handshake-reset', 'ECONNRESET'],
      ['tls-connection-refused', 'ECONNREFUSED'],
      ['tls-timeout', 'timeout'],
      ['not-tls', 'ERR_SSL_WRONG_VERSION_NUMBER'],
    ])('%s fails the handshake with %s', async (name, code) => {
      expect(await handshake(name)).toEqual({ error: code });
    });

    it('not-tls really is an HTTP server', async () => {
      const socket = net.connect(port, await addressOf('not-tls'));
      socket.end(`GET ${platform.probePath} HTTP/1.1\r\nHost: not-tls.lab.example.com\r\nConnection: close\r\n\r\n`);
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 200 OK/);
    });
  });

  describe('HTTPS probe', () => {
    it('the tracking service and the proxied edge answer with the service header', async () => {
      for (const name of ['healthy-direct', 'healthy-proxied', 'cert-expiring-soon', 'rebinding']) {
        const answer = await probe(name);
        expect(answer, name).toMatchObject({ status: 200, headers: { 'x-link-tracking-service': 'mailvane' } });
      }
      expect((await probe('healthy-direct', '/elsewhere')).status).toBe(404);
    });

    it('answers 525, 403 and a page without the service header where declared', async () => {
      expect(await probe('cdn-origin-ssl-error')).toMatchObject({ status: 525, headers: { server: 'cloudflare' } });
      expect((await probe('probe-http-error')).status).toBe(403);
      const page = await probe('probe-wrong-origin');
      expect(page.status).toBe(200);
      expect(page.headers).not.toHaveProperty('x-link-tracking-service');
    });

    it('redirects as declared', async () => {
      const url = (name: string, portSuffix = `:${port}`) => `https://${name}.lab.example.com${portSuffix}`;
      const location = async (name: string, path?: string) => (await probe(name, path)).headers?.location;
      expect(await location('redirect-loop')).toBe(`${url('redirect-loop')}${platform.probePath}`);
      expect(await location('redirect-ok')).toBe(`${url('healthy-direct')}${platform.probePath}`);
      expect(await location('redirect-blocked')).toBe(`https://127.0.0.1:${port}/`);
      expect(await location('redirect-blocked-port')).toBe(`${url('redirect-blocked-port', ':8443')}/`);
      expect(await location('too-many-redirects')).toBe('/hop/1');
      expect(await location('too-many-redirects', '/hop/1')).toBe('/hop/2');
      expect(await location('too-many-redirects', '/hop/10')).toBe('/hop/11');
    });

    it('probe-timeout never sends response headers', async () => {
      expect(await probe('probe-timeout')).toEqual({ error: 'timeout' });
    });

    it('response-too-large sends 2 MB without the service header', async () => {
      const answer = await probe('response-too-large');
      expect(answer).toMatchObject({ status: 200, bytes: 2 * 1024 * 1024 });
      expect(answer.headers).not.toHaveProperty('x-link-tracking-service');
      expect(answer.headers).not.toHaveProperty('content-length');
    });
  });

  describe('trap', () => {
    it('counts every connection to the trap address, on both ports', async () => {
      const before = lab.trapConnections();
      for (const trapPort of [port, Number(lab.env.CHECKS_HTTP_PORT)]) {
        const socket = net.connect(trapPort, TRAP_ADDRESS);
        await new Promise((resolve) => socket.on('close', resolve).on('error', () => {}));
      }
      expect(await handshake('private-address')).toEqual({ error: 'ECONNRESET' });
      expect(lab.trapConnections()).toBe(before + 3);
    });
  });

  describe('fix() and reset()', () => {
    it('makes a broken scenario healthy-direct, and reset() breaks it again', async () => {
      lab.fix('cert-expired');
      expect(await resolver.resolve4('cert-expired.lab.example.com')).toEqual(['127.0.0.10']);
      expect(await handshake('cert-expired')).toMatchObject({ authorized: true });
      expect((await probe('cert-expired')).headers).toMatchObject({ 'x-link-tracking-service': 'mailvane' });
      lab.reset();
      expect(await handshake('cert-expired')).toMatchObject({ authorizationError: 'CERT_HAS_EXPIRED' });
    });

    it('fixes DNS faults and drops the scenario extra records', async () => {
      for (const name of ['nxdomain', 'dns-timeout', 'doubled-name', 'cname-missing']) lab.fix(name);
      for (const name of ['nxdomain', 'dns-timeout', 'doubled-name', 'cname-missing']) {
        expect(await resolver.resolveCname(`${name}.lab.example.com`), name).toEqual(['track.mail.example']);
        expect((await probe(name)).status, name).toBe(200);
      }
      expect(await settle(resolver.resolve4('doubled-name.lab.example.com.example.com'))).toBe('ENOTFOUND');
      lab.reset();
      expect(await settle(resolver.resolve4('nxdomain.lab.example.com'))).toBe('ENOTFOUND');
    });

    it('fixes TLS and probe failures too', async () => {
      for (const name of ['tls-timeout', 'not-tls', 'probe-timeout', 'cdn-origin-ssl-error', 'rebinding']) {
        lab.fix(name);
        expect(await handshake(name), name).toMatchObject({ authorized: true });
        expect(await probe(name), name).toMatchObject({ status: 200 });
      }
    });
  });
});

describe('the scenario table', () => {
  const specs = labScenarios({ https: 443, http: 80 });
  const codes = new Set(specs.flatMap((spec) => Object.values(spec.expect)));

  it('names every scenario in kebab-case, once, with a domain under the lab zone', () => {
    expect(new Set(specs.map((spec) => spec.name)).size).toBe(specs.length);
    for (const spec of specs) {
      expect(spec.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(spec.domain).toBe(`${spec.label ? `${spec.label}.` : ''}${spec.name}.lab.example.com`);
      expect(spec.description).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('expects only real check ids and finding codes, each from its own step or a generic outcome', () => {
    const steps = { 'branded-link-dns': 'branded-link', caa: 'tls', certificate: 'tls', 'https-probe': 'tls' };
    for (const spec of specs) {
      for (const [check, code] of Object.entries(spec.expect)) {
        expect(CHECK_IDS, spec.name).toContain(check);
        expect(isFindingCode(code!), `${spec.name}: ${code}`).toBe(true);
        if (code !== 'not_applicable' && code !== 'prerequisite_failed' && code !== 'check_error') {
          expect(findingDefinition(code!).step, `${spec.name}: ${code}`).toBe(steps[check as keyof typeof steps]);
        }
      }
    }
  });

  it('covers every DNS and TLS troubleshooting code the lab can produce', () => {
    // Needs an account, not a peer on the network: the demo accounts hold the managed certificates' states.
    const outOfReach = new Set([
      'domain_not_in_account',
      'managed_cert_issuing',
      'managed_cert_renewal_failed',
      'managed_cert_blocked',
      'managed_cert_expired',
    ]);
    const reachable = TROUBLESHOOTING_CODES.filter((code) => {
      const { step } = findingDefinition(code);
      return (step === 'branded-link' || step === 'tls') && !outOfReach.has(code);
    });
    expect(reachable.filter((code) => !codes.has(code))).toEqual([]);
  });

  it('gives each server its own address in the plan, and never answers DNS outside loopback', () => {
    const servers = specs.flatMap((spec) =>
      [...(spec.server ? [spec.server] : []), ...(spec.moreServers ?? [])].map((server) => server.address),
    );
    expect(new Set(servers).size).toBe(servers.length);
    for (const address of servers)
      expect(address).toMatch(/^127\.0\.(0\.([1-9]\d)|[1-3]\.(1\d|[2-9]\d|1\d\d|2[0-4]\d|25[0-5]))$/);
    const answered = specs.flatMap((spec) =>
      [spec.dns, ...Object.values(spec.extraDns ?? {})].flatMap((set) => [
        ...(set?.a ?? []),
        ...(set?.aAfterFirst ?? []),
        ...(set?.aaaa ?? []),
      ]),
    );
    for (const address of answered) expect(address).toMatch(/^(127\.|::ffff:7f)/);
  });
});

describe('stop()', () => {
  it('releases every port and removes its files, so a second lab can start on the same ports', async () => {
    const ports = { httpsPort: await freePort(), httpPort: await freePort() };
    const first = await startLab(ports);
    const files = [first.env.CHECKS_EXTRA_CA_FILE!, first.env.CHECKS_CDN_RANGES_FILE!];
    // An open connection must not keep the port busy after stop().
    const hold = net.connect(ports.httpsPort, '127.0.0.33').on('error', () => {});
    await new Promise((resolve) => hold.once('connect', resolve));
    await first.stop();
    expect(files.filter((file) => existsSync(file))).toEqual([]);
    expect(await settle(resolverFor(first).resolve4('healthy-direct.lab.example.com'))).toMatch(/^E/);

    const second = await startLab(ports);
    try {
      expect(await resolverFor(second).resolve4('healthy-direct.lab.example.com')).toEqual(['127.0.0.10']);
    } finally {
      await second.stop();
    }
  });
});
