import { describe, expect, it } from 'vitest';

import caa from '../../src/checks/checks/caa.ts';
import { fakeContext, type FakeName } from './fakes.ts';

const run = (zone: Record<string, FakeName>, route: 'direct' | 'proxied' = 'direct') =>
  caa.run(fakeContext('links.example.com', zone, { dnsFacts: { route, addresses: ['93.184.216.34'] } }));

describe('caa', () => {
  it('passes when no name up to the registrable domain has CAA records', async () => {
    expect((await run({ 'links.example.com': {}, 'example.com': {} })).code).toBe('caa_ok');
  });

  it('passes when the closest CAA set allows the issuer', async () => {
    const finding = await run({
      'example.com': { caa: [{ tag: 'issue', value: 'letsencrypt.org; validationmethods=http-01' }] },
    });
    expect(finding).toMatchObject({ code: 'caa_ok', evidence: { name: 'example.com' } });
  });

  it('blocks when the closest CAA set names only other authorities', async () => {
    const finding = await run({
      'links.example.com': { caa: [{ tag: 'issue', value: 'other-ca.example' }] },
      'example.com': { caa: [{ tag: 'issue', value: 'letsencrypt.org' }] },
    });
    expect(finding).toMatchObject({
      code: 'caa_blocks_issuer',
      evidence: { name: 'links.example.com', allowed: ['other-ca.example'] },
    });
  });

  it('treats a failing CAA lookup as blocking, as certificate authorities do', async () => {
    expect((await run({ 'links.example.com': { fails: 'servfail' } })).code).toBe('caa_blocks_issuer');
  });

  it('does not apply behind a CDN', async () => {
    expect((await run({}, 'proxied')).code).toBe('not_applicable');
  });
});
