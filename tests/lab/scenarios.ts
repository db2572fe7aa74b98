/**
 * The lab's single source of truth: every scenario's DNS records, server,
 * certificate and expected findings, side by side. The DNS zone and the servers
 * are built from this table; nothing about a scenario is written anywhere else.
 */
import type { FindingCode } from '../../src/checks/findings.ts';
import type { CheckId, Route } from '../../src/checks/types.ts';
import { platform } from '../../src/site/site.ts';
import type { Issuer } from './certs.ts';
import type { RecordSet } from './dns.ts';

/** The parent of every scenario domain. */
export const LAB_ZONE = 'lab.example.com';
/** The host every healthy branded link's CNAME points at. */
export const TRACKING_HOST: string = platform.trackingHost;
/** The tracking service itself: the address of `TRACKING_HOST`, and of every fixed scenario. */
export const TRACKING_SERVICE_ADDRESS = '127.0.0.10';
/** An address outside the allowed networks: a correct engine never connects here. */
export const TRAP_ADDRESS = '127.0.0.200';
/** The networks the engine may connect to (`CHECKS_ALLOWED_NETWORKS`). */
export const ALLOWED_NETWORKS = ['127.0.0.0/25', '127.0.1.0/24', '127.0.2.0/24', '127.0.3.0/24'];
/** The CDN ranges the engine recognises (`CHECKS_CDN_RANGES_FILE`): one range per provider the guide has a tab for. */
export const CDN_PROVIDERS = [
  { id: 'cloudflare', name: 'Cloudflare', ranges: ['127.0.1.0/24'] },
  { id: 'fastly', name: 'Fastly', ranges: ['127.0.2.0/24'] },
  { id: 'cloudfront', name: 'Amazon CloudFront', ranges: ['127.0.3.0/24'] },
];

/** One scenario as the engine's tests see it. */
export interface LabScenario {
  /** Kebab-case, e.g. `cert-expired`. */
  name: string;
  /** `${name}.lab.example.com`. */
  domain: string;
  /** One sentence: what is wrong and how the lab builds it. */
  description: string;
  /** The route the engine should report. */
  route: Route;
  /** The finding code each check should report. */
  expect: Partial<Record<CheckId, FindingCode>>;
}

/** The certificate a scenario's server presents. Defaults: lab-issued, SAN = the domain, valid -30 to +60 days, full chain. */
export interface CertSpec {
  issuer?: Issuer;
  /** SAN dNSNames instead of the scenario's domain. */
  names?: string[];
  /** Days from now; negative is the past. */
  notBefore?: number;
  notAfter?: number;
  chain?: 'full' | 'leaf-only';
}

/** How a server speaks on the HTTPS port. */
export type Transport =
  | 'tls'
  /** TLS 1.0–1.1 only, as a server left on an old OpenSSL configuration. */
  | 'tls-1.1'
  /** Reads the ClientHello and answers a fatal handshake_failure alert. */
  | 'alert-handshake'
  /** Reads the ClientHello and resets the connection. */
  | 'reset-handshake'
  /** Accepts the connection and never sends a byte. */
  | 'silent'
  /** Plain HTTP/1.1 on the HTTPS port. */
  | 'plain-http';

/** What the server answers to HTTP requests (over TLS, or plain for `plain-http`). */
export type Responder =
  /** 200 with `x-link-tracking-service` on the probe path, 404 elsewhere. */
  | { kind: 'tracking-service' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'redirect'; status: 301 | 302 | 307 | 308; location: string }
  /** The probe path redirects to `/hop/1`, `/hop/n` to `/hop/n+1`, forever. */
  | { kind: 'endless-redirects' }
  /** Reads the request and never answers. */
  | { kind: 'hang' }
  /** 200 with a chunked body of `bytes` bytes and no service header. */
  | { kind: 'large-body'; bytes: number };

/** A server that plays one scenario on `address`, port `CHECKS_HTTPS_PORT`. */
export interface ServerSpec {
  address: string;
  transport?: Transport;
  cert?: CertSpec;
  respond?: Responder;
}

/** A scenario with everything the lab needs to build it. */
export interface ScenarioSpec extends LabScenario {
  /** The records of the scenario's domain; absent means NXDOMAIN. */
  dns?: RecordSet;
  /** Records of other names the scenario needs (a wrong CNAME target, a doubled name). */
  extraDns?: Record<string, RecordSet>;
  server?: ServerSpec;
}

/** The ports the engine is told to use; URLs in redirects carry the HTTPS port when it is not 443. */
export interface LabPorts {
  https: number;
  http: number;
}

type Expectations = LabScenario['expect'];

const healthy = {
  'branded-link-dns': 'cname_ok',
  caa: 'caa_ok',
  certificate: 'cert_ok',
  'https-probe': 'probe_ok',
} as const satisfies Expectations;
const skippedAfterDns = {
  caa: 'prerequisite_failed',
  certificate: 'prerequisite_failed',
  'https-probe': 'prerequisite_failed',
} as const satisfies Expectations;

/** DNS fails: every later check is skipped. */
const dnsFails = (code: FindingCode): Expectations => ({ 'branded-link-dns': code, ...skippedAfterDns });
/** The certificate or the TLS connection fails: the probe is skipped. */
const certFails = (code: FindingCode): Expectations => ({
  ...healthy,
  certificate: code,
  'https-probe': 'prerequisite_failed',
});
/** Only the probe fails. */
const probeFails = (code: FindingCode): Expectations => ({ ...healthy, 'https-probe': code });

/** The healthy branded link: a CNAME to the tracking host, answered by the tracking service. */
export const HEALTHY_DNS: RecordSet = { cname: TRACKING_HOST };
/** A CNAME to the tracking host whose answer for this name is the scenario's own server. */
const viaTrackingHost = (address: string): RecordSet => ({ cname: TRACKING_HOST, a: [address] });

/** The domain of a scenario. */
export function scenarioDomain(name: string): string {
  return `${name}.${LAB_ZONE}`;
}

/** Every scenario, built for the given ports. */
export function labScenarios(ports: LabPorts): ScenarioSpec[] {
  const origin = (host: string, port = ports.https) => `https://${host}${port === 443 ? '' : `:${port}`}`;
  const probeUrl = (name: string) => `${origin(scenarioDomain(name))}${platform.probePath}`;
  // A port the engine must refuse to follow: never the lab's own HTTPS port.
  const otherPort = ports.https === 8443 ? 8444 : 8443;

  const table: Omit<ScenarioSpec, 'domain'>[] = [
    // The two healthy routes.
    {
      name: 'healthy-direct',
      description: 'A CNAME to the tracking host, which presents a valid certificate and answers the probe.',
      route: 'direct',
      expect: healthy,
      dns: HEALTHY_DNS,
    },
    {
      name: 'healthy-proxied',
      description:
        'No CNAME visible, an A record in a CDN range (127.0.1.10) whose server has a valid certificate and answers like the tracking service.',
      route: 'proxied',
      expect: { ...healthy, 'branded-link-dns': 'proxied', caa: 'not_applicable' },
      dns: { a: ['127.0.1.10'] },
      server: { address: '127.0.1.10' },
    },
    {
      name: 'healthy-proxied-fastly',
      description: 'Like healthy-proxied, through a Fastly address (127.0.2.10).',
      route: 'proxied',
      expect: { ...healthy, 'branded-link-dns': 'proxied', caa: 'not_applicable' },
      dns: { a: ['127.0.2.10'] },
      server: { address: '127.0.2.10' },
    },
    {
      name: 'healthy-proxied-cloudfront',
      description: 'Like healthy-proxied, through an Amazon CloudFront address (127.0.3.10).',
      route: 'proxied',
      expect: { ...healthy, 'branded-link-dns': 'proxied', caa: 'not_applicable' },
      dns: { a: ['127.0.3.10'] },
      server: { address: '127.0.3.10' },
    },

    // DNS problems.
    {
      name: 'cname-missing',
      description: 'Only an A record (127.0.0.13, not a CDN range) and no CNAME; nothing listens there.',
      route: 'unknown',
      expect: dnsFails('cname_missing'),
      dns: { a: ['127.0.0.13'] },
    },
    {
      name: 'cname-wrong-target',
      description: 'A CNAME to a previous provider, old.provider.example.net, which has A 127.0.0.14.',
      route: 'unknown',
      expect: dnsFails('cname_wrong_target'),
      dns: { cname: 'old.provider.example.net' },
      extraDns: { 'old.provider.example.net': { a: ['127.0.0.14'] } },
    },
    {
      name: 'doubled-name',
      description:
        'The domain is NXDOMAIN, but the zone name was typed into the record: doubled-name.lab.example.com.example.com has the CNAME.',
      route: 'unknown',
      expect: dnsFails('doubled_name'),
      extraDns: { [`${scenarioDomain('doubled-name')}.example.com`]: HEALTHY_DNS },
    },
    {
      name: 'nxdomain',
      description: 'The domain has no records at all: every query answers NXDOMAIN.',
      route: 'unknown',
      expect: dnsFails('nxdomain'),
    },
    {
      name: 'dns-timeout',
      description: 'The DNS server silently drops every query for the domain.',
      route: 'unknown',
      expect: dnsFails('dns_timeout'),
      dns: { fault: 'drop' },
    },
    {
      name: 'dns-servfail',
      description: 'Every query for the domain answers SERVFAIL, as a broken DNSSEC chain does.',
      route: 'unknown',
      expect: dnsFails('dns_servfail'),
      dns: { fault: 'servfail' },
    },
    {
      name: 'private-address',
      description: `No CNAME; an A record pointing at ${TRAP_ADDRESS}, outside the allowed networks (the trap).`,
      route: 'unknown',
      expect: dnsFails('address_not_public'),
      dns: { a: [TRAP_ADDRESS] },
    },
    {
      name: 'private-address-ipv6',
      description: `No CNAME and no A; an AAAA record with the IPv4-mapped form of the trap, ::ffff:${TRAP_ADDRESS}.`,
      route: 'unknown',
      expect: dnsFails('address_not_public'),
      dns: { aaaa: ['::ffff:7f00:c8'] },
    },
    {
      name: 'rebinding',
      description: `A CNAME to the tracking host whose first A answer is 127.0.0.11 (a healthy server) and every later one the trap ${TRAP_ADDRESS}: the engine must resolve once and connect only to what it vetted.`,
      route: 'direct',
      expect: healthy,
      dns: { cname: TRACKING_HOST, a: ['127.0.0.11'], aAfterFirst: [TRAP_ADDRESS] },
      server: { address: '127.0.0.11' },
    },

    // CAA.
    {
      name: 'caa-blocks-issuer',
      description: `Healthy, but a CAA record on the domain allows only other-ca.example, not ${platform.managedCertificateIssuer}.`,
      route: 'direct',
      expect: { ...healthy, caa: 'caa_blocks_issuer' },
      dns: { ...HEALTHY_DNS, caa: [{ flags: 0, tag: 'issue', value: 'other-ca.example' }] },
    },
    {
      name: 'caa-allows',
      description: `Healthy, with a CAA record on the domain that allows ${platform.managedCertificateIssuer}.`,
      route: 'direct',
      expect: healthy,
      dns: { ...HEALTHY_DNS, caa: [{ flags: 0, tag: 'issue', value: platform.managedCertificateIssuer }] },
    },

    // Certificates.
    {
      name: 'cert-expiring-soon',
      description: 'A valid certificate that expires in 5 days.',
      route: 'direct',
      expect: { ...healthy, certificate: 'cert_expiring_soon' },
      dns: viaTrackingHost('127.0.0.20'),
      server: { address: '127.0.0.20', cert: { notBefore: -85, notAfter: 5 } },
    },
    {
      name: 'cert-expired',
      description: 'A certificate whose notAfter was 3 days ago.',
      route: 'direct',
      expect: certFails('cert_expired'),
      dns: viaTrackingHost('127.0.0.21'),
      server: { address: '127.0.0.21', cert: { notBefore: -93, notAfter: -3 } },
    },
    {
      name: 'cert-not-yet-valid',
      description: 'A certificate whose notBefore is 2 days from now.',
      route: 'direct',
      expect: certFails('cert_not_yet_valid'),
      dns: viaTrackingHost('127.0.0.22'),
      server: { address: '127.0.0.22', cert: { notBefore: 2, notAfter: 92 } },
    },
    {
      name: 'cert-hostname-mismatch',
      description: 'A trusted certificate for other.example.org only.',
      route: 'direct',
      expect: certFails('cert_hostname_mismatch'),
      dns: viaTrackingHost('127.0.0.23'),
      server: { address: '127.0.0.23', cert: { names: ['other.example.org'] } },
    },
    {
      name: 'cert-self-signed',
      description: 'A self-signed leaf certificate for the domain.',
      route: 'direct',
      expect: certFails('cert_self_signed'),
      dns: viaTrackingHost('127.0.0.24'),
      server: { address: '127.0.0.24', cert: { issuer: 'self' } },
    },
    {
      name: 'cert-untrusted',
      description: 'A leaf from an untrusted root, sent with its (untrusted) intermediate.',
      route: 'direct',
      expect: certFails('cert_untrusted'),
      dns: viaTrackingHost('127.0.0.25'),
      server: { address: '127.0.0.25', cert: { issuer: 'untrusted' } },
    },
    {
      name: 'cert-incomplete-chain',
      description: 'A leaf from the trusted intermediate, but the server sends the leaf without the intermediate.',
      route: 'direct',
      expect: certFails('cert_incomplete_chain'),
      dns: viaTrackingHost('127.0.0.26'),
      server: { address: '127.0.0.26', cert: { chain: 'leaf-only' } },
    },

    // TLS connections.
    {
      name: 'tls-version-too-old',
      description: 'A valid certificate on a server that speaks TLS 1.0 and 1.1 only.',
      route: 'direct',
      expect: certFails('tls_version_too_old'),
      dns: viaTrackingHost('127.0.0.30'),
      server: { address: '127.0.0.30', transport: 'tls-1.1' },
    },
    {
      name: 'tls-handshake-failed',
      description:
        'The server reads the ClientHello and answers a fatal handshake_failure alert, as a CDN does for a name it has no certificate for.',
      route: 'direct',
      expect: certFails('tls_handshake_failed'),
      dns: viaTrackingHost('127.0.0.31'),
      server: { address: '127.0.0.31', transport: 'alert-handshake' },
    },
    {
      name: 'tls-handshake-reset',
      description: 'The server reads the ClientHello and resets the connection without a word.',
      route: 'direct',
      expect: certFails('tls_handshake_failed'),
      dns: viaTrackingHost('127.0.0.35'),
      server: { address: '127.0.0.35', transport: 'reset-handshake' },
    },
    {
      name: 'tls-connection-refused',
      description: 'The address 127.0.0.32 has nothing listening on the HTTPS port.',
      route: 'direct',
      expect: certFails('tls_connection_refused'),
      dns: viaTrackingHost('127.0.0.32'),
    },
    {
      name: 'tls-timeout',
      description: 'A TCP server that accepts the connection and never sends a byte.',
      route: 'direct',
      expect: certFails('tls_timeout'),
      dns: viaTrackingHost('127.0.0.33'),
      server: { address: '127.0.0.33', transport: 'silent' },
    },
    {
      name: 'not-tls',
      description: 'A plain HTTP server on the HTTPS port; it answers the ClientHello with 400 Bad Request.',
      route: 'direct',
      expect: certFails('not_tls'),
      dns: viaTrackingHost('127.0.0.34'),
      server: { address: '127.0.0.34', transport: 'plain-http', respond: { kind: 'tracking-service' } },
    },

    // The HTTPS probe.
    {
      name: 'probe-wrong-origin',
      description: 'Valid TLS, but the probe gets a 200 web page without the x-link-tracking-service header.',
      route: 'direct',
      expect: probeFails('probe_wrong_origin'),
      dns: viaTrackingHost('127.0.0.40'),
      server: {
        address: '127.0.0.40',
        respond: {
          kind: 'status',
          status: 200,
          headers: { 'content-type': 'text/html' },
          body: '<!doctype html><title>Welcome</title><h1>It works!</h1>\n',
        },
      },
    },
    {
      name: 'probe-http-error',
      description: 'Valid TLS, but the probe gets 403 Forbidden.',
      route: 'direct',
      expect: probeFails('probe_http_error'),
      dns: viaTrackingHost('127.0.0.41'),
      server: { address: '127.0.0.41', respond: { kind: 'status', status: 403, body: 'Forbidden\n' } },
    },
    {
      name: 'cdn-origin-ssl-error',
      description:
        'Proxied through a CDN range (127.0.1.11) with a valid edge certificate, but the CDN answers 525: it cannot reach the origin over TLS.',
      route: 'proxied',
      expect: {
        'branded-link-dns': 'proxied',
        caa: 'not_applicable',
        certificate: 'cert_ok',
        'https-probe': 'cdn_origin_ssl_error',
      },
      dns: { a: ['127.0.1.11'] },
      server: {
        address: '127.0.1.11',
        respond: {
          kind: 'status',
          status: 525,
          headers: { server: 'cloudflare', 'content-type': 'text/html' },
          body: '<title>525: SSL handshake failed</title>\n',
        },
      },
    },
    {
      name: 'redirect-loop',
      description: 'The probe path answers 301 to its own URL.',
      route: 'direct',
      expect: probeFails('redirect_loop'),
      dns: viaTrackingHost('127.0.0.42'),
      server: {
        address: '127.0.0.42',
        respond: { kind: 'redirect', status: 301, location: probeUrl('redirect-loop') },
      },
    },
    {
      name: 'too-many-redirects',
      description:
        'The probe path answers 302 /hop/1, which answers 302 /hop/2, and so on forever (every URL distinct).',
      route: 'direct',
      expect: probeFails('too_many_redirects'),
      dns: viaTrackingHost('127.0.0.43'),
      server: { address: '127.0.0.43', respond: { kind: 'endless-redirects' } },
    },
    {
      name: 'redirect-blocked',
      description: 'The probe path answers 302 to https://127.0.0.1/, an IP literal.',
      route: 'direct',
      expect: probeFails('redirect_blocked'),
      dns: viaTrackingHost('127.0.0.44'),
      server: {
        address: '127.0.0.44',
        respond: { kind: 'redirect', status: 302, location: `${origin('127.0.0.1')}/` },
      },
    },
    {
      name: 'redirect-blocked-port',
      description: `The probe path answers 302 to the same domain on port ${otherPort}, which is not the HTTPS port.`,
      route: 'direct',
      expect: probeFails('redirect_blocked'),
      dns: viaTrackingHost('127.0.0.45'),
      server: {
        address: '127.0.0.45',
        respond: {
          kind: 'redirect',
          status: 302,
          location: `${origin(scenarioDomain('redirect-blocked-port'), otherPort)}/`,
        },
      },
    },
    {
      name: 'redirect-ok',
      description:
        'The probe path answers 301 to the healthy-direct probe URL, which the engine resolves afresh and follows.',
      route: 'direct',
      expect: healthy,
      dns: viaTrackingHost('127.0.0.48'),
      server: {
        address: '127.0.0.48',
        respond: { kind: 'redirect', status: 301, location: probeUrl('healthy-direct') },
      },
    },
    {
      name: 'probe-timeout',
      description: 'Valid TLS; the server reads the probe request and never sends response headers.',
      route: 'direct',
      expect: probeFails('probe_timeout'),
      dns: viaTrackingHost('127.0.0.46'),
      server: { address: '127.0.0.46', respond: { kind: 'hang' } },
    },
    {
      name: 'response-too-large',
      description: 'Valid TLS; the probe gets 200 with a 2 MB chunked body (no Content-Length) and no service header.',
      route: 'direct',
      expect: probeFails('response_too_large'),
      dns: viaTrackingHost('127.0.0.47'),
      server: { address: '127.0.0.47', respond: { kind: 'large-body', bytes: 2 * 1024 * 1024 } },
    },

    // Managed certificates: the demo accounts (src/accounts/sqlite-directory.ts) hold each
    // domain's certificate state; the network shows what readers' browsers would meet meanwhile.
    {
      name: 'managed-pending',
      description: 'Healthy; the account reports its managed certificate as pending validation.',
      route: 'direct',
      expect: healthy,
      dns: HEALTHY_DNS,
    },
    {
      name: 'managed-issuing',
      description: 'Healthy; the account reports its managed certificate as being issued.',
      route: 'direct',
      expect: healthy,
      dns: HEALTHY_DNS,
    },
    {
      name: 'managed-renewal-failed',
      description: 'A certificate that expires in 5 days; the account reports that renewal failed at the issuer.',
      route: 'direct',
      expect: { ...healthy, certificate: 'cert_expiring_soon' },
      dns: viaTrackingHost('127.0.0.60'),
      server: { address: '127.0.0.60', cert: { notBefore: -85, notAfter: 5 } },
    },
    {
      name: 'managed-blocked',
      description: `A CAA record allows only other-ca.example; the account reports that renewal failed because CAA blocks ${platform.managedCertificateIssuer}.`,
      route: 'direct',
      expect: { ...healthy, caa: 'caa_blocks_issuer' },
      dns: { ...HEALTHY_DNS, caa: [{ flags: 0, tag: 'issue', value: 'other-ca.example' }] },
    },
    {
      name: 'managed-expired',
      description:
        'Every setup check green but the certificate expired 3 days ago; the account reports the managed certificate expired after the issuer failed.',
      route: 'direct',
      expect: certFails('cert_expired'),
      dns: viaTrackingHost('127.0.0.61'),
      server: { address: '127.0.0.61', cert: { notBefore: -93, notAfter: -3 } },
    },
  ];

  return table.map((scenario) => ({ ...scenario, domain: scenarioDomain(scenario.name) }));
}
