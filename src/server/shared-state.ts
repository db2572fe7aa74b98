import { randomUUID } from 'node:crypto';

import type { Report } from '../checks/types.ts';
import { createMemoryRateLimiter, type RateLimit, type RateLimiter } from './rate-limit.ts';

/** Frees a run slot; safe to call once. */
export type ReleaseSlot = () => void;

/** The cap on check runs in progress: a slot, waited for briefly, or none. */
export interface SlotPool {
  /** Waits up to the pool's wait for a slot; its release, or `undefined` when none freed up in time. */
  acquire(): Promise<ReleaseSlot | undefined>;
}

/** A finished run as every instance can serve it: the network report and the signed-out answer, serialised once. */
export interface CachedReport {
  /** The run that produced it (its lock token), so a waiter knows the result it waited for from an older one. */
  runId: string;
  report: Report;
  signedOutJson: string;
}

/** Finished reports, kept for a short time, by domain. */
export interface ReportCache {
  /** The domain's report and how many milliseconds it has left, or `undefined`. */
  get(domain: string): Promise<{ entry: CachedReport; ttlMs: number } | undefined>;
  /** Keeps `entry` for `ttlMs`, replacing any older one. */
  set(domain: string, entry: CachedReport, ttlMs: number): Promise<void>;
}

/** Who runs a domain's checks: this caller (`owner`, with its token), or the holder of the lock. */
export type Claim = { owner: true; token: string } | { owner: false; holder: string };

/** A short lock per domain, so identical fresh runs happen once, whoever asks. */
export interface RunLock {
  /** Takes the domain's lock for `ttlMs` when it is free; otherwise names who holds it. */
  claim(domain: string, ttlMs: number): Promise<Claim>;
  /** The token holding the domain's lock now, or `undefined`. */
  holder(domain: string): Promise<string | undefined>;
  /** Frees the lock if `token` still holds it (a lock that expired and passed on is left alone). */
  release(domain: string, token: string): Promise<void>;
}

/**
 * What instances share: rate limits, the cap on runs, finished reports and the
 * run lock. In memory for one machine; in Redis with `REDIS_URL`.
 */
export interface SharedState {
  /** `memory` (this process) or `redis` (every instance). */
  readonly backend: 'memory' | 'redis';
  /** A limiter; `name` keeps different limits in different buckets. */
  limiter(name: string, limit: RateLimit): RateLimiter;
  /** The cap on runs in progress; beyond it, callers wait up to `waitMs`. */
  slots(max: number, waitMs: number): SlotPool;
  readonly cache: ReportCache;
  readonly lock: RunLock;
  /** `undefined` while everything is shared as configured; otherwise what is per instance now, and why. */
  degradation(): Promise<string | undefined>;
  /** Closes connections; safe to call twice. */
  close(): Promise<void>;
}

/**
 * The slot pool of one process: a slot at once while fewer than `max` runs go
 * on, else a place in a queue (at most `max` long) for up to `waitMs`. A freed
 * slot passes straight to the next in line.
 */
export function createMemorySlots(max: number, waitMs: number): SlotPool {
  const waiting: (() => void)[] = [];
  let taken = 0;
  const release = () => {
    const next = waiting.shift();
    if (next) return next();
    taken -= 1;
  };
  const once = (): ReleaseSlot => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    async acquire() {
      if (taken < max) {
        taken += 1;
        return once();
      }
      if (waiting.length >= max) return undefined;
      return new Promise<ReleaseSlot | undefined>((resolve) => {
        const grant = () => {
          clearTimeout(timer);
          resolve(once());
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(grant), 1);
          resolve(undefined);
        }, waitMs);
        waiting.push(grant);
      });
    },
  };
}

/** Finished reports in this process, with their expiry. */
export function createMemoryReportCache(now: () => number = Date.now): ReportCache {
  const entries = new Map<string, { entry: CachedReport; expiresAt: number }>();
  return {
    async get(domain) {
      const found = entries.get(domain);
      if (!found) return undefined;
      const ttlMs = found.expiresAt - now();
      if (ttlMs > 0) return { entry: found.entry, ttlMs };
      entries.delete(domain);
      return undefined;
    },
    async set(domain, entry, ttlMs) {
      entries.delete(domain);
      entries.set(domain, { entry, expiresAt: now() + ttlMs });
      // Expired entries go whenever one is added, so the map holds only recent domains.
      for (const [key, value] of entries) if (value.expiresAt <= now()) entries.delete(key);
    },
  };
}

/** Run locks in this process, with their expiry. */
export function createMemoryRunLock(now: () => number = Date.now): RunLock {
  const locks = new Map<string, { token: string; expiresAt: number }>();
  const current = (domain: string) => {
    const lock = locks.get(domain);
    if (lock && lock.expiresAt > now()) return lock;
    locks.delete(domain);
    return undefined;
  };
  return {
    async claim(domain, ttlMs) {
      const held = current(domain);
      if (held) return { owner: false, holder: held.token };
      const token = randomUUID();
      locks.set(domain, { token, expiresAt: now() + ttlMs });
      return { owner: true, token };
    },
    async holder(domain) {
      return current(domain)?.token;
    },
    async release(domain, token) {
      if (current(domain)?.token === token) locks.delete(domain);
    },
  };
}

/** One machine's shared state: everything in this process (the embedded default). */
export function createMemorySharedState(now: () => number = Date.now): SharedState {
  return {
    backend: 'memory',
    limiter: (_name, limit) => createMemoryRateLimiter(limit, now),
    slots: createMemorySlots,
    cache: createMemoryReportCache(now),
    lock: createMemoryRunLock(now),
    degradation: async () => undefined,
    close: async () => {},
  };
}
