import { z } from 'zod';

import english from '../../content/i18n/en.json' with { type: 'json' };
import { CAA_BLOCK_REASONS } from '../checks/caa-policy.ts';
import { FINDING_CODES, type FindingCode } from '../checks/findings.ts';
import {
  allowedPluralForms,
  pluralBases,
  requiredPluralForms,
  splitPluralKey,
  type PluralForm,
  type Strings,
} from './translate.ts';

/**
 * The interface strings: Starlight's own keys plus the ones this site adds.
 * English (`content/i18n/en.json`) is the source of the keys; the schema makes
 * every other locale file carry every key, so a missing translation fails the build.
 */
export type UiStringKey = keyof typeof english;

/** English, the source of every key. */
export const ENGLISH_STRINGS: Strings = english;

/** Every key a locale must translate (plural keys with English's forms, e.g. `…progress_one`). */
export const UI_STRING_KEYS = Object.keys(english) as UiStringKey[];

/** The key of a finding's one-line title, e.g. `tracklight.finding.cname_missing`. */
export const findingTitleKey = (code: FindingCode) => `tracklight.finding.${code}` as const;

/** The key of the sentence that states a finding's evidence, e.g. `tracklight.evidence.cert_expired`. */
export const findingEvidenceKey = (code: FindingCode) => `tracklight.evidence.${code}` as const;

/** The evidence sentence of a finding that says why, e.g. `tracklight.evidence.caa_blocks_issuer.forbids_all`. */
export const findingReasonEvidenceKey = (code: FindingCode, reason: string) =>
  `tracklight.evidence.${code}.${reason}` as const;

/** The keys the code builds from finding codes; each must exist in English, plain or plural (a test checks it). */
export const DERIVED_KEYS = [
  ...FINDING_CODES.flatMap((code) => [findingTitleKey(code), findingEvidenceKey(code)]),
  ...CAA_BLOCK_REASONS.map((reason) => findingReasonEvidenceKey('caa_blocks_issuer', reason)),
];

/**
 * The schema of the keys in any locale's `content/i18n/<lang>.json`: every
 * plain key of English. Plural forms differ by language, so they are checked
 * per locale by `uiStringsSchemaFor` (see `localisedI18nLoader`).
 */
export const UiStringsSchema = z.object(
  Object.fromEntries(
    UI_STRING_KEYS.filter((key) => splitPluralKey(key) === undefined).map((key) => [key, z.string().min(1)]),
  ) as Record<UiStringKey, z.ZodString>,
);

/**
 * The schema of one locale's strings, given English as the source of keys:
 * every plain key of English, and for every plural key the forms the locale's
 * language needs (plus `zero` where English has one, because the sentence
 * changes for nothing at all). Forms the language does not have are refused.
 */
export function uiStringsSchemaFor(lang: string, english: Strings = ENGLISH_STRINGS) {
  const bases = pluralBases(english);
  const required: string[] = [];
  for (const key of Object.keys(english)) if (!bases.has(splitPluralKey(key)?.base ?? '')) required.push(key);
  for (const base of bases) {
    const forms = new Set<PluralForm>(requiredPluralForms(lang));
    if (english[`${base}_zero`] !== undefined) forms.add('zero');
    for (const form of forms) required.push(`${base}_${form}`);
  }
  const allowed = new Set(allowedPluralForms(lang));
  return z
    .looseObject(Object.fromEntries(required.map((key) => [key, z.string().min(1)])))
    .superRefine((strings, context) => {
      for (const key of Object.keys(strings)) {
        const split = splitPluralKey(key);
        if (!split || !bases.has(split.base) || allowed.has(split.form)) continue;
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `"${lang}" has no plural form "${split.form}"; use ${[...allowed].join(', ')}.`,
        });
      }
    });
}
