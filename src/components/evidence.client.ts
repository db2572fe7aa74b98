import type { CheckResult } from '../checks/types.ts';
import { evidenceSentence as sentence, unicodeDomain } from '../site/evidence-text.ts';
import { wording } from './strings.client.ts';

let decode: ((domain: string) => string) | undefined;

/**
 * Loads the Punycode decoder when an internationalised name is checked (typed
 * in Unicode, or in its `xn--` form), so every other reader's page does not
 * download it.
 */
export async function prepareDomain(domain: string): Promise<void> {
  if (decode || !/(^|\.)xn--|[^\x00-\x7f]/i.test(domain)) return;
  decode = (await import('../site/punycode.ts')).toUnicode;
}

/**
 * A domain as its owner writes it, for the input, buttons and announcements:
 * `bücher.example` rather than `xn--bcher-kva.example`. The ASCII form stays
 * in the evidence, beside it.
 */
export function readableDomain(ascii: string): string {
  return decode ? unicodeDomain(ascii, decode) : ascii;
}

/** The sentence that says what a check found, in the page's language, e.g. "links.example.com points at old.example.net." */
export function evidenceSentence(result: CheckResult, domain: string): string {
  return sentence(wording(), result, domain, decode);
}
