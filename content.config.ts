import { defineCollection } from 'astro:content';
import { docsLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { docsVersionsLoader } from 'starlight-versions/loader';

import { PageFrontmatterSchema } from './src/site/frontmatter.ts';
import { localisedI18nLoader } from './src/site/i18n-loader.ts';
import { UiStringsSchema } from './src/site/ui-strings.ts';

export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema({ extend: PageFrontmatterSchema }) }),
  i18n: defineCollection({ loader: localisedI18nLoader(), schema: i18nSchema({ extend: UiStringsSchema }) }),
  versions: defineCollection({ loader: docsVersionsLoader() }),
};
