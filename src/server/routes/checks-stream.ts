import type { APIRoute } from 'astro';

import { checksService, handleStream } from '../checks-api.ts';

/** `GET /api/checks/stream?domain=…`: the same report, one Server-Sent Event per check as it finishes. */
export const GET: APIRoute = ({ url, clientAddress, request }) =>
  handleStream(checksService(), url, clientAddress, request.signal);
