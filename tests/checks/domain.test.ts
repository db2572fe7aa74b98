import { describe, expect, it } from 'vitest';

import { parseDomainInput, registrableDomain } from '../../src/checks/domain.ts';

const accepted = (input: string) => {
  const result = parseDomainInput(input);
  return result.ok ? result.domain : `rejected: ${result.reason}`;
};
const reason = (input: string) => {
  const result = parseDomainInput(input);
  return result.ok ? `accepted: ${result.domain}` : result.reason;
};

describe('parseDomainInput: normalising what readers paste', () => {
  it.each([
    ['links.example.com', 'links.example.com'],
    ['  Links.EXAMPLE.com  ', 'links.example.com'],
    ['links.example.com.', 'links.example.com'],
    ['https://links.example.com/c/abc?x=1#y', 'links.example.com'],
    ['http://links.example.com:8080/', 'links.example.com'],
    ['links.example.com/path', 'links.example.com'],
    ['bücher.example.de', 'xn--bcher-kva.example.de'],
    ['ＬＩＮＫＳ.example.com', 'links.example.com'],
    ['a\u00ADb.example.com', 'ab.example.com'],
    ['xn--zca.example.com', 'xn--zca.example.com'],
    ['ab--c.example.com', 'ab--c.example.com'],
    ['links.example.co.uk', 'links.example.co.uk'],
    ['example.com', 'example.com'],
  ])('%j → %s', (input, expected) => {
    expect(accepted(input)).toBe(expected);
  });
});

describe('parseDomainInput: refusing IP addresses in every spelling', () => {
  it.each([
    '127.0.0.1',
    '127.1',
    '2130706433',
    '0x7f.1',
    '0x7f000001',
    '0177.0.0.1',
    '017700000001',
    '127.0.1',
    '１２７.0.0.1',
    '[::1]',
    '::1',
    '[::ffff:7f00:1]',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    'http://127.1/',
    'https://[::1]:443/x',
    'http://0x7f.0x0.0x0.0x1',
    '8.8.8.8',
    '169.254.169.254',
  ])('%j is refused as an IP address', (input) => {
    expect(reason(input)).toBe('ip_address');
  });
});

describe('parseDomainInput: refusing what is not a branded link domain', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['localhost', 'single_label'],
    ['com', 'single_label'],
    ['co.uk', 'public_suffix'],
    ['links.internal', 'unknown_suffix'],
    ['links.example', 'unknown_suffix'],
    ['a..b.example.com', 'empty_label'],
    ['-x.example.com', 'label_hyphen'],
    ['x-.example.com', 'label_hyphen'],
    ['under_score.example.com', 'invalid_characters'],
    ['xn--a.example.com', 'invalid_punycode'],
    ['xn--zz.example.com', 'invalid_punycode'],
    [`${'a'.repeat(64)}.example.com`, 'label_too_long'],
    [`${'abcdefghi.'.repeat(25)}example.com`, 'too_long'],
    ['ftp://links.example.com/', 'unsupported_scheme'],
    ['javascript:alert(1)', 'not_a_hostname'],
    ['http://user:pass@links.example.com/', 'credentials'],
    ['ex ample.com', 'invalid_characters'],
    ['links.example.com%2F', 'ambiguous_characters'],
    // WHATWG parsing would check another name than the one typed: refused, never rewritten.
    ['evil.example\\@links.example.com', 'ambiguous_characters'],
    ['https://links.example.com\\.evil.example/', 'ambiguous_characters'],
    ['links\\example.com', 'ambiguous_characters'],
    ['links.exa\tmple.com', 'ambiguous_characters'],
    ['links.exa\nmple.com', 'ambiguous_characters'],
    ['links%2eexample.com', 'ambiguous_characters'],
    ['<script>.example.com', 'not_a_hostname'],
  ])('%j → %s', (input, expected) => {
    expect(reason(input)).toBe(expected);
  });

  it('refuses absurdly long input without parsing it', () => {
    expect(reason(`${'a'.repeat(5000)}.com`)).toBe('too_long');
  });

  it('always explains a rejection in words', () => {
    const result = parseDomainInput('127.1');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/IP address/);
  });
});

// Cases from the web-platform-tests UTS #46 ToASCII vectors (url/resources/toascii.json):
// invalid ones must be refused; valid ones must come out in the same ASCII form. The
// vectors with joiners inside a word (ශ්රී, نامهای) are left out: Node's URL parser drops
// the joiner, so those names come out as a different, still valid, ASCII name.
describe('parseDomainInput: UTS #46 ToASCII cases', () => {
  it.each([
    ['xn--a', null],
    ['xn--a.xn--zca', null],
    ['xn--ls8h=', null],
    ['xn--tešla', null],
    ['\u200D.example', null],
    ['xn--1ug.example', null],
    ['\uFFFD.com', null],
    ['xn--zn7c.com', null],
    ['xn--zca.ß', 'xn--zca.xn--zca'],
    ['≠', 'xn--1ch'],
  ])('%j', (label, ascii) => {
    const result = parseDomainInput(`${label}.example.com`);
    if (ascii === null) expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, domain: `${ascii}.example.com` });
  });
});

describe('registrableDomain', () => {
  it('is the zone a DNS provider appends', () => {
    expect(registrableDomain('links.example.com')).toBe('example.com');
    expect(registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
  });
});
