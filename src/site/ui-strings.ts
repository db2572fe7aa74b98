import { z } from 'astro/zod';

/**
 * The interface strings this site adds to Starlight's, with their English text.
 * Every key must be translated in every locale file in `content/i18n/`; a test
 * enforces it.
 */
export const UI_STRINGS = {
  'tracklight.noscript.title': 'Run the checks from your terminal',
  'tracklight.noscript.body':
    'The live checks on this page need JavaScript. The same checks run from the command line:',
} as const;

/** A key of an interface string this site adds. */
export type UiStringKey = keyof typeof UI_STRINGS;

/** The schema of the added keys in a locale's `content/i18n/<lang>.json`. */
export const UiStringsSchema = z.object(
  Object.fromEntries(
    Object.keys(UI_STRINGS).map((key) => [key, z.string().optional()]),
  ) as Record<UiStringKey, z.ZodOptional<z.ZodString>>,
);
