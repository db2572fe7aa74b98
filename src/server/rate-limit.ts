import ipaddr from 'ipaddr.js';

/** A limiter's answer for one request. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** At most `limit` requests per `periodMs` for each key, as a token bucket. */
export interface RateLimiter {
  /** Counts one request for `key`; when over the limit, says how many seconds until the next is allowed. */
  take(key: string): Promise<RateDecision>;
}

/** How many requests a limiter allows per period. */
export interface RateLimit {
  limit: number;
  periodMs: number;
}

/**
 * An in-memory token bucket, kept as GCRA (one "theoretical arrival time" per
 * key): a key may spend `limit` requests at once, then earns one back every
 * `periodMs / limit`. Unlike a fixed window, no burst of twice the limit passes
 * at a window's edge. Keys whose bucket is full again are forgotten, so memory
 * stays bounded by the clients active within one period.
 */
export function createMemoryRateLimiter({ limit, periodMs }: RateLimit, now: () => number = Date.now): RateLimiter {
  const interval = periodMs / limit;
  const tolerance = periodMs - interval;
  const arrivals = new Map<string, number>();
  let lastSweep = now();

  return {
    async take(key) {
      const time = now();
      if (time - lastSweep > periodMs) {
        for (const [entry, arrival] of arrivals) if (arrival <= time) arrivals.delete(entry);
        lastSweep = time;
      }
      const arrival = Math.max(arrivals.get(key) ?? time, time);
      const wait = arrival - time - tolerance;
      if (wait > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
      arrivals.set(key, arrival + interval);
      return { allowed: true };
    },
  };
}

/**
 * The key a client is limited by: its IPv4 address (an IPv4-mapped IPv6
 * address counts as its IPv4 address), or its IPv6 /64, since one IPv6
 * subscriber usually holds a whole /64 and could rotate through it.
 */
export function clientKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
