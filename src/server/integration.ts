import { readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

import type { AstroIntegration } from 'astro';

import { BUILD_VALUES_FILE, guideModule, type BuildValues } from '../site/build-values.ts';
import { findDeadEnds } from '../site/dead-ends.ts';
import { describeStatus, outdatedIds, translationStatus } from '../site/translation-status.ts';
import { precompress } from './precompress.ts';

/**
 * The on-demand pages that stay Astro's (the API is the app's, in `src/server/app.ts`),
 * and the file under `src/server/routes/` that answers each.
 */
const ROUTES: Record<string, string> = {
  '/sign-in': 'sign-in.ts',
  '/reports/[id]': 'report-permalink.ts',
};

/** The module the guide's MDX and components read the configured values from. */
export const VALUES_MODULE = 'virtual:tracklight/values';

/**
 * Adds the on-demand pages from `src/server/routes/`, so the repository root
 * has no `pages/` folder; gives the pages the configured values (`values`, the
 * same variables the server reads) and records them beside the build; refuses
 * a build whose pages send the reader to support instead of to a fix; and
 * precompresses the built files (Brotli and gzip) so the server sends them
 * without compressing on every request.
 */
export default function tracklight({ values }: { values: BuildValues }): AstroIntegration {
  let outDir: URL | undefined;
  const resolved = `\0${VALUES_MODULE}`;
  return {
    name: 'tracklight',
    hooks: {
      'astro:config:setup': ({ injectRoute, updateConfig, logger, command }) => {
        for (const [pattern, file] of Object.entries(ROUTES)) {
          injectRoute({ pattern, entrypoint: `./src/server/routes/${file}`, prerender: false });
        }
        // Translations older than their English page get a note to readers (src/components/overrides/Banner.astro).
        const translations = translationStatus();
        if (command === 'build') logger.info(describeStatus(translations));
        const source = Object.entries({ ...guideModule(values), outdatedTranslations: outdatedIds(translations) })
          .map(([name, value]) => `export const ${name} = ${JSON.stringify(value)};`)
          .join('\n');
        updateConfig({
          vite: {
            plugins: [
              {
                name: 'tracklight-values',
                resolveId: (id: string) => (id === VALUES_MODULE ? resolved : undefined),
                load: (id: string) => (id === resolved ? source : undefined),
              },
            ],
          },
        });
      },
      'astro:config:done': ({ config }) => {
        outDir = config.outDir;
      },
      'astro:build:done': async ({ dir, logger }) => {
        const root = fileURLToPath(dir);
        // The server compares its own values with these before it listens (src/server/serve.ts).
        const record = fileURLToPath(new URL(BUILD_VALUES_FILE, outDir));
        await writeFile(record, `${JSON.stringify(values, null, 2)}\n`);
        logger.info(
          `Built with ${Object.entries(values)
            .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : (value ?? '(not set)')}`)
            .join(' ')}`,
        );
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
