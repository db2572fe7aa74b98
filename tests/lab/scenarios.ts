/**
 * The lab's single source of truth: every scenario's DNS records, server,
 * certificate and expected findings, side by side. The DNS zone and the servers
 * are built from this table; nothing about a scenario is written anywhere else.
 */
import type { FindingCode } from '../../src/checks/findings.ts';
import type { CheckId, Route } from '../../src/checks/types.ts';
import { platform } from '../../src/site/site.ts';
import type { Issuer } from './certs.ts';
import type { CaaRecord, RecordSet } from './dns.ts';

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
  /** `${name}.lab.example.com`, or `${label}.${name}.lab.example.com` for a scenario that needs its parent. */
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
  /** The leaf's key; `rsa-1024` needs the `tls-weak` transport. */
  key?: 'ec' | 'rsa-1024';
  signatureHash?: 'SHA-256' | 'SHA-1';
  /** `false`: the name is in the subject CN only. */
  subjectAltName?: boolean;
  /** `false`: an empty subject, the name in the subjectAltName only. */
  subject?: boolean;
}

/** How a server speaks on the HTTPS port. */
export type Transport =
  | 'tls'
  /** TLS at OpenSSL security level 0, so a weak key or a SHA-1 chain can be served at all. */
  | 'tls-weak'
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
  /** Like `endless-redirects`, each answer `delayMs` late: a chain that outlasts the report's deadline. */
  | { kind: 'paced-redirects'; delayMs: number }
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
  /** More servers, for a name with several addresses that behave differently. */
  moreServers?: ServerSpec[];
  /** A label in front of the scenario's name: for records at the parent (CAA), or an internationalised name (`xn--…`). */
  label?: string;
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
/** A flattened CNAME: the tracking host's own address answered at the name, which may then hold CAA records. */
const flattened = (caa?: CaaRecord[]): RecordSet => ({ a: [TRACKING_SERVICE_ADDRESS], ...(caa ? { caa } : {}) });
const issue = (value: string, flags = 0): CaaRecord => ({ flags, tag: 'issue', value });
/** The platform's CA, as the lab's configuration lists it first. */
const OUR_CA = platform.managedCertificateIssuer;
/** A second CA the lab's configuration lists (`CAA_ISSUER_DOMAINS`): one allowed CA is enough. */
export const SECOND_CA = 'pki.goog';
/** The lab's ACME account (`CAA_ACCOUNT_URI`) and validation method (`CAA_VALIDATION_METHOD`). */
export const LAB_ACCOUNT_URI = 'https://acme.lab.example/acct/42';
export const LAB_VALIDATION_METHOD = 'http-01';
/** The CAA set of the lab's tracking host: it allows the platform's CA, so every CNAME'd link may get a certificate. */
export const TRACKING_HOST_CAA: CaaRecord[] = [
  issue(OUR_CA),
  { flags: 0, tag: 'iodef', value: 'mailto:pki@mail.example' },
];
/** Expectations of a healthy domain whose CAA check reports `code`. */
const caaSays = (code: FindingCode): Expectations => ({ ...healthy, caa: code });
/** A CNAME'd name whose addresses are several servers. */
const viaTrackingHostAt = (...addresses: string[]): RecordSet => ({ cname: TRACKING_HOST, a: addresses });

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
      name: 'idn-missing',
      description:
        'An internationalised name (bücher.idn-missing…, xn--bcher-kva in DNS) with no record at all: shown in Unicode, checked in ASCII.',
      route: 'unknown',
      expect: dnsFails('nxdomain'),
      label: 'xn--bcher-kva',
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

    {
      name: 'cname-chain',
      description: `A CNAME to edge.cname-chain.lab.example.com, itself a CNAME to ${TRACKING_HOST}: the chain reaches the tracking host.`,
      route: 'direct',
      expect: healthy,
      dns: { cname: `edge.${scenarioDomain('cname-chain')}` },
      extraDns: { [`edge.${scenarioDomain('cname-chain')}`]: { cname: TRACKING_HOST } },
    },
    {
      name: 'cname-chain-elsewhere',
      description:
        'A CNAME chain through edge.cname-chain-elsewhere.lab.example.com that ends at legacy.provider.example.net (A 127.0.0.15).',
      route: 'unknown',
      expect: dnsFails('cname_wrong_target'),
      dns: { cname: `edge.${scenarioDomain('cname-chain-elsewhere')}` },
      extraDns: {
        [`edge.${scenarioDomain('cname-chain-elsewhere')}`]: { cname: 'legacy.provider.example.net' },
        'legacy.provider.example.net': { a: ['127.0.0.15'] },
      },
    },
    {
      name: 'cname-loop',
      description: 'A CNAME to loop-a.cname-loop.lab.example.com, which points at loop-b, which points back at loop-a.',
      route: 'unknown',
      expect: dnsFails('cname_wrong_target'),
      dns: { cname: `loop-a.${scenarioDomain('cname-loop')}` },
      extraDns: {
        [`loop-a.${scenarioDomain('cname-loop')}`]: { cname: `loop-b.${scenarioDomain('cname-loop')}` },
        [`loop-b.${scenarioDomain('cname-loop')}`]: { cname: `loop-a.${scenarioDomain('cname-loop')}` },
      },
    },
    {
      name: 'flattened',
      description: `No CNAME visible: the provider flattens it and answers ${TRACKING_SERVICE_ADDRESS}, exactly the tracking host's address.`,
      route: 'direct',
      expect: healthy,
      dns: flattened(),
    },
    {
      name: 'dns-slow-answer',
      description: `A CNAME to the tracking host whose every answer takes 1.1 seconds: within the per-lookup budget, whatever came before.`,
      route: 'direct',
      expect: healthy,
      dns: { ...HEALTHY_DNS, delayMs: 1_100 },
    },
    {
      name: 'resolver-refuses',
      description: "The checks' own resolver answers REFUSED for the name: our fault (error), not the reader's DNS.",
      route: 'unknown',
      expect: dnsFails('check_error'),
      dns: { fault: 'refused' },
    },

    // CAA, as RFC 8659 and Boulder decide (the verification vectors' numbers in brackets).
    {
      name: 'caa-blocks-issuer',
      description: `A flattened record (the tracking host's address) with a CAA record allowing only other-ca.example, not ${OUR_CA} [C1].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: flattened([issue('other-ca.example')]),
    },
    {
      name: 'caa-allows',
      description: `A flattened record with a CAA record that allows ${OUR_CA}.`,
      route: 'direct',
      expect: healthy,
      dns: flattened([issue(OUR_CA)]),
    },
    {
      name: 'caa-second-issuer',
      description: `A CAA record allowing only ${SECOND_CA}, the second CA the platform is configured with.`,
      route: 'direct',
      expect: healthy,
      dns: flattened([issue(SECOND_CA)]),
    },
    {
      name: 'caa-iodef-only',
      description:
        'The name holds only an iodef CAA record and its parent forbids every CA: the first non-empty set applies and restricts nothing [C17].',
      route: 'direct',
      expect: healthy,
      label: 'links',
      dns: flattened([{ flags: 0, tag: 'iodef', value: 'mailto:security@example.com' }]),
      extraDns: { [scenarioDomain('caa-iodef-only')]: { caa: [issue(';')] } },
    },
    {
      name: 'caa-parent-forbids',
      description: 'No CAA at the name; its parent has issue ";", which forbids every CA [C7, C16].',
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      label: 'links',
      dns: flattened(),
      extraDns: { [scenarioDomain('caa-parent-forbids')]: { caa: [issue(';')] } },
    },
    {
      name: 'caa-critical-unknown',
      description: `An unknown property with the critical flag (128 tbs) beside issue "${OUR_CA}" [C3].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: flattened([{ flags: 128, tag: 'tbs', value: 'Unknown' }, issue(OUR_CA)]),
    },
    {
      name: 'caa-mixed-case-tag',
      description:
        'A CAA record written with the tag iSsUe, allowing only other-ca.example: tags are case-insensitive [C2].',
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: flattened([{ flags: 0, tag: 'iSsUe', value: 'other-ca.example' }]),
    },
    {
      name: 'caa-malformed',
      description: `The record issue "${OUR_CA}; a_b=123": a parameter tag with "_" does not parse, so it authorises no one [C10].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: flattened([issue(`${OUR_CA}; a_b=123`)]),
    },
    {
      name: 'caa-account-mismatch',
      description: `The record issue "${OUR_CA}" bound by accounturi to another ACME account than the platform's [C13].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: flattened([issue(`${OUR_CA}; accounturi=https://acme.lab.example/acct/7`)]),
    },
    {
      name: 'caa-method-mismatch',
      description: `The record issue "${OUR_CA}" limited to validationmethods=dns-01 while the platform validates with http-01 [C12].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: flattened([issue(`${OUR_CA}; validationmethods=dns-01`)]),
    },
    {
      name: 'caa-issuewild-only',
      description: 'Only issuewild ";" at the name: it does not apply to a name without a wildcard [C14].',
      route: 'direct',
      expect: healthy,
      dns: flattened([{ flags: 0, tag: 'issuewild', value: ';' }]),
    },
    {
      name: 'caa-lookup-fails',
      description: `The name's CAA query answers SERVFAIL (every other type works) and its parent allows ${OUR_CA}: the CA cannot decide [C21].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      label: 'links',
      dns: { ...flattened(), faultsByType: { CAA: 'servfail' } },
      extraDns: { [scenarioDomain('caa-lookup-fails')]: { caa: [issue(OUR_CA)] } },
    },
    {
      name: 'caa-truncated',
      description: `The name's CAA answer outgrows a datagram: over UDP it comes truncated (TC) with only "other-ca.example"; over TCP the whole set also allows ${OUR_CA}. The answer is read over TCP, never decided on its part [C23].`,
      route: 'direct',
      expect: healthy,
      dns: { ...flattened([issue('other-ca.example'), issue(OUR_CA)]), truncatedOverUdp: ['CAA'] },
    },
    {
      name: 'caa-truncated-tcp-fails',
      description: `Like caa-truncated, but over TCP the CAA query answers SERVFAIL: the whole set cannot be read, so the CA cannot decide, and the part that came over UDP decides nothing [C23].`,
      route: 'direct',
      expect: caaSays('caa_blocks_issuer'),
      dns: {
        ...flattened([issue('other-ca.example'), issue(OUR_CA)]),
        truncatedOverUdp: ['CAA'],
        tcpFault: 'servfail',
      },
    },
    {
      name: 'caa-fails-above',
      description: `The name allows ${OUR_CA}; its parent's CAA query answers SERVFAIL, which does not matter above the set found [C22].`,
      route: 'direct',
      expect: healthy,
      label: 'links',
      dns: flattened([issue(OUR_CA)]),
      extraDns: { [scenarioDomain('caa-fails-above')]: { faultsByType: { CAA: 'servfail' } } },
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

    {
      name: 'cert-cn-only',
      description:
        'A trusted certificate naming the domain in its subject CN only, without subjectAltName (badssl no-san).',
      route: 'direct',
      expect: certFails('cert_hostname_mismatch'),
      dns: viaTrackingHost('127.0.0.27'),
      server: { address: '127.0.0.27', cert: { subjectAltName: false } },
    },
    {
      name: 'cert-no-subject',
      description:
        'A trusted certificate with an empty subject and the domain in its subjectAltName (badssl no-subject).',
      route: 'direct',
      expect: healthy,
      dns: viaTrackingHost('127.0.0.28'),
      server: { address: '127.0.0.28', cert: { subject: false } },
    },
    {
      name: 'cert-weak-key',
      description: 'A trusted certificate for a 1024-bit RSA key (badssl rsa1024).',
      route: 'direct',
      expect: certFails('cert_weak_key'),
      dns: viaTrackingHost('127.0.0.29'),
      server: { address: '127.0.0.29', transport: 'tls-weak', cert: { key: 'rsa-1024' } },
    },
    {
      name: 'cert-sha1-leaf',
      description: 'A trusted certificate the intermediate signed with ECDSA and SHA-1.',
      route: 'direct',
      expect: certFails('cert_weak_signature'),
      dns: viaTrackingHost('127.0.0.36'),
      server: { address: '127.0.0.36', transport: 'tls-weak', cert: { signatureHash: 'SHA-1' } },
    },
    {
      name: 'cert-sha1-intermediate',
      description: 'A leaf from an intermediate that the trusted root signed with SHA-1 (badssl sha1-intermediate).',
      route: 'direct',
      expect: certFails('cert_weak_signature'),
      dns: viaTrackingHost('127.0.0.37'),
      server: { address: '127.0.0.37', transport: 'tls-weak', cert: { issuer: 'lab-sha1' } },
    },
    {
      name: 'cert-one-address-expired',
      description:
        'Two addresses: 127.0.0.50 has a valid certificate, 127.0.0.51 an expired one, which readers reach half the time.',
      route: 'direct',
      expect: certFails('cert_expired'),
      dns: viaTrackingHostAt('127.0.0.50', '127.0.0.51'),
      server: { address: '127.0.0.50' },
      moreServers: [{ address: '127.0.0.51', cert: { notBefore: -93, notAfter: -3 } }],
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
      name: 'probe-one-address-wrong',
      description:
        'Two addresses with valid certificates: 127.0.0.52 answers like the tracking service, 127.0.0.53 answers 403.',
      route: 'direct',
      expect: probeFails('probe_http_error'),
      dns: viaTrackingHostAt('127.0.0.52', '127.0.0.53'),
      server: { address: '127.0.0.52' },
      moreServers: [{ address: '127.0.0.53', respond: { kind: 'status', status: 403, body: 'Forbidden\n' } }],
    },
    {
      name: 'redirect-to-trap-host',
      description: `The probe path answers 302 to trap-host.lab.example.com, a name whose A record is the trap ${TRAP_ADDRESS}.`,
      route: 'direct',
      expect: probeFails('redirect_blocked'),
      dns: viaTrackingHost('127.0.0.54'),
      extraDns: { [`trap-host.${LAB_ZONE}`]: { a: [TRAP_ADDRESS] } },
      server: {
        address: '127.0.0.54',
        respond: { kind: 'redirect', status: 302, location: `${origin(`trap-host.${LAB_ZONE}`)}/` },
      },
    },
    {
      name: 'redirect-paced',
      description:
        'Every redirect of an endless chain answers 2.5 seconds late: the chain outlasts the 20-second report deadline.',
      route: 'direct',
      expect: probeFails('probe_timeout'),
      dns: viaTrackingHost('127.0.0.55'),
      server: { address: '127.0.0.55', respond: { kind: 'paced-redirects', delayMs: 2_500 } },
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
      description: `A flattened record whose CAA record allows only other-ca.example; the account reports that renewal failed because CAA blocks ${platform.managedCertificateIssuer}.`,
      route: 'direct',
      expect: { ...healthy, caa: 'caa_blocks_issuer' },
      dns: flattened([issue('other-ca.example')]),
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

  return table.map((scenario) => ({
    ...scenario,
    domain: scenario.label ? `${scenario.label}.${scenarioDomain(scenario.name)}` : scenarioDomain(scenario.name),
  }));
}
