import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../../src/server/config.ts';
import { openServices } from '../../src/server/services.ts';
import { createPki } from '../lab/certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'tracklight-config-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** The ConfigError that `env` makes loadConfig throw. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const services: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const opened of services) await opened.close();
});

describe('loadConfig', () => {
  it('reads a good configuration with its defaults', () => {
    const config = loadConfig({ SITE_URL: 'https://docs.example.com/some/path', PORT: '8080' });
    expect(config.siteOrigin).toBe('https://docs.example.com');
    expect(config.guideUrl).toBe('https://docs.example.com/guides/https-link-tracking/');
    expect(config.server).toMatchObject({
      PORT: 8080,
      TRUST_PROXY: { kind: 'none' },
      CHECKS_MAX_CONCURRENT: 32,
      CHECKS_RATE_LIMIT_PER_DOMAIN: 6,
    });
    expect(loadConfig({}).siteOrigin).toBe('http://localhost:4321');
  });

  it.each([
    ['PORT', { PORT: 'abc' }, /^\s*PORT: /m],
    ['PORT out of range', { PORT: '70000' }, /^\s*PORT: /m],
    ['SITE_URL', { SITE_URL: 'not a url' }, /^\s*SITE_URL: .*http/m],
    ['SITE_URL with another scheme', { SITE_URL: 'ftp://docs.example.com' }, /^\s*SITE_URL: /m],
    ['TRUST_PROXY', { TRUST_PROXY: 'garbage' }, /^\s*TRUST_PROXY: .*"garbage"/m],
    ['TRUST_PROXY with a bad block', { TRUST_PROXY: '10.0.0.0/8, 300.1.1.1/8' }, /^\s*TRUST_PROXY: .*300\.1\.1\.1/m],
    ['CHECKS_MAX_CONCURRENT', { CHECKS_MAX_CONCURRENT: '0' }, /^\s*CHECKS_MAX_CONCURRENT: /m],
    ['CHECKS_RATE_LIMIT_PER_CLIENT', { CHECKS_RATE_LIMIT_PER_CLIENT: 'lots' }, /^\s*CHECKS_RATE_LIMIT_PER_CLIENT: /m],
    ['LOGIN_LINK_SECRET', { LOGIN_LINK_SECRET: 'short' }, /^\s*LOGIN_LINK_SECRET: .*32/m],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^\s*LOG_LEVEL: /m],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db.example/tracklight' }, /^\s*DATABASE_URL: .*postgres/m],
    ['CHECKS_DNS_SERVERS', { CHECKS_DNS_SERVERS: 'dns.example' }, /^\s*CHECKS_DNS_SERVERS\.0: /m],
  ])('refuses a bad %s, naming it', (_, env, message) => {
    expect(configError(env).message).toMatch(message);
  });

  it('refuses a missing CHECKS_CDN_RANGES_FILE, naming the variable and the file', () => {
    const missing = join(dir, 'no-such-ranges.json');
    const { message } = configError({ CHECKS_CDN_RANGES_FILE: missing });
    expect(message).toMatch(/^\s*CHECKS_CDN_RANGES_FILE: cannot use .*no-such-ranges\.json: .*ENOENT/m);
  });

  it.each([
    ['not JSON', '{"updated": '],
    ['JSON of another shape', JSON.stringify({ updated: 'yesterday', providers: [{ id: 'Bad Id' }] })],
  ])('refuses a malformed CHECKS_CDN_RANGES_FILE (%s)', (_, content) => {
    const path = file(`ranges-${content.length}.json`, content);
    expect(configError({ CHECKS_CDN_RANGES_FILE: path }).message).toMatch(/^\s*CHECKS_CDN_RANGES_FILE: cannot use /m);
  });

  it.each([
    ['text', 'this is not a certificate\n'],
    ['a PEM block of garbage', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'],
    ['a private key', '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n'],
  ])('refuses a CHECKS_EXTRA_CA_FILE holding %s', (name, content) => {
    const path = file(`ca-${name.length}.pem`, content);
    expect(configError({ CHECKS_EXTRA_CA_FILE: path }).message).toMatch(/^\s*CHECKS_EXTRA_CA_FILE: cannot use /m);
  });

  it('refuses a missing CHECKS_EXTRA_CA_FILE', () => {
    expect(configError({ CHECKS_EXTRA_CA_FILE: join(dir, 'nope.pem') }).message).toMatch(
      /^\s*CHECKS_EXTRA_CA_FILE: cannot use /m,
    );
  });

  it('accepts a CHECKS_EXTRA_CA_FILE of PEM certificates', async () => {
    const { rootPem, untrustedRootPem } = await createPki();
    const path = file('good-ca.pem', `${rootPem}\n${untrustedRootPem}`);
    expect(loadConfig({ CHECKS_EXTRA_CA_FILE: path }).checks.CHECKS_EXTRA_CA_FILE).toBe(path);
  });

  it('refuses ACCOUNT_DIRECTORY=http without its URL and token', () => {
    const { message } = configError({ ACCOUNT_DIRECTORY: 'http' });
    expect(message).toMatch(/^\s*ACCOUNT_API_URL: .*ACCOUNT_DIRECTORY=http/m);
    expect(message).toMatch(/^\s*ACCOUNT_API_TOKEN: .*ACCOUNT_DIRECTORY=http/m);
    expect(configError({ ACCOUNT_DIRECTORY: 'http', ACCOUNT_API_URL: 'https://accounts.example.com' }).message).toMatch(
      /^\s*ACCOUNT_API_TOKEN: /m,
    );
    expect(
      loadConfig({ ACCOUNT_DIRECTORY: 'http', ACCOUNT_API_URL: 'https://accounts.example.com', ACCOUNT_API_TOKEN: 't' })
        .server.ACCOUNT_DIRECTORY,
    ).toBe('http');
  });

  it('names every bad variable in one message', () => {
    const { message } = configError({
      PORT: 'abc',
      SITE_URL: 'not a url',
      TRUST_PROXY: 'garbage',
      CHECKS_CDN_RANGES_FILE: join(dir, 'missing.json'),
    });
    for (const name of ['PORT', 'SITE_URL', 'TRUST_PROXY', 'CHECKS_CDN_RANGES_FILE']) {
      expect(message).toMatch(new RegExp(`^\\s*${name}: `, 'm'));
    }
  });
});

describe('openServices', () => {
  const refusal = (variable: string) =>
    expect.objectContaining({
      name: 'ConfigError',
      message: expect.stringMatching(new RegExp(`^\\s*${variable}: `, 'm')),
    });

  it('refuses a DATABASE_PATH that is a directory, naming it', async () => {
    await expect(openServices(loadConfig({ DATABASE_PATH: dir }))).rejects.toThrow(refusal('DATABASE_PATH'));
  });

  it('refuses a DATABASE_PATH that is not a database, naming it', async () => {
    const garbage = file('garbage.sqlite', 'this is not a SQLite database, just some text\n'.repeat(200));
    await expect(openServices(loadConfig({ DATABASE_PATH: garbage }))).rejects.toThrow(refusal('DATABASE_PATH'));
  });

  it('refuses a DATABASE_URL nobody answers at, naming it without its password', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://tracklight:hunter2-secret@127.0.0.1:1/tracklight' });
    const refused = openServices(config);
    await expect(refused).rejects.toThrow(refusal('DATABASE_URL'));
    await expect(refused).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it('opens and migrates a new database file', async () => {
    const opened = await openServices(loadConfig({ DATABASE_PATH: join(dir, 'new', 'tracklight.sqlite') }));
    services.push(opened);
    expect(await opened.ready()).toEqual({ ok: true });
  });
});

describe('starting the server on a bad configuration', () => {
  it('exits non-zero with one message naming each bad variable, and no stack trace', () => {
    const result = spawnSync(process.execPath, ['src/server/serve.ts'], {
      env: { PATH: process.env.PATH, PORT: 'abc', SITE_URL: 'not a url', DATABASE_PATH: ':memory:' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^\s*PORT: /m);
    expect(result.stderr).toMatch(/^\s*SITE_URL: /m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });
});
