import type { APIRoute } from 'astro';

import { GUIDE_PATH, locales, localePrefix, type LocaleKey } from '../../site/site.ts';
import { SESSION_COOKIE, SESSION_TTL_SECONDS } from '../sessions.ts';
import { verifySignInLink } from '../sign-in-link.ts';

/**
 * `GET /sign-in?account&expires&nonce&signature[&lang]`: the dashboard's signed
 * link. Valid once: it starts a session and opens the guide. Any problem opens
 * the guide too, which explains it in the reader's language. Never cached.
 */
export const GET: APIRoute = async ({ url, cookies, locals }) => {
  const { services } = locals;
  const lang = url.searchParams.get('lang') ?? '';
  const locale = (lang in locales && lang !== 'root' ? lang : 'root') as LocaleKey;
  const guide = (outcome: string) =>
    new Response(null, {
      status: 303,
      headers: { location: `${localePrefix(locale)}${GUIDE_PATH}?signin=${outcome}`, 'cache-control': 'no-store' },
    });

  const secret = services.config.server.LOGIN_LINK_SECRET;
  if (!secret) return guide('unavailable');
  const verified = verifySignInLink(url.searchParams, secret);
  if (!verified.ok) return guide(verified.reason);
  const { accountId, nonce, expires } = verified.claims;
  if (!(await services.sessions.consumeNonce(nonce, expires))) return guide('replayed');
  if (!(await services.directory.getAccount(accountId))) return guide('unknown_account');

  cookies.set(SESSION_COOKIE, await services.sessions.create(accountId), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    // The public origin decides, not the hop from the proxy: https readers get a Secure cookie.
    secure: services.config.siteOrigin.startsWith('https:'),
    maxAge: SESSION_TTL_SECONDS,
  });
  return guide('ok');
};
