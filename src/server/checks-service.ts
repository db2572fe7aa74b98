import type { Account } from '../accounts/directory.ts';
import { composeReport, type Checker } from '../checks/engine.ts';
import type { CheckId, CheckResult, Report } from '../checks/types.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { CachedReport, ReleaseSlot, ReportCache, RunLock, SlotPool } from './shared-state.ts';

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
  /** Too many checks are running (on every instance, with shared state); the reader may try again shortly. */
  | { kind: 'busy'; retryAfterSeconds: number };

/** What a request for a report gets: a run to read, or why not. */
export type ChecksAnswer = { kind: 'run'; run: SharedRun } | Refusal;

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
  /** The cap on runs in progress: beyond it a run waits briefly for a slot, then is refused as busy. */
  slots: SlotPool;
  /** With several instances: the finished reports and run locks they share. Unset, this process is the service. */
  shared?: SharedRuns;
  /** Hears each finished network check and the seconds since its run started (metrics). */
  onCheck?: (result: CheckResult, seconds: number) => void;
  /** Hears the number of runs in progress here whenever it changes (metrics). */
  onRunning?: (running: number) => void;
  now?: () => number;
}

const UTF8 = new TextEncoder();

/** What instances share so a finished report serves them all and an identical run happens once. */
export interface SharedRuns {
  cache: ReportCache;
  lock: RunLock;
  /** How long a run holds its domain's lock at most: longer than a run's own deadline. */
  lockTtlMs: number;
  /** How often an instance waiting on another's run asks whether it has finished. */
  pollMs: number;
}

/** Finished reports kept at most, whatever their age, so memory stays bounded. */
const MAX_CACHED_REPORTS = 1_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The checks as the API offers them: rate-limited per client, per checked
 * domain and per account; identical checks in flight share one run; finished
 * reports are reused briefly; and only so many runs go on at once. Nobody can
 * make the checks hammer a domain, or the server. With `shared`, the same holds
 * across instances: a report finished on one is served by all, and while one
 * instance runs a domain's checks the others wait for its result.
 */
export function createChecksService(checker: Checker, options: ChecksServiceOptions) {
  const now = options.now ?? Date.now;
  const { shared } = options;
  const inFlight = new Map<string, SharedRun>();
  const starting = new Map<string, Promise<ChecksAnswer>>();
  // In front of any shared cache: a cached answer here costs a lookup, not a round trip.
  const cache = new Map<string, { run: SharedRun; expiresAt: number }>();
  let running = 0;

  function remember(domain: string, run: SharedRun, ttlMs = options.cacheTtlMs) {
    cache.delete(domain);
    cache.set(domain, { run, expiresAt: now() + ttlMs });
    // Maps iterate oldest first: past the cap, the oldest reports go.
    for (const key of cache.keys()) {
      if (cache.size <= MAX_CACHED_REPORTS) break;
      cache.delete(key);
    }
  }

  /** Runs the network checks in this process, in a slot already taken, and frees it after. */
  async function runHere(domain: string, release: ReleaseSlot, onResult: (result: CheckResult) => void) {
    running += 1;
    options.onRunning?.(running);
    const startedAt = performance.now();
    try {
      return await checker.check(domain, {
        onResult(result) {
          options.onCheck?.(result, (performance.now() - startedAt) / 1000);
          onResult(result);
        },
      });
    } finally {
      running -= 1;
      options.onRunning?.(running);
      release();
    }
  }

  /**
   * Waits for the run another instance holds the lock for, polling the lock and
   * then the shared cache. When that instance stops without a result (it
   * crashed, its run failed, or the lock expired), the checks run here instead.
   */
  async function awaitRemote(domain: string, holder: string, onResult: (result: CheckResult) => void) {
    const { cache: reports, lock, lockTtlMs, pollMs } = shared!;
    const deadline = performance.now() + lockTtlMs;
    while (performance.now() < deadline) {
      await pause(pollMs);
      if ((await lock.holder(domain)) === holder) continue;
      // The owner stores the report before it frees the lock, so a finished run's report is there now.
      const found = await reports.get(domain);
      if (found?.entry.runId !== holder) break;
      for (const result of found.entry.report.checks) onResult(result);
      return found.entry.report;
    }
    const release = await options.slots.acquire();
    if (!release) throw new Error(`no run slot for ${domain} after the instance running it stopped`);
    return runHere(domain, release, onResult);
  }

  /** A run whose results come from `produce`, shared by every reader of this instance while it lasts. */
  function start(domain: string, produce: (onResult: (result: CheckResult) => void) => Promise<Report>): SharedRun {
    const results: CheckResult[] = [];
    const listeners = new Set<(result: CheckResult) => void>();
    const pending = new Map(checker.networkChecks.map((id) => [id, Promise.withResolvers<CheckResult>()] as const));
    const report = (async () => {
      try {
        const value = await produce((result) => {
          results.push(result);
          pending.get(result.id)?.resolve(result);
          for (const listener of listeners) listener(result);
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

  /** A run another instance finished, as the shared cache holds it. */
  function finishedRun(domain: string, entry: CachedReport): SharedRun {
    const results = entry.report.checks;
    return {
      domain,
      results,
      landed: new Map(results.map((result) => [result.id, Promise.resolve(result)] as const)),
      subscribe: () => () => {},
      report: Promise.resolve(entry.report),
      signedOutBody: Promise.resolve(UTF8.encode(entry.signedOutJson)),
    };
  }

  /** Stores a run's report for every instance, then frees its lock, so waiters find the report once the lock is gone. */
  function publish(domain: string, run: SharedRun, token: string) {
    const { cache: reports, lock } = shared!;
    void Promise.all([run.report, run.signedOutBody])
      .then(([report, body]) =>
        reports.set(
          domain,
          { runId: token, report, signedOutJson: new TextDecoder().decode(body) },
          options.cacheTtlMs,
        ),
      )
      .catch(() => {})
      .finally(() => lock.release(domain, token));
  }

  /** Admits a run that no reader of this instance has started: from the shared cache, another instance's run, or a new one. */
  async function admit(domain: string, fresh: boolean): Promise<ChecksAnswer> {
    if (shared && !fresh) {
      const hit = await shared.cache.get(domain);
      if (hit) {
        const run = finishedRun(domain, hit.entry);
        remember(domain, run, hit.ttlMs);
        return { kind: 'run', run };
      }
    }
    const claim = shared ? await shared.lock.claim(domain, shared.lockTtlMs) : undefined;
    if (claim && !claim.owner) {
      return { kind: 'run', run: start(domain, (onResult) => awaitRemote(domain, claim.holder, onResult)) };
    }
    const unlock = () => void (claim && shared!.lock.release(domain, claim.token));
    const target = await options.perDomain.take(domain);
    if (!target.allowed) {
      unlock();
      return { kind: 'rate_limited', retryAfterSeconds: target.retryAfterSeconds };
    }
    const release = await options.slots.acquire();
    if (!release) {
      unlock();
      return { kind: 'busy', retryAfterSeconds: 5 };
    }
    const run = start(domain, (onResult) => runHere(domain, release, onResult));
    if (claim) publish(domain, run, claim.token);
    return { kind: 'run', run };
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
      if (cached && !fresh && cached.expiresAt > now()) return { kind: 'run', run: cached.run };
      if (cached && cached.expiresAt <= now()) cache.delete(domain);
      const joined = inFlight.get(domain);
      if (joined) return { kind: 'run', run: joined };
      // Readers who arrive while a run is being admitted share its admission: one token, one slot, one run.
      const admitting = starting.get(domain);
      if (admitting) return admitting;

      const admission = admit(domain, fresh);
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

    /** Runs in progress in this process now. */
    running: () => running,
  };
}

/** The checks service's interface. */
export type ChecksService = ReturnType<typeof createChecksService>;
