/** The throwaway Redis that the shared rate-limit and cache tests start: it answers, stops, and comes back empty. */
import { describe, expect, it } from 'vitest';

import { FIRST_PORT, LAST_PORT, redisAvailable, redisCommand, startRedis } from '../support/redis.ts';

describe.skipIf(!redisAvailable())('a throwaway Redis for tests', () => {
  it('starts on loopback in this checkout’s port range, stops, and starts again empty', async () => {
    const redis = await startRedis();
    try {
      expect(redis.port).toBeGreaterThanOrEqual(FIRST_PORT);
      expect(redis.port).toBeLessThanOrEqual(LAST_PORT);
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
      expect(await redisCommand(redis.port, 'SET tracklight 1')).toBe('+OK');
      await redis.stop();
      await expect(redisCommand(redis.port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
      await redis.start();
      expect(await redisCommand(redis.port, 'GET tracklight')).toBe('$-1');
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
