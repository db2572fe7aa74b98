import { describe, expect, it } from 'vitest';

import { evaluateCaa, parseIssueValue, type CaaLevel } from '../../src/checks/caa-policy.ts';
import caa from '../../src/checks/checks/caa.ts';
import type { CaaRecord, DnsAnswer } from '../../src/checks/net/dns.ts';
import { fakeContext, type FakeName } from './fakes.ts';

const OUR_CA = 'letsencrypt.org';
const POLICY = {
  issuers: [OUR_CA, 'pki.goog'],
  accountUri: 'https://acme.example/acct/1',
  validationMethod: 'http-01',
};

const rr = (flags: number, tag: string, value: string): CaaRecord => ({ flags, tag, value });
const records = (...list: CaaRecord[]): DnsAnswer<CaaRecord> => ({ ok: true, records: list });
const empty: DnsAnswer<CaaRecord> = { ok: false, failure: 'nodata', detail: 'ENODATA' };
const nx: DnsAnswer<CaaRecord> = { ok: false, failure: 'nxdomain', detail: 'ENOTFOUND' };
const servfail: DnsAnswer<CaaRecord> = { ok: false, failure: 'servfail', detail: 'ESERVFAIL' };
const timeout: DnsAnswer<CaaRecord> = { ok: false, failure: 'timeout', detail: 'ETIMEOUT' };

/** links.shop.test, shop.test, test: the answers most specific first. */
const climb = (links: DnsAnswer<CaaRecord>, shop: DnsAnswer<CaaRecord> = empty, tld = empty): CaaLevel[] => [
  { name: 'links.shop.test', answer: links },
  { name: 'shop.test', answer: shop },
  { name: 'test', answer: tld },
];

// The verification vectors (RFC 8659 and Boulder's va/caa_test.go), case by case.
describe('evaluateCaa: the verification vectors', () => {
  it.each<[string, CaaLevel[], { allowed: boolean; name?: string | null; reason?: string }]>([
    [
      'C1 another CA only',
      climb(empty, records(rr(0, 'issue', 'ca.com'))),
      { allowed: false, name: 'shop.test', reason: 'not_listed' },
    ],
    ['C2 mixed-case tag iSsUe', climb(records(rr(0, 'iSsUe', 'ca.com'))), { allowed: false, reason: 'not_listed' }],
    [
      'C3 unknown tag with flag 128',
      climb(records(rr(128, 'tbs', 'Unknown'), rr(0, 'issue', OUR_CA))),
      { allowed: false, reason: 'critical_unknown' },
    ],
    ['C4 unknown tag with flag 1', climb(records(rr(1, 'foo', 'bar'))), { allowed: false, reason: 'critical_unknown' }],
    ['C5 reserved flag bits only', climb(records(rr(0x7e, 'foo', 'bar'))), { allowed: true }],
    [
      'C6 critical known tags, one matching',
      climb(records(rr(1, 'issue', 'ca.com'), rr(1, 'issue', OUR_CA))),
      { allowed: true },
    ],
    ['C7 issue ";"', climb(records(rr(0, 'issue', ';'))), { allowed: false, reason: 'forbids_all' }],
    ['C7 issue " ; "', climb(records(rr(0, 'issue', ' ; '))), { allowed: false, reason: 'forbids_all' }],
    ['C7 issue ""', climb(records(rr(0, 'issue', ''))), { allowed: false, reason: 'forbids_all' }],
    ['C8 issue ";" beside our CA', climb(records(rr(0, 'issue', ';'), rr(0, 'issue', OUR_CA))), { allowed: true }],
    ['C9 issue "%%%%%"', climb(records(rr(0, 'issue', '%%%%%'))), { allowed: false, reason: 'malformed' }],
    [
      'C10 parameter tag with _',
      climb(records(rr(0, 'issue', `${OUR_CA}; a_b=123`))),
      { allowed: false, reason: 'malformed' },
    ],
    [
      'C10 parameter value with spaces',
      climb(records(rr(0, 'issue', `${OUR_CA}; ab=1 2 3`))),
      { allowed: false, reason: 'malformed' },
    ],
    [
      'C11 whitespace and unknown parameters',
      climb(records(rr(0, 'issue', `  ${OUR_CA}  ;foo=bar;baz=bar`))),
      { allowed: true },
    ],
    [
      'C12 another validation method',
      climb(records(rr(0, 'issue', `${OUR_CA}; validationmethods=dns-01`))),
      { allowed: false, reason: 'method_mismatch' },
    ],
    [
      'C12 our method among others',
      climb(records(rr(0, 'issue', `${OUR_CA}; validationmethods=dns-01,http-01`))),
      { allowed: true },
    ],
    [
      'C12 an empty method list',
      climb(records(rr(0, 'issue', `${OUR_CA}; validationmethods=,`))),
      { allowed: false, reason: 'method_mismatch' },
    ],
    [
      'C12 two validationmethods',
      climb(records(rr(0, 'issue', `${OUR_CA}; validationmethods=http-01; validationmethods=http-01`))),
      { allowed: false, reason: 'method_mismatch' },
    ],
    [
      'C13 another account',
      climb(records(rr(0, 'issue', `${OUR_CA}; accounturi=https://acme.example/acct/2`))),
      { allowed: false, reason: 'account_mismatch' },
    ],
    [
      'C13 our account',
      climb(records(rr(0, 'issue', `${OUR_CA}; accounturi=https://acme.example/acct/1`))),
      { allowed: true },
    ],
    [
      'C13 two accounturi in one record',
      climb(
        records(
          rr(0, 'issue', `${OUR_CA}; accounturi=https://acme.example/acct/1; accounturi=https://acme.example/acct/1`),
        ),
      ),
      { allowed: false, reason: 'account_mismatch' },
    ],
    [
      'C13 two records, one with our account',
      climb(
        records(
          rr(0, 'issue', `${OUR_CA}; accounturi=https://acme.example/acct/2`),
          rr(0, 'issue', `${OUR_CA}; accounturi=https://acme.example/acct/1`),
        ),
      ),
      { allowed: true },
    ],
    ['C14 only issuewild ";"', climb(records(rr(0, 'issuewild', ';'))), { allowed: true }],
    [
      'C15 issue our CA, issuewild another',
      climb(records(rr(0, 'issue', OUR_CA), rr(0, 'issuewild', 'ca.com'))),
      { allowed: true },
    ],
    ['C16 present on the parent', climb(empty, records(rr(0, 'issue', OUR_CA))), { allowed: true, name: 'shop.test' }],
    [
      'C17 iodef only, parent forbids',
      climb(records(rr(0, 'iodef', 'mailto:x@shop.test')), records(rr(0, 'issue', ';'))),
      { allowed: true, name: 'links.shop.test' },
    ],
    [
      'C20 NXDOMAIN, parent blocks',
      climb(nx, records(rr(0, 'issue', 'ca.com'))),
      { allowed: false, name: 'shop.test', reason: 'not_listed' },
    ],
    [
      'C21 SERVFAIL, parent allows',
      climb(servfail, records(rr(0, 'issue', OUR_CA))),
      { allowed: false, name: 'links.shop.test', reason: 'lookup_failed' },
    ],
    [
      'C22 SERVFAIL above the found set',
      climb(records(rr(0, 'issue', OUR_CA)), servfail),
      { allowed: true, name: 'links.shop.test' },
    ],
    ['C24 timeout', climb(timeout, records(rr(0, 'issue', OUR_CA))), { allowed: false, reason: 'lookup_failed' }],
    [
      'C25 issuer in mixed case',
      climb(records(rr(0, 'issue', 'LetsEncrypt.org'))),
      { allowed: false, reason: 'not_listed' },
    ],
    ['C26 NXDOMAIN at the TLD', climb(empty, empty, nx), { allowed: false, name: 'test', reason: 'lookup_failed' }],
    ['no CAA anywhere', climb(empty, nx), { allowed: true, name: null }],
    ['a second configured CA is enough', climb(records(rr(0, 'issue', 'pki.goog'))), { allowed: true }],
  ])('%s', (_, levels, expected) => {
    expect(evaluateCaa(levels, POLICY)).toMatchObject(expected);
  });

  it('C18: the set at the CNAME target applies, and is named', () => {
    const levels: CaaLevel[] = [
      { name: 'links.shop.test', via: 'track.platform.test', answer: records(rr(0, 'issue', 'ca.com')) },
      { name: 'shop.test', answer: records(rr(0, 'issue', OUR_CA)) },
    ];
    expect(evaluateCaa(levels, POLICY)).toMatchObject({
      allowed: false,
      name: 'track.platform.test',
      reason: 'not_listed',
    });
  });

  it('C19: with nothing at the target, the next name is the original name’s parent', () => {
    const levels: CaaLevel[] = [
      { name: 'links.shop.test', via: 'track.platform.test', answer: empty },
      { name: 'shop.test', answer: records(rr(0, 'issue', 'ca.com')) },
    ];
    expect(evaluateCaa(levels, POLICY)).toMatchObject({ allowed: false, name: 'shop.test', reason: 'not_listed' });
  });
});

describe('parseIssueValue: RFC 8659 §4.2', () => {
  it.each([
    [OUR_CA, { issuer: OUR_CA, parameters: [] }],
    [';', { issuer: '', parameters: [] }],
    [
      `${OUR_CA}; accounturi=https://a.example/1 ; validationmethods=http-01`,
      {
        issuer: OUR_CA,
        parameters: [
          ['accounturi', 'https://a.example/1'],
          ['validationmethods', 'http-01'],
        ],
      },
    ],
    ['%%%%%', undefined],
    [`${OUR_CA}; a_b=1`, undefined],
    [`${OUR_CA}; =1`, undefined],
    ['-bad.example', undefined],
  ])('%j', (value, expected) => {
    expect(parseIssueValue(value)).toEqual(expected);
  });
});

describe('the caa check', () => {
  const run = (zone: Record<string, FakeName>, route: 'direct' | 'proxied' = 'direct', cnameChain?: string[]) =>
    caa.run(
      fakeContext(
        'links.example.com',
        { com: {}, ...zone },
        { dnsFacts: { route, addresses: ['93.184.216.34'], cnameChain } },
      ),
    );

  it('passes when no name up to the top-level domain has CAA records', async () => {
    expect((await run({ 'links.example.com': {}, 'example.com': {} })).code).toBe('caa_ok');
  });

  it('names the set that applies and the rule that blocked', async () => {
    const finding = await run({
      'links.example.com': { caa: [rr(0, 'issue', 'other-ca.example')] },
      'example.com': { caa: [rr(0, 'issue', OUR_CA)] },
    });
    expect(finding).toMatchObject({
      code: 'caa_blocks_issuer',
      evidence: { name: 'links.example.com', reason: 'not_listed', allowed: ['other-ca.example'], issuer: [OUR_CA] },
    });
  });

  it('names the CNAME target when its set blocks', async () => {
    const finding = await run({ 'links.example.com': { caa: [rr(0, 'issue', ';')] } }, 'direct', [
      'links.example.com',
      'track.mail.example',
    ]);
    expect(finding).toMatchObject({
      code: 'caa_blocks_issuer',
      evidence: { name: 'track.mail.example', via: 'cname', reason: 'forbids_all' },
    });
  });

  it('treats a failing CAA lookup as blocking, naming the name', async () => {
    expect(await run({ 'links.example.com': { fails: 'servfail' } })).toMatchObject({
      code: 'caa_blocks_issuer',
      evidence: { name: 'links.example.com', reason: 'lookup_failed' },
    });
  });

  it('does not apply behind a CDN', async () => {
    expect((await run({}, 'proxied')).code).toBe('not_applicable');
  });
});
