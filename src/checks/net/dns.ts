import { Resolver } from 'node:dns/promises';

/** How a DNS lookup failed, in the terms the checks report. */
export type DnsFailure = 'nxdomain' | 'nodata' | 'timeout' | 'servfail';

/** A lookup's records, or why there are none. */
export type DnsAnswer<T> = { ok: true; records: T[] } | { ok: false; failure: DnsFailure; detail: string };

/** A CAA record as the checks use it. */
export interface CaaRecord {
  tag: string;
  value: string;
}

/** The DNS lookups the checks make. */
export interface DnsClient {
  cname(name: string): Promise<DnsAnswer<string>>;
  /** IPv4 and IPv6 addresses together, following CNAME records as a resolver does. */
  addresses(name: string): Promise<DnsAnswer<string>>;
  caa(name: string): Promise<DnsAnswer<CaaRecord>>;
}

/** Settings of a DNS client. */
export interface DnsClientOptions {
  /** `ip[:port]` servers to ask; the system's resolvers when empty. */
  servers: readonly string[];
  /** Time for one try of one query. */
  timeoutMs: number;
  /** Tries per server before giving up. */
  tries: number;
}

const FAILURES: Record<string, DnsFailure> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  ETIMEOUT: 'timeout',
  ECANCELLED: 'timeout',
  ESERVFAIL: 'servfail',
  EREFUSED: 'servfail',
  ECONNREFUSED: 'servfail',
  EBADRESP: 'servfail',
  EFORMERR: 'servfail',
};

/**
 * Creates a client on Node's c-ares resolver (never `dns.lookup`, which would
 * read /etc/hosts and the system's cache): every answer comes from DNS itself.
 */
export function createDnsClient(options: DnsClientOptions): DnsClient {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);

  async function ask<T>(query: () => Promise<T[]>): Promise<DnsAnswer<T>> {
    try {
      return { ok: true, records: await query() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      const failure = FAILURES[code];
      if (!failure) throw error;
      return { ok: false, failure, detail: code };
    }
  }

  return {
    cname: (name) => ask(() => resolver.resolveCname(name)),
    caa: (name) =>
      ask(async () =>
        (await resolver.resolveCaa(name)).flatMap((record) =>
          Object.entries(record)
            .filter(([tag]) => tag !== 'critical')
            .map(([tag, value]) => ({ tag, value: String(value) })),
        ),
      ),
    async addresses(name) {
      const [v4, v6] = await Promise.all([ask(() => resolver.resolve4(name)), ask(() => resolver.resolve6(name))]);
      const records = [...(v4.ok ? v4.records : []), ...(v6.ok ? v6.records : [])];
      if (records.length > 0) return { ok: true, records };
      // Prefer the more telling failure: a server error or timeout over "no such record".
      const failures = [v4, v6].flatMap((answer) => (answer.ok ? [] : [answer]));
      const rank: DnsFailure[] = ['servfail', 'timeout', 'nxdomain', 'nodata'];
      failures.sort((a, b) => rank.indexOf(a.failure) - rank.indexOf(b.failure));
      return failures[0] ?? { ok: false, failure: 'nodata', detail: 'ENODATA' };
    },
  };
}
