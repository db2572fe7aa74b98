/**
 * `npm start`: builds the site when the build is missing or older than its
 * sources, then runs the production server (`npm run serve`) on
 * http://localhost:4321 (`HOST` and `PORT` override). Without
 * `LOGIN_LINK_SECRET` it runs in demo mode and prints a sign-in link.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DEMO_ACCOUNTS } from '../accounts/sqlite-directory.ts';
import { differingValues, parseRecordedValues, resolveBuildValues } from '../site/build-values.ts';
import { GUIDE_PATH } from '../site/site.ts';
import { ConfigError, loadConfig } from './config.ts';
import { BUILD, main } from './serve.ts';
import { mintSignInLink } from './sign-in-link.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['content', 'src', 'public', 'astro.config.mjs', 'content.config.ts', 'package-lock.json'];

/** The newest modification time of a file or of any file below a folder. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

// Without a sign-in secret the site runs in demo mode: demo accounts and a secret for this run only.
const demo = !process.env.LOGIN_LINK_SECRET;
if (demo) {
  process.env.LOGIN_LINK_SECRET = randomBytes(32).toString('base64url');
  process.env.TRACKLIGHT_DEMO ??= '1';
}

// Refuse to start on a bad configuration before spending a minute on the build.
let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const builtAt = existsSync(BUILD.entry) ? statSync(BUILD.entry).mtimeMs : 0;
const sourcesAt = Math.max(...SOURCES.map((source) => newestMtime(join(root, source))));
const recorded = existsSync(BUILD.values) ? parseRecordedValues(readFileSync(BUILD.values, 'utf8')) : undefined;
const valuesChanged = !recorded || differingValues(recorded, resolveBuildValues()).length > 0;
if (builtAt < sourcesAt || valuesChanged) {
  console.log(
    !builtAt
      ? 'Building the site…'
      : builtAt < sourcesAt
        ? 'Sources changed since the last build: rebuilding…'
        : "The configured values differ from the build's: rebuilding…",
  );
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const result = spawnSync(process.execPath, [astro, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const running = await main();
console.log(`The guide: ${running.origin}${GUIDE_PATH}`);
if (demo) {
  const link = mintSignInLink({
    origin: running.origin,
    accountId: DEMO_ACCOUNTS[0].id,
    secret: config.server.LOGIN_LINK_SECRET!,
  });
  console.log(
    `Demo mode (no LOGIN_LINK_SECRET set). Sign in as "${DEMO_ACCOUNTS[0].name}" within ten minutes, once:\n${link}`,
  );
}
