import { z } from 'astro/zod';

/**
 * What this site adds to Starlight's frontmatter. One topic is covered by one
 * page per locale and version: a second page on the same topic fails the tests,
 * so writers extend the canonical page instead of starting another.
 */
export const PageFrontmatterSchema = z.object({
  topic: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'topic must be kebab-case, e.g. "https-link-tracking"')
    .describe('The one subject this page owns. No two pages of a locale and version share a topic.'),
});

/** The frontmatter fields this site adds to every page. */
export type PageFrontmatter = z.output<typeof PageFrontmatterSchema>;
