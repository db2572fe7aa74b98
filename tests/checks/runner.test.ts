import { describe, expect, it } from 'vitest';

import type { Account, ManagedCertificate } from '../../src/accounts/directory.ts';
import { defineCheck, type NeededResult } from '../../src/checks/check.ts';
import { NETWORK_CHECKS, READER_CHECK_IDS, READER_CHECKS } from '../../src/checks/checks/index.ts';
import { runChecks, type RunResult } from '../../src/checks/runner.ts';
import { CHECK_IDS, CHECK_STEP } from '../../src/checks/types.ts';
import { fakeContext } from './fakes.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runChecks', () => {
  it('runs independent checks in parallel and reports each as it lands', async () => {
    const started: string[] = [];
    const slow = defineCheck({
      id: 'caa',
      step: 'tls',
      needs: [],
      run: async () => (started.push('caa'), await sleep(40), { code: 'caa_ok' }),
    });
    const fast = defineCheck({
      id: 'certificate',
      step: 'tls',
      needs: [],
      run: async () => (started.push('certificate'), await sleep(5), { code: 'cert_ok' }),
    });
    const heard: string[] = [];
    const results = await runChecks([slow, fast], fakeContext('links.example.com', {}), (result) =>
      heard.push(result.id),
    );
    expect(started).toEqual(['caa', 'certificate']);
    expect(heard).toEqual(['certificate', 'caa']);
    expect(results.map((result) => result.id)).toEqual(['caa', 'certificate']);
  });

  it('skips a check whose prerequisite failed, saying which and why', async () => {
    let ran = false;
    const dns = defineCheck({
      id: 'branded-link-dns',
      step: 'branded-link',
      needs: [],
      run: async () => ({ code: 'nxdomain' }),
    });
    const cert = defineCheck({
      id: 'certificate',
      step: 'tls',
      needs: ['branded-link-dns'],
      run: async () => ((ran = true), { code: 'cert_ok' }),
    });
    const [, skipped] = await runChecks([dns, cert], fakeContext('links.example.com', {}));
    expect(ran).toBe(false);
    expect(skipped).toEqual<RunResult>({
      id: 'certificate',
      step: 'tls',
      status: 'skipped',
      code: 'prerequisite_failed',
      evidence: { check: 'branded-link-dns', code: 'nxdomain' },
    });
  });

  it('gives outcomes any check may report the step of the check that reported them', async () => {
    const account = defineCheck({
      id: 'https-enabled',
      step: 'https',
      needs: [],
      run: async () => ({ code: 'sign_in_required' }),
    });
    const [result] = await runChecks([account], fakeContext('links.example.com', {}));
    expect(result).toMatchObject({ step: 'https', status: 'pending', code: 'sign_in_required' });
  });

  it('runs dependents after a warning', async () => {
    const cert = defineCheck({
      id: 'certificate',
      step: 'tls',
      needs: [],
      run: async () => ({ code: 'cert_expiring_soon' }),
    });
    const probe = defineCheck({
      id: 'https-probe',
      step: 'tls',
      needs: ['certificate'],
      run: async () => ({ code: 'probe_ok' }),
    });
    const results = await runChecks([cert, probe], fakeContext('links.example.com', {}));
    expect(results.map((result) => result.status)).toEqual(['warn', 'pass']);
  });

  it('turns an exception into an error result that blames the check, not the reader', async () => {
    const broken = defineCheck({
      id: 'caa',
      step: 'tls',
      needs: [],
      run: async () => {
        throw new Error('boom');
      },
    });
    const original = console.error;
    console.error = () => {};
    try {
      const [result] = await runChecks([broken], fakeContext('links.example.com', {}));
      expect(result).toEqual({
        id: 'caa',
        step: 'tls',
        status: 'error',
        code: 'check_error',
        evidence: { check: 'caa' },
      });
    } finally {
      console.error = original;
    }
  });
});

/** A network result as an earlier stage hands it over. */
const landed = (id: RunResult['id'], step: RunResult['step'], status: RunResult['status'], code: RunResult['code']) =>
  Promise.resolve<RunResult>({ id, step, status, code, evidence: {} });

/** Healthy network results for the reader stage, with `overrides` in place of some. */
function networkResults(overrides: Partial<Record<RunResult['id'], Promise<RunResult>>> = {}) {
  return new Map<RunResult['id'], Promise<RunResult>>(
    Object.entries({
      'branded-link-dns': landed('branded-link-dns', 'branded-link', 'pass', 'cname_ok'),
      caa: landed('caa', 'tls', 'pass', 'caa_ok'),
      certificate: landed('certificate', 'tls', 'pass', 'cert_ok'),
      'https-probe': landed('https-probe', 'tls', 'pass', 'probe_ok'),
      ...overrides,
    }) as [RunResult['id'], Promise<RunResult>][],
  );
}

const ACCOUNT: Account = {
  id: 'acct_demo',
  name: 'Demo Outfitters',
  clickTracking: true,
  domains: [
    { domain: 'links.example.com', https: false },
    { domain: 'other.example.com', https: true },
  ],
};

describe('the reader stage over earlier results', () => {
  it('waits for an earlier result still landing, hands it over, and never runs it again', async () => {
    const certificate = Promise.withResolvers<RunResult>();
    const seen: NeededResult[][] = [];
    const reader = defineCheck({
      id: 'https-enabled',
      step: 'https',
      needs: ['certificate'],
      run: async (_, needed = []) => (seen.push([...needed]), { code: 'https_ready' }),
    });
    const heard: string[] = [];
    const running = runChecks(
      [reader],
      fakeContext('links.example.com', {}),
      (result) => heard.push(result.id),
      new Map([['certificate', certificate.promise]]),
    );
    await sleep(10);
    expect(seen).toEqual([]);
    certificate.resolve({ id: 'certificate', step: 'tls', status: 'pass', code: 'cert_ok', evidence: {} });
    const results = await running;
    expect(seen).toEqual([[{ id: 'certificate', step: 'tls', status: 'pass', code: 'cert_ok', evidence: {} }]]);
    expect(results.map((result) => result.id)).toEqual(['https-enabled']);
    expect(heard).toEqual(['https-enabled']);
  });

  it('skips a reader check whose earlier need failed, unless it judges its needs', async () => {
    const earlier = () => new Map([['certificate', landed('certificate', 'tls', 'fail', 'cert_expired')]] as const);
    let ran = false;
    const plain = defineCheck({
      id: 'https-enabled',
      step: 'https',
      needs: ['certificate'],
      run: async () => ((ran = true), { code: 'https_ready' }),
    });
    const [skipped] = await runChecks([plain], fakeContext('links.example.com', {}), undefined, earlier());
    expect(ran).toBe(false);
    expect(skipped).toMatchObject({
      status: 'skipped',
      code: 'prerequisite_failed',
      evidence: { check: 'certificate', code: 'cert_expired' },
    });

    const judging = defineCheck({
      ...plain,
      judgesNeeds: true,
      run: async (_, needed = []) => ({ code: needed[0]!.status === 'fail' ? 'https_blocked' : 'https_ready' }),
    });
    const [judged] = await runChecks([judging], fakeContext('links.example.com', {}), undefined, earlier());
    expect(judged).toMatchObject({ status: 'fail', code: 'https_blocked' });
  });

  it('refuses a need that neither this stage nor an earlier one has', async () => {
    const orphan = defineCheck({
      id: 'https-enabled',
      step: 'https',
      needs: ['caa'],
      run: async () => ({ code: 'https_ready' }),
    });
    await expect(runChecks([orphan], fakeContext('links.example.com', {}))).rejects.toThrow(
      /needs unknown check "caa"/,
    );
  });
});

describe('the account steps', () => {
  const readerStage = async (
    account: Account | undefined,
    network = networkResults(),
    domain = 'links.example.com',
  ) => {
    const results = await runChecks(READER_CHECKS, fakeContext(domain, {}, { account }), undefined, network);
    return Object.fromEntries(results.map((result) => [result.id, result]));
  };

  it('ask a signed-out reader to sign in', async () => {
    const results = await readerStage(undefined);
    expect(results['click-tracking']).toMatchObject({ status: 'pending', code: 'sign_in_required' });
    expect(results['https-enabled']).toMatchObject({ status: 'pending', code: 'sign_in_required' });
  });

  it('say HTTPS is ready when every earlier step passes', async () => {
    const results = await readerStage(ACCOUNT);
    expect(results['click-tracking']).toMatchObject({ status: 'pass', code: 'tracking_on' });
    expect(results['https-enabled']).toMatchObject({ code: 'https_ready', evidence: { domain: 'links.example.com' } });
  });

  it('name the failing steps, and only the failing ones (not those skipped because of them)', async () => {
    const results = await readerStage(
      { ...ACCOUNT, clickTracking: false },
      networkResults({
        certificate: landed('certificate', 'tls', 'fail', 'cert_expired'),
        'https-probe': landed('https-probe', 'tls', 'skipped', 'prerequisite_failed'),
      }),
    );
    expect(results['https-enabled']).toMatchObject({
      status: 'fail',
      code: 'https_blocked',
      evidence: {
        steps: ['click-tracking', 'tls'],
        failing: [
          { step: 'click-tracking', code: 'tracking_off' },
          { step: 'tls', code: 'cert_expired' },
        ],
      },
    });
  });

  it('say HTTPS is on for a domain that has it', async () => {
    const results = await readerStage(ACCOUNT, networkResults(), 'other.example.com');
    expect(results['https-enabled']).toMatchObject({ code: 'https_on', evidence: { domain: 'other.example.com' } });
  });

  it('say a domain is not the account’s without listing the account’s domains', async () => {
    const results = await readerStage(ACCOUNT, networkResults(), 'stranger.example.com');
    expect(results['https-enabled']).toMatchObject({ code: 'domain_not_in_account' });
    expect(results['https-enabled']!.evidence).toEqual({ domain: 'stranger.example.com' });
  });
});

describe('the managed certificate (step 3, the platform’s side)', () => {
  const stage = async (certificate: ManagedCertificate | undefined, network = networkResults()) => {
    const account: Account = {
      ...ACCOUNT,
      domains: [{ domain: 'links.example.com', https: false, ...(certificate ? { certificate } : {}) }],
    };
    const results = await runChecks(
      READER_CHECKS,
      fakeContext('links.example.com', {}, { account }),
      undefined,
      network,
    );
    return Object.fromEntries(results.map((result) => [result.id, result]));
  };

  it.each([
    [{ state: 'pending_validation' }, 'warn', 'managed_cert_issuing'],
    [{ state: 'issuing' }, 'warn', 'managed_cert_issuing'],
    [{ state: 'active', notAfter: '2027-01-20T00:00:00.000Z' }, 'pass', 'managed_cert_active'],
    [
      { state: 'renewal_failed', failure: 'issuer_error', detail: 'serverInternal' },
      'fail',
      'managed_cert_renewal_failed',
    ],
    [{ state: 'renewal_failed', failure: 'caa_blocks' }, 'fail', 'managed_cert_blocked'],
    [
      { state: 'expired', notAfter: '2026-11-19T00:00:00.000Z', failure: 'issuer_error' },
      'fail',
      'managed_cert_expired',
    ],
  ] as const)('reports %o as %s %s', async (certificate, status, code) => {
    const results = await stage(certificate as ManagedCertificate);
    expect(results['managed-certificate']).toMatchObject({ step: 'tls', status, code });
  });

  it('says whose move a failure is: the platform’s may be retried, the reader’s links its fix', async () => {
    const ours = await stage({
      state: 'expired',
      failure: 'issuer_rate_limited',
      notAfter: '2026-11-19T00:00:00.000Z',
    });
    expect(ours['managed-certificate']!.evidence).toMatchObject({
      state: 'expired',
      side: 'platform',
      retriable: true,
      notAfter: '2026-11-19T00:00:00.000Z',
    });
    const theirs = await stage({ state: 'renewal_failed', failure: 'caa_blocks' });
    expect(theirs['managed-certificate']!.evidence).toMatchObject({
      side: 'reader',
      retriable: false,
      fix: 'caa_blocks_issuer',
    });
  });

  it('blocks turning HTTPS on while the managed certificate has expired, even with every other step green', async () => {
    const results = await stage({ state: 'expired', failure: 'issuer_error' });
    expect(results['https-enabled']).toMatchObject({
      code: 'https_blocked',
      evidence: { failing: [{ step: 'tls', code: 'managed_cert_expired' }] },
    });
  });

  it('does not apply signed out, without a managed certificate, or behind the reader’s own CDN', async () => {
    const signedOut = await runChecks(READER_CHECKS, fakeContext('links.example.com', {}), undefined, networkResults());
    expect(signedOut.find((result) => result.id === 'managed-certificate')).toMatchObject({
      status: 'skipped',
      code: 'not_applicable',
    });
    expect((await stage(undefined))['managed-certificate']).toMatchObject({ code: 'not_applicable' });
    const proxied = await stage(
      { state: 'expired' },
      networkResults({ 'branded-link-dns': landed('branded-link-dns', 'branded-link', 'pass', 'proxied') }),
    );
    expect(proxied['managed-certificate']).toMatchObject({ code: 'not_applicable' });
  });
});

describe('the list of checks', () => {
  it('declares each check once, network then reader, with the step the API and the page expect', () => {
    const all = [...NETWORK_CHECKS, ...READER_CHECKS];
    expect(all.map((check) => check.id).sort()).toEqual([...CHECK_IDS].sort());
    expect(new Set(all.map((check) => check.id)).size).toBe(all.length);
    for (const check of all) expect(check.step, check.id).toBe(CHECK_STEP[check.id]);
    expect([...READER_CHECK_IDS]).toEqual(['click-tracking', 'managed-certificate', 'https-enabled']);
  });

  it('lets network checks need only network checks, so a domain’s run is the same for every reader', () => {
    const network = new Set(NETWORK_CHECKS.map((check) => check.id));
    for (const check of NETWORK_CHECKS)
      for (const need of check.needs) expect(network.has(need), `${check.id} needs ${need}`).toBe(true);
  });
});
