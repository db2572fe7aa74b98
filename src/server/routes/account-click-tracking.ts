import type { APIRoute } from 'astro';

import { handleClickTracking } from '../account-api.ts';
import { appState } from '../app-state.ts';
import { guideUrl } from '../../site/site.ts';
import { sessionIdOf } from '../session-account.ts';

/** `POST /api/account/click-tracking`: turns click tracking on or off for the signed-in reader's account. */
export const POST: APIRoute = ({ request, cookies }) =>
  handleClickTracking(request, appState(), sessionIdOf(cookies), guideUrl());
