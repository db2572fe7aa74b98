import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

import type { AstroIntegration } from 'astro';

import { findDeadEnds } from '../site/dead-ends.ts';

/** Every on-demand route of the site, and the file under `src/server/routes/` that answers it. */
const ROUTES: Record<string, string> = {
  '/api/health': 'health.ts',
  '/api/checks': 'checks.ts',
  '/api/checks/stream': 'checks-stream.ts',
  '/api/account': 'account.ts',
  '/api/account/click-tracking': 'account-click-tracking.ts',
  '/api/account/https': 'account-https.ts',
  '/api/sign-out': 'sign-out.ts',
  '/sign-in': 'sign-in.ts',
  '/api/reports': 'reports.ts',
  '/api/reports/[id]': 'report.ts',
  '/reports/[id]': 'report-permalink.ts',
};

/**
 * Adds the site's server side (API routes) from `src/server/`, so the
 * repository root has no `pages/` folder, and refuses a build whose pages send
 * the reader to support instead of to a fix.
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
