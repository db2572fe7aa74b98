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

describe('the CLI, on the same engine', () => {
  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, ...lab.env } }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it(
    'yields each scenario’s documented codes as JSON, exiting 1 exactly when a step fails',
    { timeout: 120_000 },
    async () => {
      const all = await scenarios();
      // Six processes at a time: a process per scenario at once starves two cores past the deadline.
      const outcomes: Awaited<ReturnType<typeof cli>>[] = [];
      let next = 0;
      const worker = async () => {
        while (next < all.length) {
          const index = next++;
          outcomes[index] = await cli(['check', all[index]!.domain, '--json']);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
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
