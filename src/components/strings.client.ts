import { translate, type TemplateValues } from '../site/translate.ts';
import type { Wording } from '../site/evidence-text.ts';

/** The page's interface strings, rendered once by the setup panel in the reader's language. */
let strings: Record<string, string> | undefined;

/** The page's language, for dates, lists and plural forms. */
export const lang = () => document.documentElement.lang || 'en';

/** The page's strings and language, for the shared sentence builders in `src/site/evidence-text.ts`. */
export function wording(): Wording {
  strings ??= JSON.parse(document.getElementById('tl-strings')?.textContent ?? '{}') as Record<string, string>;
  return { strings, lang: lang() };
}

/** The string for `key` with each `{{name}}` replaced and its plural form chosen by `count`; the key itself when missing, so a gap shows. */
export function t(key: string, values: TemplateValues = {}): string {
  const { strings: all, lang: language } = wording();
  return translate(all, language, key, values);
}
