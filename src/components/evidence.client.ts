import type { CheckResult } from '../checks/types.ts';
import { evidenceSentence as sentence } from '../site/evidence-text.ts';
import { wording } from './strings.client.ts';

/** The sentence that says what a check found, in the page's language, e.g. "links.example.com points at old.example.net." */
export function evidenceSentence(result: CheckResult, domain: string): string {
  return sentence(wording(), result, domain);
}
