import type { APIRoute } from 'astro';

import { appState } from '../app-state.ts';
import { sessionIdOf } from '../session-account.ts';
import { SESSION_COOKIE } from '../sessions.ts';

/** `POST /api/sign-out`: ends the reader's session. Accepted only from this site's pages. */
export const POST: APIRoute = async ({ request, cookies }) => {
  if (request.headers.get('origin') !== new URL(request.url).origin) {
    return Response.json(
      { error: { code: 'forbidden_origin', message: 'Sign out from this site’s own pages.' } },
      { status: 403 },
    );
  }
  await appState().sessions.destroy(sessionIdOf(cookies));
  cookies.delete(SESSION_COOKIE, { path: '/' });
  return new Response(null, { status: 204 });
};
