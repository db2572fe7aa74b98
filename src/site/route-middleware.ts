import { defineRouteMiddleware } from '@astrojs/starlight/route-data';

import { LEGACY_VERSION, locales } from './site.ts';

/**
 * Archived pages stay readable but are never the page search engines or support
 * links treat as the source: their canonical link names the current page.
 */
export const onRequest = defineRouteMiddleware((context) => {
  const route = context.locals.starlightRoute;
  const current = currentPathOf(context.url.pathname);
  if (current === context.url.pathname) return;

  const canonical = route.head.find((tag) => tag.tag === 'link' && tag.attrs?.rel === 'canonical');
  if (canonical?.attrs) canonical.attrs.href = new URL(current, context.site ?? context.url).href;
});

/** The path of the current page for an archived one: `/es/legacy/guides/x/` → `/es/guides/x/`. */
export function currentPathOf(pathname: string): string {
  const segments = pathname.split('/');
  const versionAt = segments[1] && segments[1] in locales ? 2 : 1;
  if (segments[versionAt] !== LEGACY_VERSION.slug) return pathname;
  return [...segments.slice(0, versionAt), ...segments.slice(versionAt + 1)].join('/');
}
