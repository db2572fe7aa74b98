import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { differingValues, guideModule, resolveBuildValues } from '../../src/site/build-values.ts';
import { checkBuildValues } from '../../src/server/serve.ts';
import { ConfigError } from '../../src/server/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'tracklight-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A recorded build made with `env`, as the integration writes it. */
function recordedBuild(env: Record<string, string>): string {
  const file = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(resolveBuildValues(env)));
  return file;
}

/** The message of the ConfigError the server start gives for `running` against `file`. */
function refusal(running: Record<string, string>, file: string): string {
  try {
    checkBuildValues(running, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the server accepted values unlike the build');
}

describe('the values the pages are built with and the server runs with', () => {
  it('print the configured tracking host, probe path, service id and CA in the guide and its commands', () => {
    const { platform, commands, siteUrl } = guideModule(
      resolveBuildValues({
        TRACKING_CNAME_TARGET: 'Edge.Mail.Example.',
        TRACKING_PROBE_PATH: '/probe',
        TRACKING_SERVICE_ID: 'other',
        CAA_ISSUER_DOMAINS: 'pki.goog,letsencrypt.org',
        SITE_URL: 'https://docs.example.com',
      }),
    );
    expect(platform.trackingHost).toBe('edge.mail.example');
    expect(platform.managedCertificateIssuer).toBe('pki.goog');
    expect(commands.digCnameAnswer).toBe('edge.mail.example.');
    expect(commands.curlProbe).toContain('/probe');
    expect(commands.curlProbeAnswer).toBe('x-link-tracking-service: other');
    expect(commands.caaRecord).toContain('"pki.goog"');
    expect(siteUrl).toBe('https://docs.example.com');
  });

  it('let the server start with the build’s values, defaults and spelling variants included', () => {
    const file = recordedBuild({ SITE_URL: 'https://docs.example.com', TRACKING_CNAME_TARGET: 'track.mail.example' });
    expect(() =>
      checkBuildValues({ SITE_URL: 'https://docs.example.com', TRACKING_CNAME_TARGET: 'TRACK.mail.example.' }, file),
    ).not.toThrow();
  });

  it.each([
    ['TRACKING_CNAME_TARGET', 'edge.mail.example'],
    ['TRACKING_PROBE_PATH', '/other-probe'],
    ['TRACKING_SERVICE_ID', 'someone-else'],
    ['CAA_ISSUER_DOMAINS', 'pki.goog'],
    ['CAA_ACCOUNT_URI', 'https://acme.example/acct/1'],
    ['CAA_VALIDATION_METHOD', 'dns-01'],
    ['SITE_URL', 'https://elsewhere.example.com'],
  ])('refuse to start when %s differs from the build, naming it and how to rebuild', (variable, value) => {
    const file = recordedBuild({ SITE_URL: 'https://docs.example.com' });
    const message = refusal({ SITE_URL: 'https://docs.example.com', [variable]: value }, file);
    expect(message).toMatch(
      new RegExp(
        `^\\s+${variable}: the pages were built with .*, the server has .*${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
        'm',
      ),
    );
    expect(message).toContain('npm run build');
    expect(message.split('\n').filter((line) => /^\s+[A-Z_]+: /.test(line))).toHaveLength(1);
  });

  it('without SITE_URL, compare the local address the pages were built for with the one served', () => {
    const file = recordedBuild({ PORT: '4321' });
    expect(() => checkBuildValues({ PORT: '4321' }, file)).not.toThrow();
    expect(refusal({ PORT: '8080' }, file)).toMatch(/SITE_URL: .*"http:\/\/localhost:4321".*"http:\/\/localhost:8080"/);
  });

  it('refuse a build that has no record of its values', () => {
    expect(refusal({}, join(dir, 'missing.json'))).toMatch(/npm run build/);
  });

  it('name nothing when nothing differs', () => {
    const values = resolveBuildValues({});
    expect(differingValues(values, resolveBuildValues({}))).toEqual([]);
  });
});
