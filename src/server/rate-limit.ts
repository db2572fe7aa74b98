import { isIP } from 'node:net';

import { expandIpv6, unwrapMappedIpv4 } from '../checks/net/addresses.ts';

/** A fixed-window counter per key: at most `limit` takes per `windowMs`. */
export interface RateLimiter {
  /** Counts one request for `key`; when over the limit, says how many seconds until the next is allowed. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

/** Creates an in-memory limiter. Old windows are dropped as they expire, so memory stays bounded by active keys. */
export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { startedAt: number; count: number }>();
  let lastSweep = now();

  return {
    take(key) {
      const time = now();
      if (time - lastSweep > options.windowMs) {
        for (const [entry, window] of windows) if (time - window.startedAt >= options.windowMs) windows.delete(entry);
        lastSweep = time;
      }
      let window = windows.get(key);
      if (!window || time - window.startedAt >= options.windowMs) {
        window = { startedAt: time, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count <= options.limit) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + options.windowMs - time) / 1000)),
      };
    },
  };
}

/**
 * The key a client is limited by: its IPv4 address, or its IPv6 /64, since one
 * IPv6 subscriber usually holds a whole /64 and could rotate through it.
 */
export function clientKey(address: string): string {
  const unwrapped = unwrapMappedIpv4(address);
  if (isIP(unwrapped) !== 6) return unwrapped;
  return `${expandIpv6(unwrapped)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
