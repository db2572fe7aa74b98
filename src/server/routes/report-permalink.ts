import type { APIRoute } from 'astro';

import { handlePermalink } from '../../reports/reports-api.ts';

/** `GET /reports/{id}`: opens the guide, in the viewer's language, with the saved report loaded. */
export const GET: APIRoute = ({ url, params, request }) =>
  handlePermalink(url, params.id ?? '', request.headers.get('accept-language'));
