import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

import type { AstroIntegration } from 'astro';

import { findDeadEnds } from '../site/dead-ends.ts';
import { precompress } from './precompress.ts';

/**
 * The on-demand pages that stay Astro's (the API is the app's, in `src/server/app.ts`),
 * and the file under `src/server/routes/` that answers each.
 */
const ROUTES: Record<string, string> = {
  '/sign-in': 'sign-in.ts',
  '/reports/[id]': 'report-permalink.ts',
};

/**
 * Adds the on-demand pages from `src/server/routes/`, so the repository root
 * has no `pages/` folder; refuses a build whose pages send the reader to
 * support instead of to a fix; and precompresses the built files (Brotli and
 * gzip) so the server sends them without compressing on every request.
 */
export default function tracklight(): AstroIntegration {
  return {
    name: 'tracklight',
    hooks: {
      'astro:config:setup': ({ injectRoute }) => {
        for (const [pattern, file] of Object.entries(ROUTES)) {
          injectRoute({ pattern, entrypoint: `./src/server/routes/${file}`, prerender: false });
        }
      },
      'astro:build:done': async ({ dir, logger }) => {
        const root = fileURLToPath(dir);
        const problems: string[] = [];
        for (const file of await builtPages(root)) {
          const text = htmlToText(await readFile(file, 'utf8'));
          for (const phrase of findDeadEnds(text)) problems.push(`${relative(root, file)}: "${phrase}"`);
        }
        if (problems.length > 0) {
          throw new Error(
            `Pages send the reader to support instead of to a fix. Link the matching troubleshooting entry instead:\n${problems.join('\n')}`,
          );
        }
        logger.info('No page ends in "contact support".');
        const compressed = await precompress(join(root));
        logger.info(`Precompressed ${compressed} files (Brotli and gzip).`);
      },
    },
  };
}

/** Every HTML and text page of the built site. */
async function builtPages(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(?:html|txt)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The readable text of a page: scripts, styles and tags removed, entities left as they are. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}
