import type { AstroCookies } from 'astro';

import type { Account } from '../accounts/directory.ts';
import { appState } from './app-state.ts';
import { SESSION_COOKIE } from './sessions.ts';

/** The session id a request carries, if any. */
export function sessionIdOf(cookies: AstroCookies): string | undefined {
  return cookies.get(SESSION_COOKIE)?.value;
}

/** The signed-in reader's account, if the request carries a live session. */
export async function signedInAccount(cookies: AstroCookies): Promise<Account | undefined> {
  const state = appState();
  const accountId = await state.sessions.accountOf(sessionIdOf(cookies));
  return accountId ? state.directory.getAccount(accountId) : undefined;
}
