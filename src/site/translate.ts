/**
 * Interface strings with plural forms, in i18next's JSON v4 layout (the one
 * Starlight's own `t()` reads): a sentence with a count is stored as
 * `key_one`, `key_other`, … one entry per CLDR plural category its language
 * uses, plus an optional `key_zero` for the count 0 ("today", "no addresses").
 * The count is always the value named `count`.
 */

/** The plural suffixes a key may carry, in CLDR's order. */
export const PLURAL_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;

/** One plural suffix. */
export type PluralForm = (typeof PLURAL_FORMS)[number];

/** A locale's interface strings, key to template. */
export type Strings = Readonly<Record<string, string>>;

/** Values a template may name: `{{name}}`; `count` also chooses the plural form. */
export type TemplateValues = Readonly<Record<string, string | number>>;

const SUFFIX = new RegExp(`^(.+)_(${PLURAL_FORMS.join('|')})$`);

/** The base key and plural form of a key such as `tracklight.panel.progress_one`, or undefined for a plain key. */
export function splitPluralKey(key: string): { base: string; form: PluralForm } | undefined {
  const match = SUFFIX.exec(key);
  return match ? { base: match[1]!, form: match[2] as PluralForm } : undefined;
}

/** The base keys of `strings` that have plural forms: every key that has an `_other` entry. */
export function pluralBases(strings: Strings): Set<string> {
  return new Set(
    Object.keys(strings)
      .map(splitPluralKey)
      .filter((split) => split?.form === 'other')
      .map((split) => split!.base),
  );
}

/**
 * The plural categories a language needs for the counts this site shows (whole
 * numbers up to 1000: days, checks, seconds, addresses). Spanish and Italian
 * `many` only applies to millions, so it is optional there and falls back to
 * `other`; a language that says "5 dni" with `many` would need it.
 */
export function requiredPluralForms(lang: string): PluralForm[] {
  const rules = new Intl.PluralRules(lang);
  const used = new Set<string>();
  for (let n = 0; n <= 1000; n += 1) used.add(rules.select(n));
  return PLURAL_FORMS.filter((form) => used.has(form));
}

/** Every plural form a language may carry: its CLDR categories, and `zero` for the count 0. */
export function allowedPluralForms(lang: string): PluralForm[] {
  const categories = new Set<string>(new Intl.PluralRules(lang).resolvedOptions().pluralCategories);
  return PLURAL_FORMS.filter((form) => form === 'zero' || categories.has(form));
}

/** The form a count takes in `lang`: `zero` for 0 when the key has one, else CLDR's category, else `other`. */
export function pluralFormFor(strings: Strings, lang: string, base: string, count: number): PluralForm {
  if (count === 0 && strings[`${base}_zero`] !== undefined) return 'zero';
  const category = new Intl.PluralRules(lang).select(count) as PluralForm;
  return strings[`${base}_${category}`] !== undefined ? category : 'other';
}

/** True when `key` names a string of `strings`, plain or with plural forms. */
export function hasString(strings: Strings, key: string): boolean {
  return strings[key] !== undefined || strings[`${key}_other`] !== undefined;
}

/**
 * The string for `key` in `lang` with each `{{name}}` replaced. A key with
 * plural forms picks its form from `values.count`. A missing key returns the
 * key and a missing value keeps its `{{name}}`, so a gap shows instead of a
 * sentence that silently loses a word.
 */
export function translate(strings: Strings, lang: string, key: string, values: TemplateValues = {}): string {
  let template = strings[key];
  if (template === undefined && strings[`${key}_other`] !== undefined && typeof values.count === 'number')
    template = strings[`${key}_${pluralFormFor(strings, lang, key, values.count)}`];
  if (template === undefined) return key;
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    values[name] === undefined ? whole : String(values[name]),
  );
}

/** The `{{names}}` a template uses. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]!);
}
