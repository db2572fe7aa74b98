import type { Loader } from 'astro/loaders';
import { i18nLoader } from '@astrojs/starlight/loaders';

import { uiStringsSchemaFor } from './ui-strings.ts';

/**
 * Starlight's i18n loader, plus a check of each file against its own
 * language: the collection schema cannot know which locale a file is, and
 * plural forms differ by language, so this refuses e.g. a German file that
 * lacks `…_one`, naming the file and the key.
 */
export function localisedI18nLoader(): Loader {
  const inner = i18nLoader();
  return {
    ...inner,
    load: (context) =>
      inner.load({
        ...context,
        parseData: async (entry) => {
          const checked = uiStringsSchemaFor(entry.id).safeParse(entry.data);
          if (!checked.success) {
            const issues = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
            throw new Error(`content/i18n/${entry.id}: ${issues.join('; ')}`);
          }
          return context.parseData(entry);
        },
      }),
  };
}
