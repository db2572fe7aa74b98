import type { APIRoute } from 'astro';

import { checksService, handleReport } from '../checks-api.ts';

/** `GET /api/checks?domain=…`: which setup steps are done for a branded link domain. */
export const GET: APIRoute = ({ url, clientAddress }) => handleReport(checksService(), url, clientAddress);
