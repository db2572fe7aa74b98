import type { FindingCode } from '../checks/findings.ts';
import { STEP_IDS, type StepId } from '../checks/steps.ts';
import type { CheckResult } from '../checks/types.ts';
import { translate, type Strings } from './translate.ts';

/**
 * Words for check results, in any language, for the page, the CLI and the
 * tests alike: the engine returns codes and evidence, and these functions
 * choose the sentence, its plural form and its empty-list variant.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;
/** A host name with an internationalised label, as DNS writes it (`links.xn--bcher-kva.example`). */
const PUNYCODE_NAME = /^(?:[a-z0-9-]+\.)*xn--[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?$/i;

/**
 * Which evidence value a finding's sentence counts, for its plural form: a
 * list counts its items (0 picks the sentence's `_zero` variant), a number of
 * days counts whole days either side of today.
 */
export const EVIDENCE_COUNT: Partial<Record<FindingCode, string>> = {
  proxied: 'addresses',
  cname_missing: 'addresses',
  address_not_public: 'refused',
  caa_blocks_issuer: 'allowed',
  cert_ok: 'daysLeft',
  cert_expiring_soon: 'daysLeft',
  cert_expired: 'daysLeft',
  cert_hostname_mismatch: 'names',
  cert_self_signed: 'names',
  too_many_redirects: 'limit',
  https_blocked: 'steps',
};

/** A language's tools for values inside sentences. */
export interface Wording {
  strings: Strings;
  lang: string;
}

/** The string for `key`, plural-aware: see `translate`. */
export function say({ strings, lang }: Wording, key: string, values: Record<string, string | number> = {}): string {
  return translate(strings, lang, key, values);
}

/** A list as the language joins it: "a, b and c". */
export function list({ lang }: Wording, items: readonly string[]): string {
  return new Intl.ListFormat(lang, { type: 'conjunction' }).format(items);
}

/**
 * A domain as its owner writes it: an internationalised name in Unicode, with
 * the ASCII form the checks (and DNS) used beside it, e.g. "bücher.example
 * (xn--bcher-kva.example)". An ASCII name stays as it is.
 */
export function displayDomain(ascii: string, toUnicode: (domain: string) => string): string {
  const unicode = unicodeDomain(ascii, toUnicode);
  return unicode === ascii ? ascii : `${unicode} (${ascii})`;
}

/** A domain in Unicode alone (for labels and announcements); as DNS has it when a label is not valid Punycode. */
export function unicodeDomain(ascii: string, toUnicode: (domain: string) => string): string {
  try {
    return toUnicode(ascii);
  } catch {
    return ascii;
  }
}

/** A date alone, long form ("8 December 2026"); sentences put it after a colon or a word that fits any day. */
export function longDate({ lang }: Wording, iso: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long' }).format(new Date(iso));
}

/** The name of a step inside a sentence: "Step 2: Branded link", never an ordinal-looking "2. Branded link". */
export function stepInSentence(wording: Wording, step: StepId): string {
  return say(wording, 'tracklight.stepInSentence', {
    number: STEP_IDS.indexOf(step) + 1,
    name: say(wording, `tracklight.stepName.${step}`),
  });
}

/**
 * One evidence value as a reader reads it: lists joined, dates in their
 * language, internationalised names in Unicode beside their ASCII form. Plain
 * text, never HTML.
 */
function format(wording: Wording, value: unknown, toUnicode: (domain: string) => string): string {
  if (Array.isArray(value))
    return list(
      wording,
      value.map((item) => format(wording, item, toUnicode)),
    );
  if (typeof value === 'string' && ISO_DATE.test(value)) return longDate(wording, value);
  if (typeof value === 'string' && PUNYCODE_NAME.test(value)) return displayDomain(value, toUnicode);
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The count a finding's sentence is about, or undefined when it has none. */
export function evidenceCount(code: FindingCode, evidence: Record<string, unknown>): number | undefined {
  const field = EVIDENCE_COUNT[code];
  if (field === undefined) return undefined;
  const value = evidence[field];
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'number') return Math.abs(value);
  // A missing list (e.g. a CAA lookup that failed) is an empty one.
  return 0;
}

/**
 * The sentence that says what a check found, e.g. "links.example.com points at
 * old.example.net."; with a Punycode decoder, an internationalised name reads in Unicode.
 */
export function evidenceSentence(
  wording: Wording,
  result: Pick<CheckResult, 'code' | 'evidence'>,
  domain: string,
  toUnicode: (domain: string) => string = (ascii) => ascii,
) {
  const evidence = result.evidence;
  const values: Record<string, string | number> = { domain: displayDomain(domain, toUnicode) };
  for (const [key, value] of Object.entries(evidence)) values[key] = format(wording, value, toUnicode);
  if (typeof evidence.limitBytes === 'number') values.limitKb = String(Math.round(evidence.limitBytes / 1024));
  if (Array.isArray(evidence.steps))
    values.steps = list(
      wording,
      evidence.steps.map((step) => stepInSentence(wording, String(step) as StepId)),
    );
  // A managed certificate's state and failure reason are codes: they read as the language's words.
  if (typeof evidence.state === 'string')
    values.stateName = say(wording, `tracklight.certificateState.${evidence.state}`);
  if (typeof evidence.failure === 'string')
    values.failureReason = say(wording, `tracklight.certificateFailure.${evidence.failure}`);
  const count = evidenceCount(result.code, evidence);
  if (count !== undefined) values.count = count;
  // The key is built here rather than imported, so the page's script does not bundle English.
  const key = `tracklight.evidence.${result.code}`;
  // A finding that says why (caa_blocks_issuer's reason) has a sentence per reason.
  const reasonKey = typeof evidence.reason === 'string' ? `${key}.${evidence.reason}` : undefined;
  return say(wording, reasonKey && reasonKey in wording.strings ? reasonKey : key, values);
}

/** How many checks passed, need attention and failed, e.g. "links.example.com: 4 passed, 1 needs attention, 1 failed." */
export function summarySentence(
  wording: Wording,
  domain: string,
  counts: { passed: number; attention: number; failed: number },
): string {
  return say(wording, 'tracklight.panel.summary', {
    domain,
    passed: say(wording, 'tracklight.count.passed', { count: counts.passed }),
    attention: say(wording, 'tracklight.count.attention', { count: counts.attention }),
    failed: say(wording, 'tracklight.count.failed', { count: counts.failed }),
  });
}

/** Why turning HTTPS on was refused: the failing steps, or a sentence of its own when the answer named none. */
export function blockedSentence(wording: Wording, steps: readonly StepId[]): string {
  const unique = [...new Set(steps)];
  return say(wording, 'tracklight.account.blocked', {
    count: unique.length,
    steps: list(
      wording,
      unique.map((step) => stepInSentence(wording, step)),
    ),
  });
}
