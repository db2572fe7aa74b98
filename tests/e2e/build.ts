/**
 * Builds the site for the end-to-end tests: with the `SITE_URL` the suite's
 * server runs with, because the server refuses a build made for other values.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { E2E_ORIGIN } from './origin.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const astro = fileURLToPath(new URL('../../node_modules/astro/bin/astro.mjs', import.meta.url));
const result = spawnSync(process.execPath, [astro, 'build'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SITE_URL: E2E_ORIGIN, ASTRO_TELEMETRY_DISABLED: '1' },
});
process.exit(result.status ?? 1);
