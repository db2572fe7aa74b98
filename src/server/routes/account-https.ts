import type { APIRoute } from 'astro';

import { handleHttps } from '../account-api.ts';
import { appState } from '../app-state.ts';
import { guideUrl } from '../../site/site.ts';
import { sharedChecker } from '../checks-api.ts';
import { sessionIdOf } from '../session-account.ts';

/** `POST /api/account/https`: turns HTTPS for tracked links on (after fresh checks) or off. */
export const POST: APIRoute = ({ request, cookies }) =>
  handleHttps(request, appState(), sessionIdOf(cookies), sharedChecker(), guideUrl());
