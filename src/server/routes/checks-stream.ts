import type { APIRoute } from 'astro';

import { checksService, handleStream } from '../checks-api.ts';
import { signedInAccount } from '../session-account.ts';

/** `GET /api/checks/stream?domain=…`: the same report, one Server-Sent Event per check as it finishes. */
export const GET: APIRoute = async ({ url, clientAddress, request, cookies }) =>
  handleStream(checksService(), url, clientAddress, request.signal, await signedInAccount(cookies));
