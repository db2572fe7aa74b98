import type { CaaRecord, DnsAnswer } from './net/dns.ts';

/** Why CAA records keep the platform's certificate authorities from issuing: a closed set. */
export const CAA_BLOCK_REASONS = [
  'not_listed',
  'forbids_all',
  'critical_unknown',
  'malformed',
  'account_mismatch',
  'method_mismatch',
  'lookup_failed',
] as const;

/** One reason of `CAA_BLOCK_REASONS`. */
export type CaaBlockReason = (typeof CAA_BLOCK_REASONS)[number];

/** Who the platform is to a certificate authority. */
export interface CaaIssuerPolicy {
  /** CA domains the platform may issue from; one allowed is enough. */
  issuers: readonly string[];
  /** The platform's ACME account URI. */
  accountUri: string;
  /** The ACME validation method the platform uses, e.g. `http-01`. */
  validationMethod: string;
}

/** The CAA answer of one name, most specific first; `via` names where an alias led (its records sit there). */
export interface CaaLevel {
  name: string;
  answer: DnsAnswer<CaaRecord>;
  via?: string;
}

/** The verdict: allowed or blocked, where the relevant set was found, and why. */
export type CaaVerdict =
  | { allowed: true; name: string | null; issuer: string | null; basis: 'no_records' | 'no_issue_property' | 'issue' }
  | { allowed: false; name: string; reason: CaaBlockReason; listed: string[]; record?: string };

/** Property tags certificate authorities know (Boulder's list); an unknown one with the critical flag blocks. */
const KNOWN_TAGS = new Set(['issue', 'issuewild', 'iodef', 'issuemail', 'issuevmc', 'contactemail', 'contactphone']);
/** Boulder treats bit 1 like the critical bit 128: a widespread misreading of RFC 6844's bit order. */
const CRITICAL_BITS = 128 | 1;

const LABEL = '[A-Za-z0-9](?:-*[A-Za-z0-9])*';
const ISSUER = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const PARAMETER = new RegExp(`^(${LABEL})[ \\t]*=[ \\t]*([\\x21-\\x3a\\x3c-\\x7e]*)$`);
const trimWsp = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');

/** An `issue` value read by RFC 8659 §4.2's grammar: the issuer (empty for `;`) and its parameters. */
export interface IssueValue {
  issuer: string;
  parameters: [string, string][];
}

/** Parses an `issue`/`issuewild` value; `undefined` when it does not follow RFC 8659 §4.2. */
export function parseIssueValue(value: string): IssueValue | undefined {
  const semicolon = value.indexOf(';');
  const issuer = trimWsp(semicolon === -1 ? value : value.slice(0, semicolon));
  if (issuer !== '' && !ISSUER.test(issuer)) return undefined;
  const rest = semicolon === -1 ? '' : trimWsp(value.slice(semicolon + 1));
  const parameters: [string, string][] = [];
  if (rest !== '') {
    for (const part of rest.split(';').map(trimWsp)) {
      const match = PARAMETER.exec(part);
      if (!match) return undefined;
      parameters.push([match[1]!, match[2]!]);
    }
  }
  return { issuer, parameters };
}

/** Why one parsed `issue` record naming our CA still excludes the platform, if it does. */
function exclusion(value: IssueValue, policy: CaaIssuerPolicy): 'account_mismatch' | 'method_mismatch' | undefined {
  const values = (key: string) => value.parameters.filter(([tag]) => tag === key).map(([, text]) => text);
  const accounts = values('accounturi');
  // Two accounturi parameters in one record are unsatisfiable (Boulder); two records with one each are fine.
  if (accounts.length > 1 || (accounts.length === 1 && accounts[0] !== policy.accountUri)) return 'account_mismatch';
  const methods = values('validationmethods');
  if (methods.length > 1) return 'method_mismatch';
  if (methods.length === 1) {
    const list = methods[0]!.split(',');
    if (list.some((method) => !/^[a-z0-9-]+$/i.test(method)) || !list.includes(policy.validationMethod))
      return 'method_mismatch';
  }
  return undefined;
}

/** A record as a zone file writes it, for evidence. */
export function formatCaa(record: CaaRecord): string {
  return `${record.flags} ${record.tag} "${record.value}"`;
}

/**
 * RFC 8659 and Boulder's decision for a non-wildcard name. The relevant set is
 * the first non-empty answer, most specific name first; a lookup that failed
 * before it (or NXDOMAIN at a top-level domain) means the CA cannot decide.
 */
export function evaluateCaa(levels: readonly CaaLevel[], policy: CaaIssuerPolicy): CaaVerdict {
  let relevant: { level: CaaLevel; records: CaaRecord[] } | undefined;
  for (const level of levels) {
    const { answer } = level;
    if (answer.ok && answer.records.length > 0) {
      relevant = { level, records: answer.records };
      break;
    }
    if (answer.ok || answer.failure === 'nodata') continue;
    // NXDOMAIN counts as empty, except at a top-level domain, which always exists.
    if (answer.failure === 'nxdomain' && level.name.includes('.')) continue;
    return { allowed: false, name: level.name, reason: 'lookup_failed', listed: [], record: answer.detail };
  }
  if (!relevant) return { allowed: true, name: null, issuer: null, basis: 'no_records' };

  const name = relevant.level.via ?? relevant.level.name;
  const records = relevant.records;
  const critical = records.find(
    (record) => (record.flags & CRITICAL_BITS) !== 0 && !KNOWN_TAGS.has(record.tag.toLowerCase()),
  );
  if (critical) return { allowed: false, name, reason: 'critical_unknown', listed: [], record: formatCaa(critical) };

  // issuewild applies to wildcard names only; the platform never issues those.
  const issue = records.filter((record) => record.tag.toLowerCase() === 'issue');
  if (issue.length === 0) return { allowed: true, name, issuer: null, basis: 'no_issue_property' };

  const parsed = issue.map((record) => ({ record, value: parseIssueValue(record.value) }));
  const listed = parsed.flatMap(({ value }) => (value?.issuer ? [value.issuer] : []));
  let excluded: { reason: 'account_mismatch' | 'method_mismatch'; record: CaaRecord } | undefined;
  for (const { record, value } of parsed) {
    // Boulder compares issuer domains exactly, so `LetsEncrypt.org` authorises no one.
    if (!value || !policy.issuers.includes(value.issuer)) continue;
    const reason = exclusion(value, policy);
    if (!reason) return { allowed: true, name, issuer: value.issuer, basis: 'issue' };
    excluded ??= { reason, record };
  }
  if (excluded) return { allowed: false, name, reason: excluded.reason, listed, record: formatCaa(excluded.record) };
  const malformed = parsed.find(({ value }) => !value);
  if (malformed) return { allowed: false, name, reason: 'malformed', listed, record: formatCaa(malformed.record) };
  if (listed.length === 0) return { allowed: false, name, reason: 'forbids_all', listed };
  return { allowed: false, name, reason: 'not_listed', listed };
}
