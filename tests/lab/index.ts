/**
 * The Tracklight lab: real DNS, TLS and HTTP peers on loopback that play every
 * scenario in `scenarios.ts`, so the checks engine can be tested over real sockets.
 * Nothing here ever sends traffic outside 127.0.0.0/8.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { platform } from '../../src/site/site.ts';
import { createPki, daysFromNow, type Credentials, type LabPki, type LeafSpec } from './certs.ts';
import { startDnsServer, type RecordSet, type Zone } from './dns.ts';
import {
  ALLOWED_NETWORKS,
  CDN_PROVIDERS,
  HEALTHY_DNS,
  LAB_ACCOUNT_URI,
  LAB_VALIDATION_METHOD,
  SECOND_CA,
  TRACKING_HOST,
  TRACKING_HOST_CAA,
  TRACKING_SERVICE_ADDRESS,
  TRAP_ADDRESS,
  labScenarios,
  type CertSpec,
  type LabPorts,
  type LabScenario,
  type ScenarioSpec,
} from './scenarios.ts';
import { startServer, startTrap, type RunningServer, type ServiceIdentity } from './servers.ts';

export type { LabScenario } from './scenarios.ts';
export { TRACKING_SERVICE_ADDRESS, TRAP_ADDRESS } from './scenarios.ts';

/** A running lab. */
export interface Lab {
  /** The environment that wires the checks engine to the lab. */
  env: Record<string, string>;
  scenarios: LabScenario[];
  /** The scenario called `name`; throws on an unknown name. */
  scenario(name: string): LabScenario;
  /** Connections ever made to the trap address, on any port. */
  trapConnections(): number;
  /** Makes the scenario behave exactly like healthy-direct (DNS, certificate, probe) until `reset()`. */
  fix(name: string): void;
  /** Undoes the fix of one scenario, leaving the others as they are (tests running side by side). */
  unfix(name: string): void;
  /** Undoes every fix, and starts rebinding scenarios over with their first answer. */
  reset(): void;
  /** Closes every socket and removes the temporary files. */
  stop(): Promise<void>;
}

/**
 * Ports to serve on instead of 443 and 80, e.g. to run beside another lab.
 * Without options, `LAB_HTTPS_PORT` and `LAB_HTTP_PORT` choose them, so two
 * checkouts can run their whole suites side by side.
 */
export interface LabOptions {
  httpsPort?: number;
  httpPort?: number;
  /** Milliseconds added to every DNS answer and every TCP accept, emulating a network's round trip. */
  latencyMs?: number;
}

const SERVICE: ServiceIdentity = { probePath: platform.probePath, serviceId: platform.serviceId };

/** The leaf certificate a CertSpec describes; defaults: lab-issued, SAN = domain, valid -30..+60 days, full chain. */
function leafSpec(domain: string, cert: CertSpec = {}): LeafSpec {
  return {
    names: cert.names ?? [domain],
    issuer: cert.issuer ?? 'lab',
    notBefore: daysFromNow(cert.notBefore ?? -30),
    notAfter: daysFromNow(cert.notAfter ?? 60),
    chain: cert.chain ?? 'full',
    key: cert.key,
    signatureHash: cert.signatureHash,
    subjectAltName: cert.subjectAltName,
    subject: cert.subject,
  };
}

/** The DNS zone for the current fixes: a fixed scenario gets healthy-direct's records and loses its extras. */
function buildZone(specs: ScenarioSpec[], fixed: ReadonlySet<string>): Zone {
  const zone = new Map<string, RecordSet>([[TRACKING_HOST, { a: [TRACKING_SERVICE_ADDRESS], caa: TRACKING_HOST_CAA }]]);
  for (const spec of specs) {
    if (fixed.has(spec.name)) {
      zone.set(spec.domain, HEALTHY_DNS);
      continue;
    }
    if (spec.dns) zone.set(spec.domain, spec.dns);
    for (const [name, records] of Object.entries(spec.extraDns ?? {})) zone.set(name.toLowerCase(), records);
  }
  return zone;
}

/** Starts the tracking service (valid certificates for every lab domain) and one server per scenario that has one. */
async function startServers(
  specs: ScenarioSpec[],
  pki: LabPki,
  port: number,
  latencyMs: number,
): Promise<Promise<RunningServer>[]> {
  const domains = [TRACKING_HOST, ...specs.map((spec) => spec.domain)];
  const valid = await Promise.all(domains.map((domain) => pki.issue(leafSpec(domain))));
  const byName = new Map<string, Credentials>(domains.map((domain, index) => [domain, valid[index]!]));
  const trackingService = startServer({
    address: TRACKING_SERVICE_ADDRESS,
    port,
    transport: 'tls',
    respond: { kind: 'tracking-service' },
    credentials: { byName, fallback: byName.get(TRACKING_HOST)! },
    service: SERVICE,
    latencyMs,
  });

  const scenarioServers = specs.flatMap(({ domain, server, moreServers }) =>
    [...(server ? [server] : []), ...(moreServers ?? [])].map(async (each) => {
      const transport = each.transport ?? 'tls';
      const needsCertificate = transport === 'tls' || transport === 'tls-1.1' || transport === 'tls-weak';
      return startServer({
        address: each.address,
        port,
        transport,
        respond: each.respond ?? { kind: 'tracking-service' },
        credentials: needsCertificate ? await pki.issue(leafSpec(domain, each.cert)) : undefined,
        service: SERVICE,
        latencyMs,
      });
    }),
  );
  return [trackingService, ...scenarioServers];
}

/** A port number from the environment variable `name`, when it is set. */
function portFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`lab: ${name}="${value}" is not a port`);
  return port;
}

/**
 * The platform the lab plays (tracking host, probe, certificate authorities):
 * part of every lab environment, and what a site served against the lab must be
 * built with, since the server refuses a build made for other values.
 */
export const LAB_PLATFORM_ENV: Readonly<Record<string, string>> = {
  TRACKING_CNAME_TARGET: TRACKING_HOST,
  TRACKING_PROBE_PATH: platform.probePath,
  TRACKING_SERVICE_ID: platform.serviceId,
  CAA_ISSUER_DOMAINS: [platform.managedCertificateIssuer, SECOND_CA].join(','),
  CAA_ACCOUNT_URI: LAB_ACCOUNT_URI,
  CAA_VALIDATION_METHOD: LAB_VALIDATION_METHOD,
};

/** Starts the lab: DNS server, certificates, scenario servers, the trap, and the temp files the engine reads. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const ports: LabPorts = {
    https: options.httpsPort ?? portFromEnv('LAB_HTTPS_PORT') ?? 443,
    http: options.httpPort ?? portFromEnv('LAB_HTTP_PORT') ?? 80,
  };
  const specs = labScenarios(ports);
  const fixed = new Set<string>();
  let zone = buildZone(specs, fixed);
  let trapCount = 0;

  const dir = await mkdtemp(join(tmpdir(), 'tracklight-lab-'));
  const running: RunningServer[] = [];
  const stop = async () => {
    const servers = running.splice(0);
    await Promise.all(servers.map((server) => server.close()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const pki = await createPki();
    const caFile = join(dir, 'lab-root-ca.pem');
    const cdnFile = join(dir, 'cdn-ranges.json');
    const updated = new Date().toISOString().slice(0, 10);
    await writeFile(caFile, pki.rootPem);
    await writeFile(cdnFile, `${JSON.stringify({ updated, providers: CDN_PROVIDERS }, null, 2)}\n`);

    const latencyMs = options.latencyMs ?? 0;
    const dns = await startDnsServer(() => zone, { latencyMs });
    running.push(dns);
    running.push(await startTrap(TRAP_ADDRESS, [ports.https, ports.http], () => trapCount++));
    // Start everything, keep what started, then report the first failure (e.g. a port in use).
    const results = await Promise.allSettled(await startServers(specs, pki, ports.https, latencyMs));
    for (const result of results) if (result.status === 'fulfilled') running.push(result.value);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;

    const scenarios: LabScenario[] = specs.map(({ name, domain, description, route, expect }) => ({
      name,
      domain,
      description,
      route,
      expect,
    }));
    const scenario = (name: string) => {
      const found = scenarios.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`lab: no scenario named "${name}"`);
      return found;
    };

    return {
      env: {
        CHECKS_DNS_SERVERS: dns.address,
        CHECKS_EXTRA_CA_FILE: caFile,
        CHECKS_HTTPS_PORT: String(ports.https),
        CHECKS_HTTP_PORT: String(ports.http),
        CHECKS_ALLOWED_NETWORKS: ALLOWED_NETWORKS.join(','),
        CHECKS_CDN_RANGES_FILE: cdnFile,
        ...LAB_PLATFORM_ENV,
      },
      scenarios,
      scenario,
      trapConnections: () => trapCount,
      fix: (name) => {
        fixed.add(scenario(name).name);
        zone = buildZone(specs, fixed);
      },
      unfix: (name) => {
        fixed.delete(scenario(name).name);
        zone = buildZone(specs, fixed);
      },
      reset: () => {
        fixed.clear();
        zone = buildZone(specs, fixed);
        dns.resetQueryCounts();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
