import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LAB_PLATFORM_ENV } from '../lab/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASTRO = fileURLToPath(new URL('../../node_modules/astro/bin/astro.mjs', import.meta.url));

/**
 * Builds the site for a server that runs against the lab at `siteUrl`: with the
 * lab's platform values and that public origin, which the server checks the
 * build against before it listens. Throws when the build fails.
 */
export function buildSiteForLab(siteUrl: string, { quiet = false } = {}): void {
  astroBuild(siteUrl, { quiet });
}

/** `astro build` with the lab's platform values and `siteUrl`, into `outDir` (Astro's `dist/` by default), in `env`. */
function astroBuild(
  siteUrl: string,
  { quiet = false, outDir, env = process.env }: { quiet?: boolean; outDir?: string; env?: NodeJS.ProcessEnv },
): void {
  const result = spawnSync(process.execPath, [ASTRO, 'build', ...(outDir ? ['--outDir', outDir] : [])], {
    cwd: ROOT,
    stdio: quiet ? 'ignore' : 'inherit',
    env: { ...env, ...LAB_PLATFORM_ENV, SITE_URL: siteUrl, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) throw new Error(`The site did not build for ${siteUrl}${outDir ? ` into ${outDir}` : ''}.`);
}

/** Where `buildSiteWithOutdatedTranslations` puts its build: inside the project, so the server bundle finds its packages. */
export const OUTDATED_TRANSLATIONS_BUILD = fileURLToPath(
  new URL('../../dist/.outdated-translations/', import.meta.url),
);
/** The page whose translations that build marks outdated. */
const CHANGED_ENGLISH_PAGE = 'content/docs/guides/https-link-tracking.mdx';

/**
 * Builds the site as it would be right after a writer changed the English
 * guide without touching its translations: the build reads a history (a
 * throwaway git directory over this work tree, which is left as it is) whose
 * last commit changes `CHANGED_ENGLISH_PAGE` alone. Throws when it fails.
 */
export function buildSiteWithOutdatedTranslations(siteUrl: string): void {
  const gitDir = mkdtempSync(join(tmpdir(), 'tracklight-history-'));
  const env = { ...process.env, GIT_DIR: gitDir, GIT_WORK_TREE: ROOT };
  const git = (args: string[], input?: string) => {
    const result = spawnSync('git', ['-c', 'user.name=Docs', '-c', 'user.email=docs@example.com', ...args], {
      cwd: ROOT,
      env,
      input,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  try {
    git(['init', '--quiet']);
    git(['add', 'content/docs']);
    git(['commit', '--quiet', '--message', 'The guide and its translations']);
    // The English page changes on its own, in the history only.
    const changed = `${readFileSync(join(ROOT, CHANGED_ENGLISH_PAGE), 'utf8')}\n`;
    const blob = git(['hash-object', '-w', '--stdin'], changed);
    git(['update-index', '--cacheinfo', `100644,${blob},${CHANGED_ENGLISH_PAGE}`]);
    git(['commit', '--quiet', '--message', 'The English guide changes']);
    astroBuild(siteUrl, { outDir: OUTDATED_TRANSLATIONS_BUILD, env });
  } finally {
    rmSync(gitDir, { recursive: true, force: true });
  }
}
