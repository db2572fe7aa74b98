import { describe, expect, it } from 'vitest';

import { defineCheck } from '../../src/checks/check.ts';
import { runChecks, type RunResult } from '../../src/checks/runner.ts';
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

describe('the list of checks', () => {
  it('declares each check once, in report order, with the step the API and the page expect', async () => {
    const { ALL_CHECKS } = await import('../../src/checks/checks/index.ts');
    const { CHECK_IDS, CHECK_STEP } = await import('../../src/checks/types.ts');
    expect(ALL_CHECKS.map((check) => check.id)).toEqual([...CHECK_IDS]);
    for (const check of ALL_CHECKS) expect(check.step, check.id).toBe(CHECK_STEP[check.id]);
  });
});
