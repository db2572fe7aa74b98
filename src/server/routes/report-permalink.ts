import type { APIRoute } from 'astro';
import Negotiator from 'negotiator';

import { GUIDE_PATH, locales, localePrefix, type LocaleKey } from '../../site/site.ts';

const LANGUAGES = Object.values(locales).map((locale) => locale.lang);

/**
 * `GET /reports/{id}`: the permalink. It opens the one canonical guide in the
 * viewer's language (from `?lang=`, else Accept-Language) with the report loaded.
 */
export const GET: APIRoute = ({ url, params, request }) => {
  const asked = url.searchParams.get('lang');
  const wanted =
    asked && LANGUAGES.includes(asked as never)
      ? asked
      : new Negotiator({ headers: { 'accept-language': request.headers.get('accept-language') ?? '' } }).language(
          LANGUAGES,
        );
  const locale = (Object.keys(locales) as LocaleKey[]).find((key) => locales[key].lang === wanted) ?? 'root';
  const target = `${localePrefix(locale)}${GUIDE_PATH}?report=${encodeURIComponent((params.id ?? '').slice(0, 64))}`;
  return new Response(null, { status: 303, headers: { location: target, 'cache-control': 'no-store' } });
};
