import type { Account } from '../accounts/directory.ts';
import { composeReport, type Checker } from '../checks/engine.ts';
import type { CheckId, CheckResult, Report } from '../checks/types.ts';
import type { RateLimiter } from './rate-limit.ts';

/** A domain's network checks in the making, shared by every reader who asked meanwhile. */
export interface SharedRun {
  readonly domain: string;
  /** Results that have already landed, in the order they landed. */
  readonly results: readonly CheckResult[];
  /** Each network check's result, by id, as it lands: what reader checks build on. */
  readonly landed: ReadonlyMap<CheckId, Promise<CheckResult>>;
  /** Hears each later result; returns a function that stops listening. */
  subscribe(onResult: (result: CheckResult) => void): () => void;
  /** The network part of the report. */
  readonly report: Promise<Report>;
  /** The whole report as a signed-out reader sees it, as UTF-8 JSON made once: cached answers cost a lookup and a write. */
  readonly signedOutBody: Promise<Uint8Array<ArrayBuffer>>;
}

/** Why a request for a report was not admitted. */
export type Refusal =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** Too many checks are running on this instance; the reader may try again shortly. */
  | { kind: 'busy'; retryAfterSeconds: number };

/** What a request for a report gets: a run to read, or why not. */
export type ChecksAnswer = { kind: 'run'; run: SharedRun; cached: boolean } | Refusal;

/** Who asks for a report, for the limits that apply to them. */
export interface Requester {
  /** The client's rate-limit key (an IPv4 address or an IPv6 /64), for public requests. */
  client?: string;
  /** The signed-in account, for account actions (turning HTTPS on). */
  account?: string;
}

/** The limiters and limits of the checks service. */
export interface ChecksServiceOptions {
  /** How long a finished report is reused for the same domain. */
  cacheTtlMs: number;
  /** Requests per client (public API). */
  perClient: RateLimiter;
  /** Fresh runs per checked domain, whoever asks. */
  perDomain: RateLimiter;
  /** Fresh runs per account (turning HTTPS on). */
  perAccount: RateLimiter;
  /** Runs in progress at once; more wait up to `queueWaitMs` for a slot, then are refused as busy. */
  maxConcurrent: number;
  queueWaitMs: number;
  /** Hears each finished network check and the seconds since its run started (metrics). */
  onCheck?: (result: CheckResult, seconds: number) => void;
  /** Hears the number of runs in progress whenever it changes (metrics). */
  onRunning?: (running: number) => void;
  now?: () => number;
}

const UTF8 = new TextEncoder();

/** Finished reports kept at most, whatever their age, so memory stays bounded. */
const MAX_CACHED_REPORTS = 1_000;

/**
 * The checks as the API offers them: rate-limited per client, per checked
 * domain and per account; identical checks in flight share one run; finished
 * reports are reused briefly; and only so many runs go on at once. Nobody can
 * make the checks hammer a domain, or the server.
 */
export function createChecksService(checker: Checker, options: ChecksServiceOptions) {
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, SharedRun>();
  const starting = new Map<string, Promise<ChecksAnswer>>();
  const cache = new Map<string, { run: SharedRun; expiresAt: number }>();
  const waiting: (() => void)[] = [];
  let running = 0;

  function remember(domain: string, run: SharedRun) {
    cache.delete(domain);
    cache.set(domain, { run, expiresAt: now() + options.cacheTtlMs });
    // Maps iterate oldest first: past the cap, the oldest reports go.
    for (const key of cache.keys()) {
      if (cache.size <= MAX_CACHED_REPORTS) break;
      cache.delete(key);
    }
  }

  /** Waits for a run slot; false when none frees up in time. */
  async function acquireSlot(): Promise<boolean> {
    if (running < options.maxConcurrent) {
      running += 1;
      options.onRunning?.(running);
      return true;
    }
    if (waiting.length >= options.maxConcurrent) return false;
    return new Promise<boolean>((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(grant), 1);
        resolve(false);
      }, options.queueWaitMs);
      waiting.push(grant);
    });
  }

  function releaseSlot() {
    const next = waiting.shift();
    // A freed slot passes straight to the next waiter, so `running` stays at the cap.
    if (next) return next();
    running -= 1;
    options.onRunning?.(running);
  }

  function start(domain: string): SharedRun {
    const startedAt = performance.now();
    const results: CheckResult[] = [];
    const listeners = new Set<(result: CheckResult) => void>();
    const pending = new Map(checker.networkChecks.map((id) => [id, Promise.withResolvers<CheckResult>()] as const));
    const report = (async () => {
      try {
        const value = await checker.check(domain, {
          onResult(result) {
            results.push(result);
            pending.get(result.id)?.resolve(result);
            options.onCheck?.(result, (performance.now() - startedAt) / 1000);
            for (const listener of listeners) listener(result);
          },
        });
        // Bookkeeping happens before anyone awaiting the report resumes, so a request
        // that arrives right after never joins a run that has already finished.
        const finished = inFlight.get(domain);
        if (finished) remember(domain, finished);
        return value;
      } catch (error) {
        for (const { reject } of pending.values()) reject(error);
        throw error;
      } finally {
        inFlight.delete(domain);
        listeners.clear();
        releaseSlot();
      }
    })();
    const landed = new Map([...pending].map(([id, { promise }]) => [id, promise] as const));
    const run: SharedRun = {
      domain,
      results,
      landed,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      report,
      signedOutBody: report.then(async (network) =>
        UTF8.encode(JSON.stringify(composeReport(network, await checker.checkReader(domain, undefined, landed)))),
      ),
    };
    // A failed run is not cached; its callers get the rejection, nobody else sees it.
    for (const promise of [run.signedOutBody, ...landed.values()]) promise.catch(() => {});
    inFlight.set(domain, run);
    return run;
  }

  return {
    /**
     * A report for `domain` (already validated). `fresh` skips the cache (the
     * run is still shared with anyone asking at the same moment).
     */
    async request(domain: string, who: Requester, { fresh = false } = {}): Promise<ChecksAnswer> {
      if (who.client) {
        const client = await options.perClient.take(who.client);
        if (!client.allowed) return { kind: 'rate_limited', retryAfterSeconds: client.retryAfterSeconds };
      }
      if (who.account) {
        const account = await options.perAccount.take(who.account);
        if (!account.allowed) return { kind: 'rate_limited', retryAfterSeconds: account.retryAfterSeconds };
      }

      const cached = cache.get(domain);
      if (cached && !fresh && cached.expiresAt > now()) return { kind: 'run', run: cached.run, cached: true };
      if (cached && cached.expiresAt <= now()) cache.delete(domain);
      const joined = inFlight.get(domain);
      if (joined) return { kind: 'run', run: joined, cached: false };
      // Readers who arrive while a run is being admitted share its admission: one token, one slot, one run.
      const admitting = starting.get(domain);
      if (admitting) return admitting;

      const admission = (async (): Promise<ChecksAnswer> => {
        const target = await options.perDomain.take(domain);
        if (!target.allowed) return { kind: 'rate_limited', retryAfterSeconds: target.retryAfterSeconds };
        if (!(await acquireSlot())) return { kind: 'busy', retryAfterSeconds: 5 };
        return { kind: 'run', run: start(domain), cached: false };
      })();
      starting.set(domain, admission);
      try {
        return await admission;
      } finally {
        starting.delete(domain);
      }
    },

    /** The whole report for one reader: the shared network results and the reader's own. */
    async reportFor(run: SharedRun, account: Account | undefined): Promise<Report> {
      const [network, reader] = await Promise.all([run.report, checker.checkReader(run.domain, account, run.landed)]);
      return composeReport(network, reader);
    },

    /** The reader checks alone, as each lands. */
    readerResults(run: SharedRun, account: Account | undefined, onResult: (result: CheckResult) => void) {
      return checker.checkReader(run.domain, account, run.landed, onResult);
    },

    /** Runs in progress now. */
    running: () => running,
  };
}

/** The checks service's interface. */
export type ChecksService = ReturnType<typeof createChecksService>;
