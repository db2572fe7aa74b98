import type { CheckResult } from '../checks/types.ts';
import { evidenceSentence as sentence } from '../site/evidence-text.ts';
import { wording } from './strings.client.ts';

let decode: ((domain: string) => string) | undefined;

/**
 * Loads the Punycode decoder when an internationalised name is checked, so
 * every other reader's page does not download it.
 */
export async function prepareDomain(domain: string): Promise<void> {
  if (decode || !/(^|\.)xn--/i.test(domain)) return;
  decode = (await import('../site/punycode.ts')).toUnicode;
}

/** The sentence that says what a check found, in the page's language, e.g. "links.example.com points at old.example.net." */
export function evidenceSentence(result: CheckResult, domain: string): string {
  return sentence(wording(), result, domain, decode);
}
