/**
 * Which translations are older than their English page, from git history: a
 * translation is outdated when the last commit that changed the English page
 * is not part of the history of the translation's own last change. Without
 * the history (not a git checkout, or a shallow clone as CI makes) nothing can
 * be said, and the status says so instead of guessing.
 *
 * `node src/site/translation-status.ts` lists the outdated pages (CI runs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { locales, type LocaleKey } from './site.ts';

/** One translated page and whether its English page changed after it. */
export interface TranslationEntry {
  /** The content entry id, e.g. `es/guides/https-link-tracking`. */
  id: string;
  locale: Exclude<LocaleKey, 'root'>;
  /** The English page's path on the site, e.g. `/guides/https-link-tracking/`. */
  englishPath: string;
  outdated: boolean;
}

/** The translations' status, or why it is unknown. */
export type TranslationStatus = { known: true; entries: TranslationEntry[] } | { known: false; reason: string };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs git in `root`; undefined when git fails. */
function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Every MDX file below `dir`, relative to it, with forward slashes. */
function mdxFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.mdx'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** The status of every translated page of `content/docs/`, from the git history of `root`. */
export function translationStatus(root: string = ROOT): TranslationStatus {
  if (git(root, ['rev-parse', '--is-inside-work-tree']) !== 'true') {
    return { known: false, reason: 'not a git checkout, so there is no history to compare translations with' };
  }
  if (git(root, ['rev-parse', '--is-shallow-repository']) === 'true') {
    return {
      known: false,
      reason: 'a shallow clone: run `git fetch --unshallow` to compare translations with history',
    };
  }
  const docs = join(root, 'content/docs');
  const lastChange = (file: string) => git(root, ['log', '-1', '--format=%H', '--', file]) || undefined;
  const entries: TranslationEntry[] = [];
  for (const locale of Object.keys(locales).filter((key) => key !== 'root') as Exclude<LocaleKey, 'root'>[]) {
    for (const file of mdxFiles(join(docs, locale))) {
      const english = lastChange(join('content/docs', file));
      const translated = lastChange(join('content/docs', locale, file));
      // A page never committed in English has nothing to be behind; an uncommitted translation is new work.
      const outdated =
        english !== undefined &&
        translated !== undefined &&
        git(root, ['merge-base', '--is-ancestor', english, translated]) === undefined;
      const slug = file.replace(/\.mdx$/, '').replace(/(^|\/)index$/, '');
      entries.push({
        id: `${locale}/${slug}`,
        locale,
        englishPath: slug ? `/${slug}/` : '/',
        outdated,
      });
    }
  }
  return { known: true, entries };
}

/** The ids of the outdated translations (empty when the status is unknown). */
export function outdatedIds(status: TranslationStatus): string[] {
  return status.known ? status.entries.filter((entry) => entry.outdated).map((entry) => entry.id) : [];
}

/** A few lines for the build's output and CI: the outdated pages, or why the status is unknown. */
export function describeStatus(status: TranslationStatus): string {
  if (!status.known) return `Translation status unknown: ${status.reason}.`;
  const outdated = status.entries.filter((entry) => entry.outdated);
  if (outdated.length === 0) return `Every translation (${status.entries.length}) is up to date with its English page.`;
  return [
    `${outdated.length} translation(s) older than their English page:`,
    ...outdated.map((entry) => `  ${entry.id} (English: ${entry.englishPath})`),
  ].join('\n');
}

if (import.meta.main) console.log(describeStatus(translationStatus()));
