import type { Checker } from '../checks/engine.ts';
import type { CheckResult, Report } from '../checks/types.ts';
import { clientKey, createRateLimiter, type RateLimiter } from './rate-limit.ts';

/** A report in the making, shared by everyone who asked for the same domain meanwhile. */
export interface SharedRun {
  /** Results that have already landed, in the order they landed. */
  readonly results: readonly CheckResult[];
  /** Hears each later result; returns a function that stops listening. */
  subscribe(onResult: (result: CheckResult) => void): () => void;
  readonly report: Promise<Report>;
  /** The report serialised once, so cached answers cost a lookup and a write. */
  readonly json: Promise<string>;
}

/** What a request for a report gets: a run to read, or how long to wait. */
export type ChecksAnswer =
  { kind: 'run'; run: SharedRun; cached: boolean } | { kind: 'rate_limited'; retryAfterSeconds: number };

/** Limits of the public checks endpoint. */
export interface ChecksServiceOptions {
  /** How long a finished report is reused for the same domain. */
  cacheTtlMs: number;
  /** Requests one client (an IPv4 address or an IPv6 /64) may make per minute. */
  perClientPerMinute: number;
  /** Fresh runs against one domain per minute, whoever asks. */
  perDomainPerMinute: number;
  now?: () => number;
}

/** Finished reports kept at most, whatever their age, so memory stays bounded. */
const MAX_CACHED_REPORTS = 1_000;

/** The defaults for a public deployment. */
export const DEFAULT_SERVICE_OPTIONS: ChecksServiceOptions = {
  cacheTtlMs: 30_000,
  perClientPerMinute: 30,
  perDomainPerMinute: 6,
};

/**
 * The checks as the public API offers them: rate-limited per client and per
 * target domain, identical checks in flight share one run, finished reports
 * are reused briefly. Nobody can make the checks hammer a domain.
 */
export function createChecksService(checker: Checker, options: ChecksServiceOptions = DEFAULT_SERVICE_OPTIONS) {
  const now = options.now ?? Date.now;
  const perClient: RateLimiter = createRateLimiter({ limit: options.perClientPerMinute, windowMs: 60_000, now });
  const perDomain: RateLimiter = createRateLimiter({ limit: options.perDomainPerMinute, windowMs: 60_000, now });
  const inFlight = new Map<string, SharedRun>();
  const cache = new Map<string, { run: SharedRun; expiresAt: number }>();

  function remember(domain: string, run: SharedRun) {
    cache.set(domain, { run, expiresAt: now() + options.cacheTtlMs });
    // Maps iterate oldest first: past the cap, the oldest reports go.
    for (const key of cache.keys()) {
      if (cache.size <= MAX_CACHED_REPORTS) break;
      cache.delete(key);
    }
  }

  function start(domain: string): SharedRun {
    const results: CheckResult[] = [];
    const listeners = new Set<(result: CheckResult) => void>();
    // Bookkeeping happens before anyone awaiting the report resumes, so a request
    // that arrives right after never joins a run that has already finished.
    const report = (async () => {
      try {
        const value = await checker.check(domain, {
          onResult(result) {
            results.push(result);
            for (const listener of listeners) listener(result);
          },
        });
        const finished = inFlight.get(domain);
        if (finished) remember(domain, finished);
        return value;
      } finally {
        inFlight.delete(domain);
        listeners.clear();
      }
    })();
    const run: SharedRun = {
      results,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      report,
      json: report.then((value) => JSON.stringify(value)),
    };
    // A failed run is not cached; its callers get the rejection, nobody else sees it.
    run.json.catch(() => {});
    inFlight.set(domain, run);
    return run;
  }

  return {
    /** A report for `domain` (already validated) on behalf of the client at `clientAddress`. */
    request(clientAddress: string, domain: string, { fresh = false } = {}): ChecksAnswer {
      const client = perClient.take(clientKey(clientAddress));
      if (!client.allowed) return { kind: 'rate_limited', retryAfterSeconds: client.retryAfterSeconds };

      const cached = cache.get(domain);
      if (cached && !fresh && cached.expiresAt > now()) return { kind: 'run', run: cached.run, cached: true };
      if (cached) cache.delete(domain);
      const running = inFlight.get(domain);
      if (running) return { kind: 'run', run: running, cached: false };

      const target = perDomain.take(domain);
      if (!target.allowed) return { kind: 'rate_limited', retryAfterSeconds: target.retryAfterSeconds };
      return { kind: 'run', run: start(domain), cached: false };
    },
  };
}

/** The checks service's interface. */
export type ChecksService = ReturnType<typeof createChecksService>;
