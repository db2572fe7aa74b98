import { z } from 'astro/zod';

import { FINDING_CODES } from '../checks/findings.ts';

/**
 * The keys of the interface strings this site adds to Starlight's. The text of
 * each lives in `content/i18n/<lang>.json`; the schema requires every key in
 * every locale, so a missing translation fails the build.
 */
export const UI_STRING_KEYS = [
  'tracklight.dnsRecord.name',
  'tracklight.dnsRecord.type',
  'tracklight.dnsRecord.target',
  'tracklight.dnsRecord.ttl',
  'tracklight.dnsRecord.ttlValue',
  'tracklight.dnsRecord.zoneFile',
  'starlightVersions.link.latest',
  'starlightVersions.outdated.label',
  'starlightVersions.outdated.slug',
  'starlightVersions.search.link.latest',
  'starlightVersions.search.outdated.label',
  'starlightVersions.search.outdated.slug',
  'starlightVersions.select.accessibleLabel',
] as const;

/** The key of a finding's one-line title, e.g. `tracklight.finding.cname_missing`. */
export const findingTitleKey = (code: string) => `tracklight.finding.${code}` as const;

/** A key of an interface string this site adds. */
export type UiStringKey = (typeof UI_STRING_KEYS)[number] | ReturnType<typeof findingTitleKey>;

/** Every key each locale must translate: the fixed ones, then one title per finding code. */
export const ALL_UI_STRING_KEYS: readonly UiStringKey[] = [...UI_STRING_KEYS, ...FINDING_CODES.map(findingTitleKey)];

/** The schema of the added keys in a locale's `content/i18n/<lang>.json`. */
export const UiStringsSchema = z.object(
  Object.fromEntries(ALL_UI_STRING_KEYS.map((key) => [key, z.string().min(1)])) as Record<UiStringKey, z.ZodString>,
);
