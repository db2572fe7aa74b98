import { spawnSync } from 'node:child_process';
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
  const result = spawnSync(process.execPath, [ASTRO, 'build'], {
    cwd: ROOT,
    stdio: quiet ? 'ignore' : 'inherit',
    env: { ...process.env, ...LAB_PLATFORM_ENV, SITE_URL: siteUrl, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) throw new Error(`The site did not build for ${siteUrl}.`);
}
