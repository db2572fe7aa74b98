/**
 * `npm start`: builds the site when the build is missing or older than its
 * sources, then serves the site and its API on http://localhost:4321
 * (`HOST` and `PORT` override).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { randomBytes } from 'node:crypto';

import { parseChecksEnv } from '../checks/config.ts';
import { DEMO_ACCOUNTS } from '../accounts/sqlite-directory.ts';
import { parseServerEnv } from './app-state.ts';
import { mintSignInLink } from './sign-in-link.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'dist/server/entry.mjs');
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

// Refuse to start on a bad configuration, with a message that names each bad variable.
try {
  parseChecksEnv();
  parseServerEnv();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : 0;
const sourcesAt = Math.max(...SOURCES.map((source) => newestMtime(join(root, source))));

if (builtAt < sourcesAt) {
  console.log(builtAt ? 'Sources changed since the last build: rebuilding…' : 'Building the site…');
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const result = spawnSync(process.execPath, [astro, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

process.env.HOST ??= 'localhost';
process.env.PORT ??= '4321';
process.env.ASTRO_TELEMETRY_DISABLED ??= '1';
await import(pathToFileURL(entry).href);
const origin = `http://${process.env.HOST}:${process.env.PORT}`;
console.log(`The guide: ${origin}/guides/https-link-tracking/`);
if (demo) {
  const link = mintSignInLink({
    origin,
    accountId: DEMO_ACCOUNTS[0].id,
    secret: process.env.LOGIN_LINK_SECRET!,
    ttlSeconds: 60 * 60,
  });
  console.log(
    `Demo mode (no LOGIN_LINK_SECRET set). Sign in as "${DEMO_ACCOUNTS[0].name}", valid for one hour and one use:\n${link}`,
  );
}
