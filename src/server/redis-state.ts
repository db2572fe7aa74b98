import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { z } from 'zod';

import type { Logger } from './logger.ts';
import type { RateLimit, RateLimiter } from './rate-limit.ts';
import {
  createMemorySharedState,
  type CachedReport,
  type Claim,
  type ReportCache,
  type RunLock,
  type SharedState,
  type SlotPool,
} from './shared-state.ts';

/** `REDIS_URL`: a `redis://` or `rediss://` URL; unset or empty keeps shared state in this process. */
export const RedisUrlSchema = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || undefined)
  .refine((value) => value === undefined || /^rediss?:\/\/[^\s]+$/.test(value), {
    message: 'must be a redis:// or rediss:// URL',
  });

/** A Redis URL with its password replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(not a URL)';
  }
}

/** Thrown at start when `REDIS_URL` cannot be reached; the message names the variable. */
export class RedisStartError extends Error {
  constructor(message: string, cause?: unknown) {
    super(`REDIS_URL: ${message}`, { cause });
    this.name = 'RedisStartError';
  }
}

/** Every key lives under one prefix, so a Redis shared with other software stays readable. */
const PREFIX = 'tracklight:';
/** A run slot's lease: longer than any run's own deadline (20 s), so only a crashed instance's slot ever expires. */
const DEFAULT_SLOT_LEASE_MS = 30_000;
/** How often a caller waiting for a slot asks again. */
const SLOT_POLL_MS = 50;

/**
 * GCRA in one step, on Redis's clock so instances' clocks never disagree. The
 * key holds the "theoretical arrival time" and expires once the bucket is full
 * again. Returns 0 (allowed) or the milliseconds to wait.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2]) - interval
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait > 0 then return math.ceil(wait) end
local next = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', next), 'PX', math.ceil(next - now))
return 0`;

/** Takes a slot when fewer than ARGV[1] leases are live; a lease lasts ARGV[2] ms. Returns 1 or 0. */
const ACQUIRE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0`;

/** Takes the lock when free and answers {1, token}; else {0, holder}. */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
return {0, redis.call('GET', KEYS[1]) or ''}`;

/** Deletes the lock only while ARGV[1] still holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Scripts {
  tracklightGcra(key: string, intervalMs: number, periodMs: number): Promise<number>;
  tracklightAcquireSlot(key: string, max: number, leaseMs: number, token: string): Promise<number>;
  tracklightClaim(key: string, token: string, ttlMs: number): Promise<[number, string]>;
  tracklightRelease(key: string, token: string): Promise<number>;
}

type ScriptedRedis = Redis & Scripts;

/** Options of the Redis-backed state. */
export interface RedisStateOptions {
  /** Where a lost (and regained) Redis is reported, once per change. */
  log: Logger;
  /** The clock of the per-instance fallback. */
  now?: () => number;
  /** How long a command may take before the fallback answers instead. */
  commandTimeoutMs?: number;
  /** How long a run slot is held at most when its instance never frees it (tests shorten it). */
  slotLeaseMs?: number;
}

/**
 * Connects to `REDIS_URL` and answers once it is ready; rejects with
 * `RedisStartError` naming the variable when it cannot connect, so a bad value
 * stops the start.
 */
export async function openRedisState(url: string, options: RedisStateOptions): Promise<SharedState> {
  const client = new Redis(url, {
    lazyConnect: true,
    // Without a connection, commands fail at once and the per-instance fallback answers.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: 3_000,
    // Commands issued in the same tick (many readers' limits at once) go to Redis in one write.
    enableAutoPipelining: true,
    // Reconnects for as long as the process runs; the fallback serves meanwhile.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  }) as ScriptedRedis;
  client.defineCommand('tracklightGcra', { numberOfKeys: 1, lua: GCRA });
  client.defineCommand('tracklightAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT });
  client.defineCommand('tracklightClaim', { numberOfKeys: 1, lua: CLAIM });
  client.defineCommand('tracklightRelease', { numberOfKeys: 1, lua: RELEASE });
  // Errors reach callers through their commands; the event is only heard so it never throws.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new RedisStartError(
      `cannot connect to ${redactRedisUrl(url)} (${(error as Error).message.split('\n')[0]})`,
      error,
    );
  }
  return createRedisState(client, options);
}

/**
 * The shared state on a connected client. Every operation falls back to this
 * instance's memory while Redis is unreachable: limits and the cap become per
 * instance, reports and runs are no longer shared, and the server keeps
 * answering. The change is logged once each way.
 */
function createRedisState(client: ScriptedRedis, options: RedisStateOptions): SharedState {
  const { log } = options;
  const fallback = createMemorySharedState(options.now);
  let lost: string | undefined;
  let closed = false;

  const fail = (error: unknown) => {
    if (lost) return;
    lost = (error as Error)?.message ?? String(error);
    log.warn('Redis (REDIS_URL) is unreachable: rate limits, the report cache and run sharing are per instance', {
      error: lost,
    });
  };
  const recover = () => {
    if (!lost) return;
    lost = undefined;
    log.info('Redis (REDIS_URL) answers again: rate limits, the report cache and run sharing are shared');
  };
  client.on('ready', recover);
  client.on('end', () => closed || fail(new Error('connection ended')));
  client.on('close', () => closed || fail(new Error('connection closed')));

  /** Runs `shared` on Redis when it is connected, else (or when it fails) `local` in this process. */
  async function guarded<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (client.status !== 'ready') {
      fail(new Error(`connection ${client.status}`));
      return local();
    }
    try {
      const value = await shared();
      recover();
      return value;
    } catch (error) {
      fail(error);
      return local();
    }
  }

  const limiter = (name: string, limit: RateLimit): RateLimiter => {
    const local = fallback.limiter(name, limit);
    const interval = limit.periodMs / limit.limit;
    const prefix = `${PREFIX}rate:${name}:`;
    return {
      take: (key) =>
        guarded(
          async () => {
            const wait = await client.tracklightGcra(prefix + key, interval, limit.periodMs);
            return wait > 0
              ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) }
              : { allowed: true };
          },
          () => local.take(key),
        ),
    };
  };

  const slots = (max: number, waitMs: number): SlotPool => {
    const local = fallback.slots(max, waitMs);
    const key = `${PREFIX}slots`;
    const leaseMs = options.slotLeaseMs ?? DEFAULT_SLOT_LEASE_MS;
    const tryTake = async () => {
      const token = randomUUID();
      if (!(await client.tracklightAcquireSlot(key, max, leaseMs, token))) return undefined;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        // A release that cannot reach Redis is left to the lease, which frees the slot in time.
        client.zrem(key, token).catch(() => {});
      };
    };
    return {
      acquire: () =>
        guarded(async () => {
          const deadline = performance.now() + waitMs;
          for (;;) {
            const release = await tryTake();
            if (release || performance.now() + SLOT_POLL_MS > deadline) return release;
            await new Promise((resolve) => setTimeout(resolve, SLOT_POLL_MS));
          }
        }, local.acquire),
    };
  };

  const cache: ReportCache = {
    get: (domain) =>
      guarded(
        async () => {
          const key = `${PREFIX}report:${domain}`;
          const [[, json], [, ttlMs]] = (await client.multi().get(key).pttl(key).exec()) as [
            [null, string | null],
            [null, number],
          ];
          if (json === null || ttlMs <= 0) return undefined;
          return { entry: JSON.parse(json) as CachedReport, ttlMs };
        },
        () => fallback.cache.get(domain),
      ),
    set: (domain, entry, ttlMs) =>
      guarded(
        async () => {
          await client.set(`${PREFIX}report:${domain}`, JSON.stringify(entry), 'PX', Math.max(1, Math.round(ttlMs)));
        },
        () => fallback.cache.set(domain, entry, ttlMs),
      ),
  };

  const lock: RunLock = {
    claim: (domain, ttlMs) =>
      guarded(
        async (): Promise<Claim> => {
          const token = randomUUID();
          const [owner, holder] = await client.tracklightClaim(`${PREFIX}run:${domain}`, token, Math.round(ttlMs));
          return owner === 1 ? { owner: true, token } : { owner: false, holder };
        },
        () => fallback.lock.claim(domain, ttlMs),
      ),
    holder: (domain) =>
      guarded(
        async () => (await client.get(`${PREFIX}run:${domain}`)) ?? undefined,
        () => fallback.lock.holder(domain),
      ),
    release: (domain, token) =>
      guarded(
        async () => {
          await client.tracklightRelease(`${PREFIX}run:${domain}`, token);
        },
        () => fallback.lock.release(domain, token),
      ),
  };

  return {
    backend: 'redis',
    limiter,
    slots,
    cache,
    lock,
    async degradation() {
      try {
        if (client.status !== 'ready') throw new Error(`connection ${client.status}`);
        await client.ping();
        recover();
        return undefined;
      } catch (error) {
        fail(error);
        return 'Redis (REDIS_URL) does not answer: rate limits, the report cache and run sharing are per instance';
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}
