import type { APIRoute } from 'astro';

import { GUIDE_PATH, locales, localePrefix, type LocaleKey } from '../../site/site.ts';
import { appState } from '../app-state.ts';
import { SESSION_COOKIE, SESSION_TTL_SECONDS } from '../sessions.ts';
import { verifySignInLink } from '../sign-in-link.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `GET /sign-in?account&expires&nonce&signature[&lang]`: the dashboard's signed
 * link. Valid once: it starts a session and opens the guide. Any problem opens
 * the guide too, which explains it in the reader's language.
 */
export const GET: APIRoute = async ({ url, cookies, redirect }) => {
  const lang = url.searchParams.get('lang') ?? '';
  const locale = (lang in locales && lang !== 'root' ? lang : 'root') as LocaleKey;
  const guide = (outcome: string) => redirect(`${localePrefix(locale)}${GUIDE_PATH}?signin=${outcome}`, 303);

  const state = appState();
  if (!state.loginSecret) return guide('unavailable');
  const verified = verifySignInLink(url.searchParams, state.loginSecret);
  if (!verified.ok) return guide(verified.reason);
  const { accountId, nonce, expires } = verified.claims;
  if (!(await state.sessions.consumeNonce(nonce, expires))) return guide('replayed');
  if (!(await state.directory.getAccount(accountId))) return guide('unknown_account');

  cookies.set(SESSION_COOKIE, await state.sessions.create(accountId), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: !LOCAL_HOSTS.has(url.hostname),
    maxAge: SESSION_TTL_SECONDS,
  });
  return guide('ok');
};
