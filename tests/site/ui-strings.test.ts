import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DOMAIN_REJECTION_MESSAGES } from '../../src/checks/domain.ts';
import { FINDING_CODES, type FindingCode } from '../../src/checks/findings.ts';
import { STEP_IDS } from '../../src/checks/steps.ts';
import {
  EVIDENCE_COUNT,
  blockedSentence,
  evidenceSentence,
  summarySentence,
  type Wording,
} from '../../src/site/evidence-text.ts';
import { locales } from '../../src/site/site.ts';
import {
  hasString,
  pluralBases,
  splitPluralKey,
  templateVariables,
  translate,
  type Strings,
} from '../../src/site/translate.ts';
import { DERIVED_KEYS, UI_STRING_KEYS, uiStringsSchemaFor } from '../../src/site/ui-strings.ts';
import { ROOT } from '../helpers/content.ts';

const LANGS = Object.values(locales).map((locale) => locale.lang);
const load = (lang: string): Record<string, string> =>
  JSON.parse(readFileSync(join(ROOT, `content/i18n/${lang}.json`), 'utf8')) as Record<string, string>;
const STRINGS = Object.fromEntries(LANGS.map((lang) => [lang, load(lang)])) as Record<string, Record<string, string>>;
const wordingOf = (lang: string): Wording => ({ strings: STRINGS[lang]!, lang });

/** Counts worth trying: none, one, two, a few, 21 (singular-looking in some languages), a million (CLDR `many`). */
const COUNTS = [0, 1, 2, 5, 21, 1_000_000];
/** Dates at the start and end of months, and days whose numbers need an elided article in Italian. */
const DATES = [
  '2026-12-01T09:00:00.000Z',
  '2026-01-31T09:00:00.000Z',
  '2026-12-08T09:00:00.000Z',
  '2027-01-11T09:00:00.000Z',
];
const TIMES = ['1:05:00', '13:05:00'];
const LONG_LIST = Array.from({ length: 16 }, (_, index) => `203.0.113.${index + 1}`);

/** Representative values for each variable a template may name; several for those whose shape changes a sentence. */
function valuesFor(name: string): (string | number)[] {
  switch (name) {
    case 'domain':
    case 'name':
    case 'found':
      return ['links.example.com', 'links.example.com.example.com'];
    case 'url':
    case 'to':
      return ['https://links.example.com/.well-known/link-tracking'];
    case 'date':
      return ['1 December 2026 at 09:00', '31 January 2026 at 23:59'];
    case 'time':
      return TIMES;
    case 'seconds':
      return [1, 10, 60];
    case 'number':
      return [1, 4];
    default:
      return [`«${name}»`];
  }
}

/** Every combination of the values a template names (the first value of each, then each alternative in turn). */
function combinations(variables: string[]): Record<string, string | number>[] {
  const first = Object.fromEntries(variables.map((name) => [name, valuesFor(name)[0]!]));
  const all = [first];
  for (const name of variables) for (const value of valuesFor(name).slice(1)) all.push({ ...first, [name]: value });
  return all;
}

/** Evidence shaped like the checks' own, for every value a sentence may name, in its empty, single and long forms. */
function evidenceFixtures(code: FindingCode): Record<string, unknown>[] {
  const names = new Set(LANGS.flatMap((lang) => variablesOfKey(STRINGS[lang]!, `tracklight.evidence.${code}`)));
  const base: Record<string, unknown> = {};
  for (const name of names) {
    if (['addresses', 'refused', 'allowed', 'names'].includes(name)) base[name] = ['192.0.2.10'];
    else if (name === 'steps') base[name] = ['branded-link'];
    else if (name === 'notAfter' || name === 'notBefore') base[name] = DATES[0];
    else if (name === 'limitKb') base.limitBytes = 16_384;
    else if (name === 'status') base[name] = 526;
    else if (name === 'count' || name === 'domain') continue;
    else base[name] = valuesFor(name)[0];
  }
  const fixtures = [base];
  const counted = EVIDENCE_COUNT[code];
  if (counted === 'daysLeft') for (const days of [0, 1, 2, 21, -1, -2, -21]) fixtures.push({ ...base, daysLeft: days });
  else if (counted === 'limit') for (const limit of COUNTS) fixtures.push({ ...base, limit });
  else if (counted === 'steps')
    for (const steps of [[], ['tls'], ['branded-link', 'tls']]) fixtures.push({ ...base, steps });
  else if (counted) {
    fixtures.push({ ...base, [counted]: [] }, { ...base, [counted]: ['10.0.0.5', '192.168.1.10'] });
    fixtures.push({ ...base, [counted]: LONG_LIST });
    if (counted === 'allowed')
      fixtures.push(Object.fromEntries(Object.entries(base).filter(([key]) => key !== 'allowed')));
  }
  for (const date of DATES.slice(1)) {
    if ('notAfter' in base) fixtures.push({ ...base, notAfter: date });
    if ('notBefore' in base) fixtures.push({ ...base, notBefore: date });
  }
  return fixtures;
}

function variablesOfKey(strings: Strings, key: string): string[] {
  const texts = Object.entries(strings)
    .filter(([entry]) => entry === key || splitPluralKey(entry)?.base === key)
    .map(([, text]) => text);
  return [...new Set(texts.flatMap(templateVariables))];
}

/** Leftovers of a sentence assembled from missing or empty parts. */
const LEFTOVERS: [string, RegExp][] = [
  ['an unreplaced {{…}}', /\{\{\w+\}\}/],
  ['a key instead of a sentence', /^tracklight\./],
  ['a doubled space', /[ \u00a0]{2}/],
  ['a space before punctuation', /[ \u00a0][.,;:!?)]/],
  ['empty parentheses', /\(\s*\)/],
  ['punctuation after punctuation', /[,;:(]\s*[.,;:]/],
  ['an empty slot before "but"', /(?:^|[\s(])(?:,|y|e|und|and)?\s*,\s*(?:but|pero|ma|aber)\b/],
  ['a leading or trailing space', /^\s|\s$/],
  ['a word of code', /\b(?:undefined|null|NaN)\b|\[object/],
];

/** Counts with the wrong form of the word after them, per language. */
const WRONG_PLURALS: Record<string, RegExp[]> = {
  en: [
    /(?:^|\D)1[\s\u00a0](?:days|redirects|checks|addresses)\b/,
    /(?:^|\D)(?:0|[2-9]|\d\d+)[\s\u00a0](?:day|redirect|check)\b(?!s)/,
    /(?:^|\D)1 need attention/,
    /(?:^|\D)(?:0|[2-9]|\d\d+) needs attention/,
  ],
  es: [
    /(?:^|\D)1[\s\u00a0](?:días|redirecciones|superadas|fallidas|requieren|comprobaciones completadas)\b/,
    /(?:^|\D)(?:0|[2-9]|\d\d+)[\s\u00a0](?:día|redirección|superada|fallida|requiere)\b/,
    /\d[\s\u00a0](?:superados|fallidos)\b/,
  ],
  it: [
    /(?:^|\D)1[\s\u00a0](?:giorni|reindirizzamenti|controlli|superati|non superati|richiedono)\b/,
    /(?:^|\D)(?:0|[2-9]|\d\d+)[\s\u00a0](?:giorno|reindirizzamento|controllo|superato|non superato|richiede)\b/,
  ],
  de: [
    /(?:^|\D)1[\s\u00a0](?:Tagen|Tage|Weiterleitungen|Prüfungen)\b(?! abgeschlossen)/,
    /(?:^|\D)(?:0|[2-9]|\d\d+)[\s\u00a0](?:Tag|Weiterleitung)\b(?!e)/,
  ],
};

/** Dates and times after words that do not fit every day: "il 8", "a las 1:05", "bis 8.". */
const DATE_TRAPS: Record<string, RegExp[]> = {
  en: [],
  es: [/\blas 1:\d/],
  it: [/\b(?:il|al|dal|del|alle) (?:1|8|11)\b/, /\b(?:il|al|dal|del) \d{1,2} \p{L}/u],
  de: [/\bbis \d/],
};

function problemsIn(lang: string, text: string): string[] {
  const found = LEFTOVERS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
  if (WRONG_PLURALS[lang]!.some((pattern) => pattern.test(text))) found.push('a count with the wrong plural form');
  if (DATE_TRAPS[lang]!.some((pattern) => pattern.test(text))) found.push('a date after a word that does not fit it');
  return found;
}

/** Everything a locale's strings can render: each key with every representative value and count. */
function renderAll(lang: string): { key: string; text: string }[] {
  const strings = STRINGS[lang]!;
  const wording = wordingOf(lang);
  const bases = pluralBases(strings);
  const plainKeys = Object.keys(strings).filter((key) => !bases.has(splitPluralKey(key)?.base ?? ''));
  const rendered: { key: string; text: string }[] = [];
  for (const key of [...plainKeys, ...bases]) {
    if (key.startsWith('tracklight.evidence.')) continue;
    const variables = variablesOfKey(strings, key).filter((name) => name !== 'count');
    const counts = bases.has(key) ? COUNTS : [undefined];
    for (const values of combinations(variables))
      for (const count of counts) {
        const all = count === undefined ? values : { ...values, count };
        rendered.push({ key, text: translate(strings, lang, key, all) });
      }
  }
  for (const code of FINDING_CODES)
    for (const evidence of evidenceFixtures(code))
      rendered.push({
        key: `tracklight.evidence.${code} ${JSON.stringify(evidence)}`,
        text: evidenceSentence(wording, { code, evidence }, 'links.example.com'),
      });
  for (const passed of [0, 1, 4])
    for (const failed of [0, 1, 2])
      rendered.push({
        key: `summary ${passed}/${failed}`,
        text: summarySentence(wording, 'links.example.com', { passed, attention: 1 - Math.min(1, failed), failed }),
      });
  for (const steps of [[], ['tls'], [...STEP_IDS]] as const)
    rendered.push({ key: `blocked ${steps.join(',')}`, text: blockedSentence(wording, steps) });
  return rendered;
}

describe('plural forms', () => {
  it('picks one/other by Intl.PluralRules, zero when the key has one, and other for a missing many', () => {
    const strings = { k_zero: 'none', k_one: '{{count}} day', k_other: '{{count}} days' };
    expect([0, 1, 2].map((count) => translate(strings, 'en', 'k', { count }))).toEqual(['none', '1 day', '2 days']);
    expect(translate({ k_one: '{{count}} día', k_other: '{{count}} días' }, 'es', 'k', { count: 1_000_000 })).toBe(
      '1000000 días',
    );
    expect(translate({ k_one: 'uno', k_many: 'muchos', k_other: 'otros' }, 'es', 'k', { count: 1_000_000 })).toBe(
      'muchos',
    );
  });

  it('keeps a gap visible: a missing key shows the key, a missing value its {{name}}', () => {
    expect(translate({}, 'en', 'tracklight.nothing')).toBe('tracklight.nothing');
    expect(translate({ k: 'Hello {{name}}.' }, 'en', 'k')).toBe('Hello {{name}}.');
  });

  it.each(LANGS)('the %s file carries every form its language needs, and no form it does not have', (lang) => {
    const parsed = uiStringsSchemaFor(lang).safeParse(STRINGS[lang]);
    expect(parsed.success, parsed.error?.message).toBe(true);
  });

  it('refuses a locale without a form its language needs, or with a form it does not have', () => {
    const german = { ...STRINGS.de };
    delete german['tracklight.panel.progress_one'];
    expect(uiStringsSchemaFor('de').safeParse(german).success).toBe(false);
    expect(uiStringsSchemaFor('de').safeParse({ ...STRINGS.de, 'tracklight.panel.progress_few': 'x' }).success).toBe(
      false,
    );
    const spanish = { ...STRINGS.es };
    delete spanish['tracklight.evidence.cname_missing_zero'];
    expect(uiStringsSchemaFor('es').safeParse(spanish).success, 'English has a zero form, so every locale must').toBe(
      false,
    );
    expect(uiStringsSchemaFor('es').safeParse({ ...STRINGS.es, 'tracklight.panel.progress_many': 'x' }).success).toBe(
      true,
    );
  });

  it('every sentence with a count is a plural key, and every count is named count', () => {
    for (const lang of LANGS) {
      const strings = STRINGS[lang]!;
      const bases = pluralBases(strings);
      for (const [key, text] of Object.entries(strings)) {
        const plural = bases.has(splitPluralKey(key)?.base ?? '');
        if (text.includes('{{count}}')) expect(plural, `${lang} ${key} uses {{count}}`).toBe(true);
        expect(text, `${lang} ${key}`).not.toMatch(/\{\{(?:done|days\w*|hops)\}\}/);
      }
    }
  });
});

describe('interface strings', () => {
  it('English has a title and an evidence sentence for every finding, and a message for every refusal', () => {
    const wanted = [
      ...DERIVED_KEYS,
      ...Object.keys(DOMAIN_REJECTION_MESSAGES).map((reason) => `tracklight.invalid.${reason}`),
    ];
    expect(wanted.filter((key) => !hasString(STRINGS.en!, key))).toEqual([]);
  });

  it.each(LANGS)('%s has every key of English, with a translation', (lang) => {
    for (const key of UI_STRING_KEYS) {
      const base = splitPluralKey(key)?.base;
      const present = base ? hasString(STRINGS[lang]!, base) : STRINGS[lang]![key] !== undefined;
      expect(present, key).toBe(true);
    }
  });
});

describe('every string of every locale, rendered', () => {
  it.each(LANGS)('%s: no leftovers, no wrong plural, no date that does not fit', (lang) => {
    const rendered = renderAll(lang);
    expect(rendered.length).toBeGreaterThan(300);
    const problems = rendered.flatMap(({ key, text }) =>
      problemsIn(lang, text).map((what) => `${key}: ${what}: ${text}`),
    );
    expect(problems).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    expect(problemsIn('en', 'It answers with .')).toContain('a space before punctuation');
    expect(problemsIn('en', 'The CAA records allow , but not letsencrypt.org.')).toContain(
      'a space before punctuation',
    );
    expect(problemsIn('en', 'in 1 days')).toContain('a count with the wrong plural form');
    expect(problemsIn('es', '1 fallidos')).not.toEqual([]);
    expect(problemsIn('es', 'Última comprobación a las 1:05:00.')).toContain(
      'a date after a word that does not fit it',
    );
    expect(problemsIn('it', 'Scade il 8 dicembre 2026.')).toContain('a date after a word that does not fit it');
    expect(problemsIn('it', '1 controlli completati su 7')).toContain('a count with the wrong plural form');
    expect(problemsIn('de', 'Vor 1 Tagen abgelaufen')).toContain('a count with the wrong plural form');
    expect(problemsIn('de', 'bis 8. Dezember 2026')).toContain('a date after a word that does not fit it');
    expect(problemsIn('en', 'Hello  {{name}}')).toEqual(['an unreplaced {{…}}', 'a doubled space']);
  });

  it('names steps inside sentences as "Step 2: …", never as an ordinal', () => {
    const german = blockedSentence(wordingOf('de'), ['branded-link']);
    expect(german).toContain('Schritt 2: Link-Domain');
    expect(evidenceSentence(wordingOf('es'), { code: 'https_blocked', evidence: { steps: ['tls'] } }, 'x')).toContain(
      'Paso 3: ',
    );
    expect(evidenceSentence(wordingOf('it'), { code: 'https_blocked', evidence: { steps: ['tls'] } }, 'x')).toContain(
      'Passo 3: ',
    );
  });

  it('says the redirect limit the guide names, not the hop that exceeded it', () => {
    const text = evidenceSentence(
      wordingOf('en'),
      { code: 'too_many_redirects', evidence: { limit: 10, hops: 11, url: 'https://x.example/' } },
      'x.example',
    );
    expect(text).toBe('More than 10 redirects, the last one at https://x.example/.');
  });
});
