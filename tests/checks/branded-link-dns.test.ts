import { describe, expect, it } from 'vitest';

import brandedLinkDns from '../../src/checks/checks/branded-link-dns.ts';
import { createAddressPolicy } from '../../src/checks/net/addresses.ts';
import { fakeContext, type FakeName } from './fakes.ts';

const DOMAIN = 'links.example.com';
const TRACKING = { 'track.mail.example': { addresses: ['93.184.216.34'] } };
const run = (zone: Record<string, FakeName>, overrides = {}) =>
  brandedLinkDns.run(fakeContext(DOMAIN, { ...TRACKING, ...zone }, overrides));

describe('branded-link-dns', () => {
  it('passes a CNAME to the tracking host and hands on the vetted addresses', async () => {
    const finding = await run({ [DOMAIN]: { cname: 'track.mail.example.' } });
    expect(finding.code).toBe('cname_ok');
    expect(finding.dnsFacts).toEqual({
      route: 'direct',
      addresses: ['93.184.216.34'],
      cnameChain: [DOMAIN, 'track.mail.example'],
    });
  });

  it('follows a CNAME chain to the tracking host', async () => {
    const finding = await run({
      [DOMAIN]: { cname: 'edge.example.com' },
      'edge.example.com': { cname: 'track.mail.example' },
      'track.mail.example': { addresses: ['93.184.216.34'] },
    });
    expect(finding).toMatchObject({
      code: 'cname_ok',
      evidence: { chain: [DOMAIN, 'edge.example.com', 'track.mail.example'] },
    });
  });

  it('shows the whole chain and where it ends when it ends elsewhere, and survives a loop', async () => {
    const finding = await run({
      [DOMAIN]: { cname: 'a.example.net', addresses: ['93.184.216.35'] },
      'a.example.net': { cname: 'b.example.net' },
      'b.example.net': { cname: 'a.example.net' },
    });
    expect(finding).toMatchObject({
      code: 'cname_wrong_target',
      evidence: {
        target: 'a.example.net',
        chain: [DOMAIN, 'a.example.net', 'b.example.net', 'a.example.net'],
        chainProblem: 'loop',
      },
    });
  });

  it('passes a flattened record whose addresses are the tracking host’s, saying so', async () => {
    const finding = await run({
      [DOMAIN]: { addresses: ['93.184.216.34'] },
      'track.mail.example': { addresses: ['93.184.216.34'] },
    });
    expect(finding).toMatchObject({ code: 'cname_ok', evidence: { flattened: true } });
    expect(finding.dnsFacts?.route).toBe('direct');
  });

  it('vets every address, not only the first ones', async () => {
    const many = Array.from({ length: 20 }, (_, index) => `93.184.216.${index + 1}`);
    const finding = await run({ [DOMAIN]: { cname: 'track.mail.example', addresses: [...many, '10.0.0.1'] } });
    expect(finding).toMatchObject({ code: 'address_not_public', evidence: { refused: ['10.0.0.1'] } });
  });

  it('names the wrong target', async () => {
    const finding = await run({
      [DOMAIN]: { cname: 'old.provider.net' },
      'old.provider.net': { addresses: ['93.184.216.35'] },
    });
    expect(finding).toMatchObject({
      code: 'cname_wrong_target',
      evidence: { target: 'old.provider.net', expected: 'track.mail.example' },
    });
  });

  it('recognises a Cloudflare-proxied name instead of calling the CNAME missing', async () => {
    const finding = await run({ [DOMAIN]: { addresses: ['104.16.132.229', '2606:4700::6810:84e5'] } });
    expect(finding).toMatchObject({ code: 'proxied', evidence: { cdn: 'Cloudflare' }, dnsFacts: { route: 'proxied' } });
  });

  it('recognises a CNAME to a CloudFront distribution as proxied', async () => {
    const finding = await run({
      [DOMAIN]: { cname: 'd111111abcdef8.cloudfront.net' },
      'd111111abcdef8.cloudfront.net': { addresses: ['13.224.1.1'] },
    });
    expect(finding).toMatchObject({
      code: 'proxied',
      evidence: { cdn: 'Amazon CloudFront', target: 'd111111abcdef8.cloudfront.net' },
    });
  });

  it('reports a missing CNAME with the addresses it found', async () => {
    const finding = await run({ [DOMAIN]: { addresses: ['93.184.216.40'] } });
    expect(finding).toMatchObject({ code: 'cname_missing', evidence: { addresses: ['93.184.216.40'] } });
  });

  it('spots the name typed twice', async () => {
    const finding = await run({ 'links.example.com.example.com': { cname: 'track.mail.example' } });
    expect(finding).toMatchObject({ code: 'doubled_name', evidence: { found: 'links.example.com.example.com' } });
  });

  it.each([
    ['nxdomain', {}, 'nxdomain'],
    ['timeout', { [DOMAIN]: { fails: 'timeout' } }, 'dns_timeout'],
    ['servfail', { [DOMAIN]: { fails: 'servfail' } }, 'dns_servfail'],
  ] as const)('%s becomes %s', async (_, zone, code) => {
    expect((await run(zone as Record<string, FakeName>)).code).toBe(code);
  });

  it.each([['10.0.0.5'], ['127.0.0.1'], ['169.254.169.254'], ['::ffff:192.168.1.1'], ['fd00::1'], ['::1']])(
    'refuses %s, and hands nothing on to connect to',
    async (address) => {
      const finding = await run({
        [DOMAIN]: { cname: 'track.mail.example' },
        'track.mail.example': { addresses: ['93.184.216.34', address] },
      });
      expect(finding.code).toBe('address_not_public');
      expect(finding.dnsFacts).toBeUndefined();
    },
  );

  it('lets a lab network through when it is explicitly allowed', async () => {
    const finding = await run(
      { [DOMAIN]: { cname: 'track.mail.example' }, 'track.mail.example': { addresses: ['127.0.0.10'] } },
      { policy: createAddressPolicy(['127.0.0.0/25']) },
    );
    expect(finding.code).toBe('cname_ok');
  });
});
