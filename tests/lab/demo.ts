/**
 * `npm run demo`: starts the lab and the site wired to it, then prints the
 * domains to try. Runs as root (the lab serves on port 443 of 127.0.0.x), or
 * with LAB_HTTPS_PORT / LAB_HTTP_PORT. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { GUIDE_PATH } from '../../src/site/site.ts';
import { startLab } from './index.ts';

const lab = await startLab();
const site = spawn(process.execPath, [fileURLToPath(new URL('../../src/server/start.ts', import.meta.url))], {
  env: { ...process.env, ...lab.env },
  stdio: ['ignore', 'inherit', 'inherit'],
});

const origin = `http://${process.env.HOST ?? 'localhost'}:${process.env.PORT ?? 4321}`;
console.log(`\nThe demo lab is running. Open ${origin}${GUIDE_PATH}?domain=<a domain below>`);
console.log(`or run: npx tracklight check <domain>  (with the lab's environment)\n`);
for (const scenario of lab.scenarios) console.log(`  ${scenario.domain.padEnd(46)} ${scenario.description}`);
console.log('');

const stop = () => {
  site.kill('SIGTERM');
  void lab.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
site.once('exit', (code) => {
  void lab.stop().then(() => process.exit(code ?? 0));
});
