import { Resolver } from 'node:dns/promises';

/** How a DNS lookup failed, in the terms the checks report. */
export type DnsFailure = 'nxdomain' | 'nodata' | 'timeout' | 'servfail';

/** A lookup's records, or why there are none. */
export type DnsAnswer<T> = { ok: true; records: T[] } | { ok: false; failure: DnsFailure; detail: string };

/** A CAA record as DNS holds it: the flag byte, the tag as written (any case), the value. */
export interface CaaRecord {
  flags: number;
  tag: string;
  value: string;
}

/** Options of one lookup. */
export interface LookupOptions {
  /** Ends the lookup early (the report's deadline): it then fails as a timeout. */
  signal?: AbortSignal;
}

/** The DNS lookups the checks make. */
export interface DnsClient {
  cname(name: string, options?: LookupOptions): Promise<DnsAnswer<string>>;
  /** IPv4 and IPv6 addresses together, following CNAME records as a resolver does. */
  addresses(name: string, options?: LookupOptions): Promise<DnsAnswer<string>>;
  /** CAA records of the name, or of the end of its alias chain (the resolver follows CNAMEs). */
  caa(name: string, options?: LookupOptions): Promise<DnsAnswer<CaaRecord>>;
}

/** Settings of a DNS client. */
export interface DnsClientOptions {
  /** `ip[:port]` servers to ask; the system's resolvers when empty. */
  servers: readonly string[];
  /** Time for one attempt of one lookup: ours, whatever the resolver learnt about the server's latency. */
  timeoutMs: number;
  /** Attempts per lookup before it counts as timed out. */
  tries: number;
}

/**
 * Our own resolver failed: it cannot be reached, or it refuses us. This is the
 * checks' fault, never the reader's, so it is thrown (the runner reports `error`)
 * instead of being returned as a finding about the reader's DNS.
 */
export class ResolverUnavailableError extends Error {
  /** The resolver's error code, e.g. `EREFUSED` or `ECONNREFUSED`. */
  readonly code: string;

  constructor(lookupName: string, code: string) {
    super(`the checks' DNS resolver failed (${code}) looking up ${lookupName}`);
    this.code = code;
  }
}

const FAILURES: Record<string, DnsFailure> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  ETIMEOUT: 'timeout',
  ECANCELLED: 'timeout',
  ESERVFAIL: 'servfail',
  EBADRESP: 'servfail',
  EFORMERR: 'servfail',
};
/** Our resolver itself failed: unreachable, or refusing to answer us. */
const RESOLVER_FAULTS = new Set(['ECONNREFUSED', 'EREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);
/**
 * Errors after which the same attempt continues on a fresh channel, if time is
 * left: the shared channel gave up early (its timeouts shrank), or c-ares gave
 * up on a TCP connection that several queries shared (a SERVFAIL on it comes
 * back as ECONNREFUSED). Only a fresh channel's ECONNREFUSED says our resolver
 * is really out of reach.
 */
const RETRY_ON_FRESH_CHANNEL = new Set(['ETIMEOUT', 'ECANCELLED', 'ECONNREFUSED']);

/** How long a top-level domain's CAA answer is reused across reports. */
const TOP_LEVEL_CAA_TTL_MS = 60_000;

type Query<T> = (resolver: Resolver) => Promise<T[]>;

const timedOut = () => Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' });

/**
 * Creates a client on Node's c-ares resolver (never `dns.lookup`, which would
 * read /etc/hosts and the system's cache): every answer comes from DNS itself.
 *
 * c-ares shortens its timeouts from the latency it has seen, so after a run of
 * fast answers a server answering in 1.1 s would time out: a verdict would
 * depend on what was checked before. Each attempt therefore runs on our own
 * timer, and when the shared channel gives up early the attempt is made again
 * on a fresh channel, which has no latency history, with the whole budget.
 */
export function createDnsClient(options: DnsClientOptions): DnsClient {
  const channel = (timeoutMs: number) => {
    const resolver = new Resolver({ timeout: timeoutMs, tries: 1, maxTimeout: timeoutMs });
    if (options.servers.length > 0) resolver.setServers([...options.servers]);
    return resolver;
  };
  const shared = channel(options.timeoutMs);

  /**
   * One attempt: the shared channel first. If it gives up before our budget
   * (its timeout shrank after fast answers), the attempt starts over on a fresh
   * channel with the whole budget, so a slow server gets the same time every time.
   */
  function attempt<T>(query: Query<T>, signal: AbortSignal | undefined): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      const started = performance.now();
      let fresh: Resolver | undefined;
      let settled = false;
      let timer: NodeJS.Timeout;
      const finish = (error: unknown, records?: T[]) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fresh?.cancel();
        if (records) resolve(records);
        else reject(error);
      };
      const onAbort = () => finish(timedOut());
      timer = setTimeout(onAbort, options.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      query(shared).then(
        (records) => finish(undefined, records),
        (error: NodeJS.ErrnoException) => {
          const early = options.timeoutMs - (performance.now() - started) > 50;
          if (settled || !early || !RETRY_ON_FRESH_CHANNEL.has(error.code ?? '')) return finish(error);
          clearTimeout(timer);
          timer = setTimeout(onAbort, options.timeoutMs);
          fresh = channel(options.timeoutMs);
          query(fresh).then(
            (records) => finish(undefined, records),
            (retryError) => finish(retryError),
          );
        },
      );
    });
  }

  async function ask<T>(name: string, query: Query<T>, lookup: LookupOptions = {}): Promise<DnsAnswer<T>> {
    const { signal } = lookup;
    let last = 'ETIMEOUT';
    for (let tries = 0; tries < options.tries; tries++) {
      if (signal?.aborted) break;
      try {
        return { ok: true, records: await attempt(query, signal) };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (RESOLVER_FAULTS.has(code)) throw new ResolverUnavailableError(name, code);
        const failure = FAILURES[code];
        if (!failure) throw error;
        last = code;
        // Only a timeout is worth another attempt; any other answer is the answer.
        if (failure !== 'timeout') return { ok: false, failure, detail: code };
      }
    }
    return { ok: false, failure: 'timeout', detail: last };
  }

  const askCaa = (name: string, lookup: LookupOptions) =>
    ask(
      name,
      async (resolver) =>
        (await resolver.resolveCaa(name)).flatMap((record) =>
          // Node gives each record as { critical: <flag byte>, type?, <tag>: value }.
          Object.entries(record)
            .filter(([key]) => key !== 'critical' && key !== 'type')
            .map(([tag, value]) => ({ flags: record.critical, tag, value: String(value) })),
        ),
      lookup,
    );
  const topLevelCaa = new Map<string, { at: number; answer: Promise<DnsAnswer<CaaRecord>> }>();

  return {
    cname: (name, lookup) => ask(name, (resolver) => resolver.resolveCname(name), lookup),
    caa(name, lookup) {
      // A top-level domain's CAA set is the same for every report: one answer serves them all for
      // a minute, as a resolver's cache would. Failures are never kept.
      if (name.includes('.')) return askCaa(name, lookup ?? {});
      const cached = topLevelCaa.get(name);
      if (cached && performance.now() - cached.at < TOP_LEVEL_CAA_TTL_MS) return cached.answer;
      const answer = askCaa(name, {});
      topLevelCaa.set(name, { at: performance.now(), answer });
      const forget = () => topLevelCaa.delete(name);
      answer.then((result) => {
        if (!result.ok && result.failure !== 'nodata' && result.failure !== 'nxdomain') forget();
      }, forget);
      return answer;
    },
    async addresses(name, lookup) {
      const [v4, v6] = await Promise.all([
        ask(name, (resolver) => resolver.resolve4(name), lookup),
        ask(name, (resolver) => resolver.resolve6(name), lookup),
      ]);
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

/** Where a CNAME chain led: every name in order (the queried name first), and how it ended. */
export type CnameChain =
  | { ok: true; chain: string[]; end: 'stopped' | 'terminal' | 'loop' | 'too_long' }
  | { ok: false; chain: string[]; failure: DnsFailure; detail: string };

const withoutDot = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Follows CNAME records from `name`, one hop at a time, at most `maxHops`,
 * stopping early at `stopAt` (no need to ask further once the tracking host is
 * reached) and at the first name seen twice.
 */
export async function followCnames(
  dns: DnsClient,
  name: string,
  { maxHops, stopAt, signal }: { maxHops: number; stopAt?: string; signal?: AbortSignal },
): Promise<CnameChain> {
  const chain = [withoutDot(name)];
  for (;;) {
    const current = chain.at(-1)!;
    if (current === stopAt && chain.length > 1) return { ok: true, chain, end: 'stopped' };
    if (chain.length > maxHops) return { ok: true, chain, end: 'too_long' };
    const answer = await dns.cname(current, { signal });
    if (!answer.ok) {
      // The first name's failure is the caller's to judge; past it, no CNAME means the chain ends here.
      if (answer.failure === 'nodata' || (answer.failure === 'nxdomain' && chain.length > 1))
        return { ok: true, chain, end: 'terminal' };
      return { ok: false, chain, failure: answer.failure, detail: answer.detail };
    }
    const next = withoutDot(answer.records[0] ?? '');
    if (!next) return { ok: true, chain, end: 'terminal' };
    if (chain.includes(next)) return { ok: true, chain: [...chain, next], end: 'loop' };
    chain.push(next);
  }
}
