import { z } from 'zod';

/** The site's languages as the glossary names them (`lang`, not the locale key). */
export const GLOSSARY_LANGS = ['en', 'es', 'it', 'de'] as const;

/** One word per language. */
const PerLanguage = z.object(
  Object.fromEntries(GLOSSARY_LANGS.map((lang) => [lang, z.string().min(1)])) as {
    [K in (typeof GLOSSARY_LANGS)[number]]: z.ZodString;
  },
);

/** Optional entries per language. */
const SomeLanguages = <T extends z.ZodType>(value: T) =>
  z.object(
    Object.fromEntries(GLOSSARY_LANGS.map((lang) => [lang, value.optional()])) as {
      [K in (typeof GLOSSARY_LANGS)[number]]: z.ZodOptional<T>;
    },
  );

/** A regular expression source, checked to compile. */
const Pattern = z.string().refine((source) => {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** One decided term of `content/glossary.yaml`. */
export const GlossaryTermSchema = z.strictObject({
  /** A stable kebab-case name for the term. */
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  /** Why the term is worded this way, for writers. */
  note: z.string().optional(),
  /** The word to write, in each language. */
  use: PerLanguage,
  /** How the term is introduced the first time a page of that language uses it. */
  firstMention: SomeLanguages(z.string().min(1)).optional(),
  /** Wordings (regular expressions) that must not appear in that language. */
  avoid: SomeLanguages(z.array(Pattern).min(1)).optional(),
});

/** The glossary: terms with unique ids. */
export const GlossarySchema = z
  .array(GlossaryTermSchema)
  .min(1)
  .refine((terms) => new Set(terms.map((term) => term.id)).size === terms.length, 'glossary ids must be unique');

/** One glossary term. */
export type GlossaryTerm = z.output<typeof GlossaryTermSchema>;
