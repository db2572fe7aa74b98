/**
 * One contract for what instances share (rate limits, the cap on runs, the
 * report cache and the run lock), held by the in-memory state and by Redis
 * (a real `redis-server` these tests start; never a mock). Then what only
 * Redis can show: two connections share one state, leases and keys expire,
 * a lost Redis falls back to the instance and comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Report } from '../../src/checks/types.ts';
import { ConfigError, loadConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openServices } from '../../src/server/services.ts';
import { openRedisState, RedisStartError } from '../../src/server/redis-state.ts';
import { createMemorySharedState, type CachedReport, type SharedState } from '../../src/server/shared-state.ts';
import { portIsFree } from '../support/servers.ts';
import { FIRST_PORT, LAST_PORT, redisAvailable, redisCommand, startRedis, type TestRedis } from '../support/redis.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entry(runId: string, domain = 'links.example.com'): CachedReport {
  const report: Report = { domain, checkedAt: '2026-11-22T12:00:00.000Z', durationMs: 5, route: 'direct', checks: [] };
  return { runId, report, signedOutJson: JSON.stringify(report) };
}

function logs() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger('debug', (line) => void lines.push(JSON.parse(line))) };
}

const useRedis = redisAvailable();
let redis: TestRedis | undefined;
let opened: SharedState[] = [];
let unique = 0;

beforeAll(async () => {
  if (useRedis) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await Promise.all(opened.map((state) => state.close()));
  opened = [];
  await redis?.stop();
});

async function redisState(options: { slotLeaseMs?: number } = {}) {
  const state = await openRedisState(redis!.url, { log: logs().log, ...options });
  opened.push(state);
  return state;
}

const backends: [string, () => Promise<SharedState>][] = [['in memory', async () => createMemorySharedState()]];
if (useRedis) backends.push(['in Redis', () => redisState()]);

describe.each(backends)('shared state %s', (_name, open) => {
  // Each test uses its own names, so state left by one never meets the next.
  const name = () => `test-${process.pid}-${(unique += 1)}`;

  it('lets a key spend its limit at once, then earns one back per period / limit, never a full window', async () => {
    const state = await open();
    const limiter = state.limiter(name(), { limit: 3, periodMs: 900 });
    for (let index = 0; index < 3; index += 1) expect(await limiter.take('a')).toEqual({ allowed: true });
    expect(await limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect((await limiter.take('b')).allowed).toBe(true);
    await pause(320);
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(false);
  });

  it('keeps limits of different names apart', async () => {
    const state = await open();
    const one = state.limiter(name(), { limit: 1, periodMs: 60_000 });
    const two = state.limiter(name(), { limit: 1, periodMs: 60_000 });
    expect((await one.take('a')).allowed).toBe(true);
    expect((await one.take('a')).allowed).toBe(false);
    expect((await two.take('a')).allowed).toBe(true);
  });

  it('admits exactly the limit when many take at once', async () => {
    const state = await open();
    const limiter = state.limiter(name(), { limit: 5, periodMs: 60_000 });
    const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter.take('a')));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
  });

  it('caps slots, hands a freed slot to a waiter, and refuses after the wait', async () => {
    const state = await open();
    const pool = state.slots(2, 400);
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    const waiting = pool.acquire();
    await pause(100);
    first!();
    first!(); // a second release frees nothing more
    const third = await waiting;
    expect(third).toBeTypeOf('function');
    const started = performance.now();
    expect(await pool.acquire()).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    second!();
    third!();
    const again = await pool.acquire();
    expect(again).toBeTypeOf('function');
    again!();
  });

  it('keeps a finished report for its time, replaces it, and forgets it after', async () => {
    const state = await open();
    const domain = `${name()}.example.com`;
    expect(await state.cache.get(domain)).toBeUndefined();
    await state.cache.set(domain, entry('run-1', domain), 300);
    const hit = await state.cache.get(domain);
    expect(hit?.entry).toEqual(entry('run-1', domain));
    expect(hit?.ttlMs).toBeGreaterThan(200);
    expect(hit?.ttlMs).toBeLessThanOrEqual(300);
    await state.cache.set(domain, entry('run-2', domain), 300);
    expect((await state.cache.get(domain))?.entry.runId).toBe('run-2');
    await pause(350);
    expect(await state.cache.get(domain)).toBeUndefined();
  });

  it('gives a domain’s run lock to one claimant, names it to the others, and frees it only for its owner', async () => {
    const state = await open();
    const domain = `${name()}.example.com`;
    const claims = await Promise.all(Array.from({ length: 6 }, () => state.lock.claim(domain, 5_000)));
    const owners = claims.filter((claim) => claim.owner);
    expect(owners).toHaveLength(1);
    const token = owners[0]!.owner ? owners[0]!.token : '';
    for (const claim of claims) if (!claim.owner) expect(claim.holder).toBe(token);
    expect(await state.lock.holder(domain)).toBe(token);
    await state.lock.release(domain, 'someone-else');
    expect(await state.lock.holder(domain)).toBe(token);
    await state.lock.release(domain, token);
    expect(await state.lock.holder(domain)).toBeUndefined();
    expect((await state.lock.claim(domain, 5_000)).owner).toBe(true);
  });

  it('lets a run lock expire, so a crashed owner holds it only briefly', async () => {
    const state = await open();
    const domain = `${name()}.example.com`;
    expect((await state.lock.claim(domain, 200)).owner).toBe(true);
    expect((await state.lock.claim(domain, 200)).owner).toBe(false);
    await pause(250);
    expect(await state.lock.holder(domain)).toBeUndefined();
    expect((await state.lock.claim(domain, 200)).owner).toBe(true);
  });
});

describe.skipIf(!useRedis)('shared state in Redis across instances', () => {
  it('shares one bucket between two connections (two instances)', async () => {
    const [a, b] = [await redisState(), await redisState()];
    const key = `client-${process.pid}-${(unique += 1)}`;
    const limit = { limit: 30, periodMs: 60_000 };
    const [onA, onB] = [a.limiter('checks-client', limit), b.limiter('checks-client', limit)];
    let allowed = 0;
    for (let index = 0; index < 31; index += 1) allowed += Number((await (index % 2 ? onB : onA).take(key)).allowed);
    expect(allowed).toBe(30);
  });

  it('stores each bucket and lock with an expiry, so idle keys leave Redis', async () => {
    const state = await redisState();
    const key = `expiring-${process.pid}-${(unique += 1)}`;
    await state.limiter('expiry', { limit: 10, periodMs: 60_000 }).take(key);
    const ttl = await redisCommand(redis!.port, `PTTL tracklight:rate:expiry:${key}`);
    expect(Number(ttl.slice(1))).toBeGreaterThan(0);
    expect(Number(ttl.slice(1))).toBeLessThanOrEqual(6_000);
    await state.lock.claim(`${key}.example.com`, 5_000);
    const lockTtl = await redisCommand(redis!.port, `PTTL tracklight:run:${key}.example.com`);
    expect(Number(lockTtl.slice(1))).toBeGreaterThan(0);
  });

  it('shares the cap on runs, and frees the slot of an instance that died holding it when its lease ends', async () => {
    await redisCommand(redis!.port, 'DEL tracklight:slots');
    const crashed = await redisState({ slotLeaseMs: 1_000 });
    const survivor = await redisState({ slotLeaseMs: 1_000 });
    const crashedAt = performance.now();
    expect(await crashed.slots(2, 100).acquire()).toBeTypeOf('function');
    await crashed.close();
    await pause(crashedAt + 500 - performance.now());
    // A living instance takes the other slot: its lease keeps the pool's key alive past the dead one's.
    const living = await survivor.slots(2, 100).acquire();
    expect(living).toBeTypeOf('function');
    expect(await survivor.slots(2, 100).acquire()).toBeUndefined();
    await pause(crashedAt + 1_100 - performance.now());
    const freed = await survivor.slots(2, 200).acquire();
    expect(freed).toBeTypeOf('function');
    freed!();
    living!();
  });

  it('serves a report one instance cached to another', async () => {
    const [a, b] = [await redisState(), await redisState()];
    const domain = `shared-${process.pid}-${(unique += 1)}.example.com`;
    await a.cache.set(domain, entry('run-a', domain), 30_000);
    expect((await b.cache.get(domain))?.entry).toEqual(entry('run-a', domain));
  });

  it('falls back to per-instance limits when Redis goes away, says so once, and shares again when it is back', async () => {
    const { lines, log } = logs();
    const state = await openRedisState(redis!.url, { log });
    opened.push(state);
    const limiter = state.limiter(`outage-${(unique += 1)}`, { limit: 2, periodMs: 60_000 });
    expect(await state.degradation()).toBeUndefined();
    await redis!.stop();
    try {
      const decisions = [];
      for (let index = 0; index < 5; index += 1) decisions.push((await limiter.take('a')).allowed);
      // Still limited, by this instance alone.
      expect(decisions).toEqual([true, true, false, false, false]);
      expect(await state.degradation()).toMatch(/REDIS_URL.*per instance/);
      expect((await state.lock.claim('down.example.com', 1_000)).owner).toBe(true);
      expect(await state.cache.get('down.example.com')).toBeUndefined();
      expect(await state.slots(1, 50).acquire()).toBeTypeOf('function');
    } finally {
      await redis!.start();
    }
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/REDIS_URL.*per instance/);
    await expect.poll(() => state.degradation(), { timeout: 5_000, interval: 100 }).toBeUndefined();
    expect(lines.filter((line) => line.level === 'info' && /answers again/.test(String(line.message)))).toHaveLength(1);
    expect((await limiter.take('a')).allowed).toBe(true);
  }, 20_000);
});

describe('a Redis that cannot be reached at start', () => {
  it('stops the start with a message naming REDIS_URL, the password masked', async () => {
    let port = FIRST_PORT;
    while (!(await portIsFree(port)) && port < LAST_PORT) port += 1;
    const error = await openRedisState(`redis://:hunter2@127.0.0.1:${port}`, { log: logs().log }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RedisStartError);
    expect((error as Error).message).toMatch(
      new RegExp(`^REDIS_URL: cannot connect to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`),
    );
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('REDIS_URL in the configuration', () => {
  it('must be a redis:// or rediss:// URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
      /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(loadConfig({ REDIS_URL: '' }).server.REDIS_URL).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'rediss://cache.internal:6380/2' }).server.REDIS_URL).toBe(
      'rediss://cache.internal:6380/2',
    );
  });

  it('stops the services from opening, naming REDIS_URL, when nothing answers there', async () => {
    let port = LAST_PORT;
    while (!(await portIsFree(port)) && port > FIRST_PORT) port -= 1;
    const config = loadConfig({ DATABASE_PATH: ':memory:', REDIS_URL: `redis://127.0.0.1:${port}` });
    const error = await openServices(config, { log: logs().log }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}REDIS_URL: cannot connect/);
  });
});
