import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse as parseYaml } from 'yaml';

import { LEGACY_VERSION, locales, type LocaleKey } from '../../src/site/site.ts';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the docs pages live. */
export const DOCS_DIR = join(ROOT, 'content/docs');

/** One MDX page of the site, read from disk. */
export interface DocPage {
  /** Path relative to `content/docs`, with `/` separators. */
  path: string;
  locale: LocaleKey;
  version: 'current' | typeof LEGACY_VERSION.slug;
  /** The page's path inside its locale and version, e.g. `guides/https-link-tracking.mdx`. */
  localPath: string;
  frontmatter: Record<string, unknown>;
  body: string;
}

/** Every page under `content/docs`, with its locale and version worked out from its path. */
export function loadPages(dir = DOCS_DIR): DocPage[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.mdx?$/.test(file))
    .map((file) => {
      const path = relative(dir, join(dir, file)).split(sep).join('/');
      const segments = path.split('/');
      const locale = (
        segments[0] && segments[0] !== 'root' && segments[0] in locales ? segments.shift() : 'root'
      ) as LocaleKey;
      const version =
        segments[0] === LEGACY_VERSION.slug ? (segments.shift() as typeof LEGACY_VERSION.slug) : 'current';
      const source = readFileSync(join(dir, file), 'utf8');
      const match = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(source);
      return {
        path,
        locale,
        version,
        localPath: segments.join('/'),
        frontmatter: match ? (parseYaml(match[1]!) as Record<string, unknown>) : {},
        body: match ? match[2]! : source,
      };
    });
}

/** The fixed ids of a page: `{/* #id *\/}` heading comments and `<hN id="id">` headings. */
export function fixedAnchors(body: string): string[] {
  const fromComments = [...body.matchAll(/\{\/\*\s*#([a-z0-9-]+)\s*\*\/\}/g)].map((m) => m[1]!);
  const fromHeadings = [...body.matchAll(/<h[1-6]\s+id="([^"]+)"/g)].map((m) => m[1]!);
  return [...fromComments, ...fromHeadings];
}

/** The ids of the `<h4 id>` entries under the page's Troubleshooting section. */
export function troubleshootingEntries(body: string): string[] {
  const start = body.indexOf('{/* #troubleshooting */}');
  if (start === -1) return [];
  return [...body.slice(start).matchAll(/<h4\s+id="([^"]+)"/g)].map((m) => m[1]!);
}
