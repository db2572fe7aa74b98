import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

import { parse as parseDomain } from 'tldts';
import { z } from 'zod';

/** Why a domain was refused: a closed set the API and the components translate. */
export type DomainRejection =
  | 'empty'
  | 'not_a_hostname'
  | 'unsupported_scheme'
  | 'credentials'
  | 'ip_address'
  | 'too_long'
  | 'empty_label'
  | 'label_too_long'
  | 'invalid_characters'
  | 'ambiguous_characters'
  | 'label_hyphen'
  | 'invalid_punycode'
  | 'single_label'
  | 'unknown_suffix'
  | 'public_suffix';

/** The English explanation of each rejection, for the API's `message` and the CLI. */
export const DOMAIN_REJECTION_MESSAGES: Record<DomainRejection, string> = {
  empty: 'Enter the branded link domain to check, for example links.example.com.',
  not_a_hostname: 'This is not a domain name or a web address.',
  unsupported_scheme: 'Only http:// and https:// addresses can be checked.',
  credentials: 'Addresses with a user name or password cannot be checked.',
  ip_address: 'Enter a domain name, not an IP address: the branded link is a name with a CNAME record.',
  too_long: 'A domain name is at most 253 characters long.',
  empty_label: 'The name has an empty part between two dots.',
  label_too_long: 'Each part of a domain name between dots is at most 63 characters long.',
  invalid_characters: 'A domain name contains only letters, digits, hyphens and dots.',
  ambiguous_characters:
    'The text contains characters, such as a backslash, that web addresses read as something else. Type only the domain name.',
  label_hyphen: 'A part of a domain name cannot start or end with a hyphen.',
  invalid_punycode: 'A part starting with "xn--" is not a valid internationalised name.',
  single_label: 'A branded link domain has at least two parts, for example links.example.com.',
  unknown_suffix: 'The name does not end in a known top-level domain.',
  public_suffix: 'This is a public suffix such as "co.uk", not a domain you can own. Add your own name in front of it.',
};

/** The outcome of reading a reader's input as a branded link domain. */
export type DomainResult = { ok: true; domain: string } | { ok: false; reason: DomainRejection; message: string };

const MAX_INPUT_LENGTH = 2048;
const LABEL = /^[a-z0-9-]+$/;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

const reject = (reason: DomainRejection): DomainResult => ({
  ok: false,
  reason,
  message: DOMAIN_REJECTION_MESSAGES[reason],
});

/**
 * Reads a hostname, or a pasted URL, as a branded link domain: trimmed,
 * lowercased, IDNA-encoded to ASCII, without one trailing dot. Refuses IP
 * addresses in every spelling (WHATWG host parsing turns `127.1`, `0x7f.1` and
 * `2130706433` into `127.0.0.1` first) and names that are not under a public suffix.
 */
export function parseDomainInput(input: string): DomainResult {
  const text = input.trim();
  if (text === '') return reject('empty');
  if (text.length > MAX_INPUT_LENGTH) return reject('too_long');
  // WHATWG parsing reads `\\` as `/`, drops tabs and newlines and decodes `%xx` in hosts: the
  // name checked would not be the name typed, so such input is refused, never rewritten.
  const authority = text.replace(HAS_SCHEME, '').split(/[/?#]/)[0] ?? '';
  if (/[\\\t\n\r]/.test(text) || authority.includes('%')) return reject('ambiguous_characters');
  // A bare IPv6 address is not a valid URL host without brackets: catch it before parsing.
  if (isIP(text.replace(/^\[|\]$/g, ''))) return reject('ip_address');

  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    return reject(/[^\x21-\x7e\p{L}\p{N}]/u.test(text) ? 'invalid_characters' : 'not_a_hostname');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject('unsupported_scheme');
  if (url.username || url.password) return reject('credentials');

  let host = url.hostname;
  if (host.startsWith('[') || isIP(host)) return reject('ip_address');
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return reject('not_a_hostname');
  if (host.length > 253) return reject('too_long');

  const labels = host.split('.');
  for (const label of labels) {
    if (label === '') return reject('empty_label');
    if (label.length > 63) return reject('label_too_long');
    if (!LABEL.test(label)) return reject('invalid_characters');
    if (label.startsWith('-') || label.endsWith('-')) return reject('label_hyphen');
    if (label.startsWith('xn--') && !isValidPunycode(label)) return reject('invalid_punycode');
  }
  if (labels.length < 2) return reject('single_label');

  const parsed = parseDomain(host, { allowPrivateDomains: false });
  if (parsed.isIp) return reject('ip_address');
  if (!parsed.isIcann || !parsed.publicSuffix) return reject('unknown_suffix');
  if (parsed.publicSuffix === host || !parsed.domain) return reject('public_suffix');
  return { ok: true, domain: host };
}

/** True when an `xn--` label decodes to Unicode and encodes back to itself. */
function isValidPunycode(label: string): boolean {
  const unicode = domainToUnicode(label);
  return unicode !== '' && !unicode.startsWith('xn--') && domainToASCII(unicode) === label;
}

/** The registrable domain (`example.com` for `links.example.com`): the zone a DNS provider usually appends. */
export function registrableDomain(domain: string): string {
  return parseDomain(domain, { allowPrivateDomains: false }).domain ?? domain;
}

/**
 * The one schema every edge (API query, JSON bodies, CLI) reads a domain with:
 * a hostname or pasted URL in, the normalised domain out, or an issue whose
 * `params.reason` is the rejection and whose message explains it.
 */
export const DomainSchema = z.string().transform((value, ctx) => {
  const parsed = parseDomainInput(value);
  if (parsed.ok) return parsed.domain;
  ctx.addIssue({ code: 'custom', message: parsed.message, params: { reason: parsed.reason } });
  return z.NEVER;
});
