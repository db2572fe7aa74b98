import { describe, expect, it } from 'vitest';

import { clientKey, createMemoryRateLimiter } from '../../src/server/rate-limit.ts';

const MINUTE = 60_000;

/** A limiter of 10 a minute on a clock the test moves. */
function limiter(start = 1_800_000_000_000) {
  const clock = { time: start };
  return { clock, limit: createMemoryRateLimiter({ limit: 10, periodMs: MINUTE }, () => clock.time) };
}

describe('the rate limiter', () => {
  it('lets a key spend its limit at once, then gives one token back per period / limit', async () => {
    const { clock, limit } = limiter();
    for (let index = 0; index < 10; index += 1) expect(await limit.take('a')).toEqual({ allowed: true });
    expect(await limit.take('a')).toEqual({ allowed: false, retryAfterSeconds: 6 });
    clock.time += 5_999;
    expect((await limit.take('a')).allowed).toBe(false);
    clock.time += 1;
    expect(await limit.take('a')).toEqual({ allowed: true });
    expect((await limit.take('a')).allowed).toBe(false);
  });

  it('gives the whole burst back after a quiet period, and keeps keys apart', async () => {
    const { clock, limit } = limiter();
    for (let index = 0; index < 10; index += 1) await limit.take('a');
    expect((await limit.take('a')).allowed).toBe(false);
    expect((await limit.take('b')).allowed).toBe(true);
    clock.time += MINUTE;
    for (let index = 0; index < 10; index += 1) expect((await limit.take('a')).allowed).toBe(true);
    expect((await limit.take('a')).allowed).toBe(false);
  });

  it('does not count refused requests against the key', async () => {
    const { clock, limit } = limiter();
    for (let index = 0; index < 10; index += 1) await limit.take('a');
    for (let index = 0; index < 100; index += 1) expect((await limit.take('a')).allowed).toBe(false);
    clock.time += 6_000;
    expect((await limit.take('a')).allowed).toBe(true);
  });

  it('lets no burst of twice the limit through at a minute’s edge', async () => {
    // Just before and just after a wall-clock minute boundary, where a fixed window resets.
    const edge = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE) + MINUTE;
    const { clock, limit } = limiter(edge - 1);
    let allowed = 0;
    for (let index = 0; index < 10; index += 1) allowed += Number((await limit.take('a')).allowed);
    clock.time = edge + 1;
    for (let index = 0; index < 10; index += 1) allowed += Number((await limit.take('a')).allowed);
    expect(allowed).toBe(10);
  });

  it('never lets more than the limit plus what refilled pass in any window, for a client that hammers it', async () => {
    for (const start of [0, 1, 59_999, 60_000, 1_800_000_017_321]) {
      const { clock, limit } = limiter(start);
      const passed: number[] = [];
      for (let step = 0; step < 5 * 600; step += 1) {
        if ((await limit.take('a')).allowed) passed.push(clock.time);
        clock.time += 100;
      }
      // A token bucket of 10 refilling one every 6 s: at most 10 + ⌊Δ / 6 s⌋ in any window of length Δ.
      for (const [index, first] of passed.entries()) {
        for (const span of [1, 1_000, 5_999, 30_000, MINUTE - 1, MINUTE]) {
          const inWindow = passed.slice(index).filter((time) => time < first + span).length;
          expect(inWindow, `start ${start}, window of ${span} ms at ${first}`).toBeLessThanOrEqual(
            10 + Math.floor(span / 6_000),
          );
        }
      }
      expect(passed.length).toBeGreaterThanOrEqual(10 + 49);
    }
  });
});

describe('the key a client is limited by', () => {
  it('is its IPv4 address, also when it arrives as IPv4-mapped IPv6', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:cb00:7109')).toBe('203.0.113.9');
  });

  it('is the /64 of an IPv6 address, however it is written', () => {
    const key = clientKey('2001:db8:1:2::1');
    expect(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(key);
    expect(clientKey('2001:0DB8:0001:0002:0000:0000:0000:0009')).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKey('2001:db8:1::2:0:0:1')).not.toBe(key);
  });
});
