import { z } from 'zod';

import english from '../../content/i18n/en.json' with { type: 'json' };
import { CAA_BLOCK_REASONS } from '../checks/caa-policy.ts';
import { FINDING_CODES, type FindingCode } from '../checks/findings.ts';

/**
 * The interface strings: Starlight's own keys plus the ones this site adds.
 * English (`content/i18n/en.json`) is the source of the keys; the schema makes
 * every other locale file carry every key, so a missing translation fails the build.
 */
export type UiStringKey = keyof typeof english;

/** Every key a locale must translate. */
export const UI_STRING_KEYS = Object.keys(english) as UiStringKey[];

/** The key of a finding's one-line title, e.g. `tracklight.finding.cname_missing`. */
export const findingTitleKey = (code: FindingCode) => `tracklight.finding.${code}` as const;

/** The key of the sentence that states a finding's evidence, e.g. `tracklight.evidence.cert_expired`. */
export const findingEvidenceKey = (code: FindingCode) => `tracklight.evidence.${code}` as const;

/** The evidence sentence of a finding that says why, e.g. `tracklight.evidence.caa_blocks_issuer.forbids_all`. */
export const findingReasonEvidenceKey = (code: FindingCode, reason: string) =>
  `tracklight.evidence.${code}.${reason}` as const;

/** The keys the code builds from finding codes; each must exist in English (a test checks it). */
export const DERIVED_KEYS = [
  ...FINDING_CODES.flatMap((code) => [findingTitleKey(code), findingEvidenceKey(code)]),
  ...CAA_BLOCK_REASONS.map((reason) => findingReasonEvidenceKey('caa_blocks_issuer', reason)),
];

/** The schema of the keys in a locale's `content/i18n/<lang>.json`. */
export const UiStringsSchema = z.object(
  Object.fromEntries(UI_STRING_KEYS.map((key) => [key, z.string().min(1)])) as Record<UiStringKey, z.ZodString>,
);
