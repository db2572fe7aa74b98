import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseChecksEnv } from '../../src/checks/config.ts';
import { createChecker, type Checker } from '../../src/checks/engine.ts';
import type { Report } from '../../src/checks/types.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openServices } from '../../src/server/services.ts';
import { startLab, type Lab, type LabScenario } from '../lab/index.ts';
import { TRACKING_HOST } from '../lab/scenarios.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/tracklight.ts', import.meta.url));
const GUIDE = 'http://localhost:4321/guides/https-link-tracking/';

let lab: Lab;
let checker: Checker;

beforeAll(async () => {
  lab = await startLab();
  checker = createChecker({ env: parseChecksEnv(lab.env), guideUrl: GUIDE });
});
afterAll(async () => {
  await lab?.stop();
});

const codesOf = (report: Report, scenario: LabScenario) =>
  Object.fromEntries(
    Object.keys(scenario.expect).map((id) => [id, report.checks.find((check) => check.id === id)?.code]),
  );

/** Every scenario, with stateful ones (rebinding) started over. */
async function scenarios(): Promise<LabScenario[]> {
  lab.reset();
  return lab.scenarios;
}

describe('every lab scenario, through the API over real sockets', () => {
  it('yields each scenario’s documented codes and route', { timeout: 60_000 }, async () => {
    const config = loadConfig({
      ...lab.env,
      DATABASE_PATH: ':memory:',
      SITE_URL: 'http://localhost:4321',
      CHECKS_RATE_LIMIT_PER_CLIENT: '1000',
      CHECKS_MAX_CONCURRENT: '100',
    });
    const app = createApp(await openServices(config, { checker, log: createLogger('error') }));
    const all = await scenarios();
    expect(all.length).toBeGreaterThanOrEqual(25);
    const outcomes = await Promise.all(
      all.map(async (scenario) => {
        const response = await app.request(`/api/checks?domain=${scenario.domain}`);
        expect(response.status, scenario.name).toBe(200);
        const report = (await response.json()) as Report;
        return { name: scenario.name, route: report.route, codes: codesOf(report, scenario), report };
      }),
    );
    for (const [index, scenario] of all.entries()) {
      const outcome = outcomes[index]!;
      expect({ name: outcome.name, route: outcome.route, codes: outcome.codes }).toEqual({
        name: scenario.name,
        route: scenario.route,
        codes: scenario.expect,
      });
      for (const check of outcome.report.checks) expect(check.docs).toMatch(new RegExp(`^${GUIDE}#[a-z0-9-]+$`));
    }
  });

  it('never connected to a refused address, whatever DNS answered', () => {
    expect(lab.trapConnections()).toBe(0);
  });
});

describe('evidence a reader can act on', () => {
  it('names where a wrong CNAME points', async () => {
    const report = await checker.check(lab.scenario('cname-wrong-target').domain);
    expect(report.checks.find((check) => check.id === 'branded-link-dns')?.evidence).toMatchObject({
      target: 'old.provider.example.net',
    });
  });

  it('gives issuer, names and days left of a good certificate', async () => {
    const { domain } = lab.scenario('healthy-direct');
    const certificate = (await checker.check(domain)).checks.find((check) => check.id === 'certificate');
    expect(certificate).toMatchObject({ code: 'cert_ok', status: 'pass', evidence: { names: [domain] } });
    expect(certificate?.evidence.daysLeft).toBeGreaterThan(14);
    expect(certificate?.evidence.issuer).toEqual(expect.any(String));
  });

  it('gives the status of an HTTP error', async () => {
    const report = await checker.check(lab.scenario('probe-http-error').domain);
    expect(report.checks.find((check) => check.id === 'https-probe')?.evidence).toMatchObject({ status: 403 });
  });

  it('streams results as they land, in the order they finish', async () => {
    const heard: string[] = [];
    const report = await checker.check(lab.scenario('healthy-direct').domain, {
      onResult: (result) => heard.push(result.id),
    });
    expect([...heard].sort()).toEqual(report.checks.map((check) => check.id).sort());
    expect(heard.indexOf('branded-link-dns')).toBeLessThan(heard.indexOf('certificate'));
    expect(heard.indexOf('certificate')).toBeLessThan(heard.indexOf('https-probe'));
  });
});

describe('verdicts as certificate authorities and browsers reach them', () => {
  const result = async (name: string, id: string, use: Checker = checker) =>
    (await use.check(lab.scenario(name).domain)).checks.find((check) => check.id === id)!;

  it('proves the platform’s own tracking host allows its CA: a CNAME’d link gets the tracking host’s set', async () => {
    expect(await result('healthy-direct', 'caa')).toMatchObject({
      code: 'caa_ok',
      evidence: { name: TRACKING_HOST, issuer: 'letsencrypt.org', basis: 'issue' },
    });
  });

  it.each([
    ['caa-blocks-issuer', '', 'not_listed'],
    ['caa-parent-forbids', 'parent', 'forbids_all'],
    ['caa-critical-unknown', '', 'critical_unknown'],
    ['caa-mixed-case-tag', '', 'not_listed'],
    ['caa-malformed', '', 'malformed'],
    ['caa-account-mismatch', '', 'account_mismatch'],
    ['caa-method-mismatch', '', 'method_mismatch'],
    ['caa-lookup-fails', '', 'lookup_failed'],
  ])('%s: names the set that applied and the rule that blocked', async (name, where, reason) => {
    const { domain } = lab.scenario(name);
    const applied = where === 'parent' ? domain.slice(domain.indexOf('.') + 1) : domain;
    expect(await result(name, 'caa')).toMatchObject({
      code: 'caa_blocks_issuer',
      status: 'fail',
      evidence: { name: applied, reason },
    });
  });

  it('reads a truncated CAA answer again over TCP, and never decides on the part', async () => {
    expect(await result('caa-truncated', 'caa')).toMatchObject({
      code: 'caa_ok',
      evidence: { issuer: 'letsencrypt.org' },
    });
    // The whole set cannot be read: no verdict on the part (which allows only other-ca.example); the CA cannot decide.
    expect(await result('caa-truncated-tcp-fails', 'caa')).toMatchObject({
      code: 'caa_blocks_issuer',
      evidence: { reason: 'lookup_failed' },
    });
  });

  it('shows the whole CNAME chain, and where a chain that goes wrong ends', async () => {
    expect((await result('cname-chain', 'branded-link-dns')).evidence.chain).toEqual([
      lab.scenario('cname-chain').domain,
      `edge.${lab.scenario('cname-chain').domain}`,
      TRACKING_HOST,
    ]);
    expect((await result('cname-chain-elsewhere', 'branded-link-dns')).evidence).toMatchObject({
      endsAt: 'legacy.provider.example.net',
    });
    expect((await result('cname-loop', 'branded-link-dns')).evidence).toMatchObject({ chainProblem: 'loop' });
  });

  it('says a flattened record is flattened', async () => {
    expect(await result('flattened', 'branded-link-dns')).toMatchObject({
      code: 'cname_ok',
      evidence: { flattened: true },
    });
  });

  it('reports our own resolver’s refusal as our fault, not the reader’s DNS', async () => {
    expect(await result('resolver-refuses', 'branded-link-dns')).toMatchObject({
      status: 'error',
      code: 'check_error',
    });
  });

  it('gives a 1.1 s DNS answer the same verdict after a run of fast lookups', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 25; i++) await checker.check(lab.scenario('healthy-direct').domain);
    expect((await result('dns-slow-answer', 'branded-link-dns')).code).toBe('cname_ok');
  });

  it('says a CN-only certificate has no subjectAltName, and names a missing intermediate', async () => {
    expect((await result('cert-cn-only', 'certificate')).evidence).toMatchObject({
      subjectAltName: null,
      commonNameOnly: true,
    });
    expect((await result('cert-incomplete-chain', 'certificate')).evidence).toMatchObject({
      missingIntermediate: 'Tracklight Lab Intermediate CA',
      browsersDisagree: true,
    });
  });

  it('names the weak key and the weak signature', async () => {
    expect((await result('cert-weak-key', 'certificate')).evidence).toMatchObject({ keyType: 'RSA', keyBits: 1024 });
    expect((await result('cert-sha1-intermediate', 'certificate')).evidence).toMatchObject({
      weakCertificate: 'Tracklight Lab SHA-1 Intermediate CA',
      signatureAlgorithm: 'ecdsa-with-SHA1',
    });
  });

  it('names the failing address when addresses disagree', async () => {
    expect((await result('cert-one-address-expired', 'certificate')).evidence).toMatchObject({
      address: '127.0.0.51',
      byAddress: [
        { address: '127.0.0.50', code: 'cert_ok' },
        { address: '127.0.0.51', code: 'cert_expired' },
      ],
    });
    expect((await result('probe-one-address-wrong', 'https-probe')).evidence).toMatchObject({
      address: '127.0.0.53',
      status: 403,
    });
  });

  it('ends a paced redirect chain within the deadline plus one second', { timeout: 30_000 }, async () => {
    const deadlineMs = 3_000;
    const short = createChecker({
      env: parseChecksEnv(lab.env),
      guideUrl: GUIDE,
      limits: { reportTimeoutMs: deadlineMs },
    });
    const started = performance.now();
    const report = await short.check(lab.scenario('redirect-paced').domain);
    expect(performance.now() - started).toBeLessThan(deadlineMs + 1_000);
    expect(report.checks.find((check) => check.id === 'https-probe')?.code).toBe('probe_timeout');
  });
});

describe('the CLI, on the same engine', () => {
  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, ...lab.env } }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it(
    'yields each scenario’s documented codes as JSON, exiting 1 exactly when a step fails',
    // One process per scenario, on a shared two-core machine; redirect-paced alone waits out the 20 s deadline.
    { timeout: 150_000 },
    async () => {
      const all = await scenarios();
      // A few processes at a time: sixty Node start-ups at once starve the lab's DNS server on two cores.
      const outcomes: Awaited<ReturnType<typeof cli>>[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < all.length) {
            const index = next++;
            outcomes[index] = await cli(['check', all[index]!.domain, '--json']);
          }
        }),
      );
      for (const [index, scenario] of all.entries()) {
        const { code, stdout } = outcomes[index]!;
        const report = JSON.parse(stdout) as Report;
        expect({ name: scenario.name, codes: codesOf(report, scenario) }).toEqual({
          name: scenario.name,
          codes: scenario.expect,
        });
        const fails = report.checks.some((check) => check.status === 'fail' || check.status === 'error');
        expect(code, scenario.name).toBe(fails ? 1 : 0);
      }
    },
  );

  it('prints a readable report with the fix’s link', async () => {
    const { code, stdout } = await cli(['check', lab.scenario('cert-expired').domain]);
    expect(code).toBe(1);
    expect(stdout).toContain('✗ certificate: The certificate has expired [cert_expired, failed]');
    expect(stdout).toContain(`fix: ${GUIDE}#cert-expired`);
  });

  it('refuses an IP address with exit code 2', async () => {
    const { code, stderr } = await cli(['check', '0x7f.1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/IP address/);
  });
});
