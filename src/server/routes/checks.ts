import type { APIRoute } from 'astro';

import { checksService, handleReport } from '../checks-api.ts';
import { signedInAccount } from '../session-account.ts';

/** `GET /api/checks?domain=…`: which setup steps are done for a branded link domain. */
export const GET: APIRoute = async ({ url, clientAddress, cookies }) =>
  handleReport(checksService(), url, clientAddress, await signedInAccount(cookies));
