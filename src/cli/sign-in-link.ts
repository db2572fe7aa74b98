#!/usr/bin/env node
/**
 * `npm run sign-in-link -- <account-id> [--origin URL] [--lang es]`: mints a
 * sign-in link with LOGIN_LINK_SECRET, as the platform's dashboard does.
 */
import { parseArgs } from 'node:util';

import { mintSignInLink } from '../server/sign-in-link.ts';
import { siteUrl } from '../site/site.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { origin: { type: 'string' }, lang: { type: 'string' } },
});
const [accountId] = positionals;
const secret = process.env.LOGIN_LINK_SECRET;
if (!accountId || !secret) {
  console.error(
    'Usage: LOGIN_LINK_SECRET=… npm run sign-in-link -- <account-id> [--origin http://localhost:4321] [--lang es]',
  );
  process.exit(2);
}
const link = new URL(mintSignInLink({ origin: values.origin ?? siteUrl(), accountId, secret }));
if (values.lang) link.searchParams.set('lang', values.lang);
console.log(link.href);
