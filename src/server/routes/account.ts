import type { APIRoute } from 'astro';

import { handleAccount } from '../account-api.ts';
import { appState } from '../app-state.ts';
import { sessionIdOf } from '../session-account.ts';

/** `GET /api/account`: the signed-in reader's account, or `{ "signedIn": false }`. */
export const GET: APIRoute = ({ cookies }) => handleAccount(appState(), sessionIdOf(cookies));
