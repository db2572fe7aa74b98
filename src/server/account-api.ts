import { z } from 'zod';

import { DomainNotInAccountError, type Account } from '../accounts/directory.ts';
import { clickTrackingResult, httpsResult } from '../checks/account-checks.ts';
import { parseDomainInput } from '../checks/domain.ts';
import type { Checker } from '../checks/engine.ts';
import type { AppState } from './app-state.ts';

/** The closed set of error codes the account API answers with. */
export type AccountErrorCode =
  | 'sign_in_required'
  | 'forbidden_origin'
  | 'unsupported_media_type'
  | 'invalid_request'
  | 'domain_not_in_account'
  | 'https_blocked';

const NO_STORE = { 'cache-control': 'no-store' };

function error(status: number, code: AccountErrorCode, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error: { code, ...extra, message } }, { status, headers: NO_STORE });
}

/** The account as the page may see it: no more than the guide needs. */
function publicAccount(account: Account) {
  return { id: account.id, name: account.name, clickTracking: account.clickTracking, domains: account.domains };
}

/** `GET /api/account`: who is signed in, and their account's state. */
export async function handleAccount(state: AppState, sessionId: string | undefined): Promise<Response> {
  const accountId = await state.sessions.accountOf(sessionId);
  const account = accountId ? await state.directory.getAccount(accountId) : undefined;
  return Response.json(account ? { signedIn: true, account: publicAccount(account) } : { signedIn: false }, {
    headers: NO_STORE,
  });
}

/**
 * The gate every state-changing request passes: the reader's own session, a
 * request from this site's own pages (Origin), and a JSON body of the right shape.
 */
async function admitChange<T>(request: Request, state: AppState, sessionId: string | undefined, schema: z.ZodType<T>) {
  const origin = request.headers.get('origin');
  if (!origin || origin !== new URL(request.url).origin) {
    return {
      ok: false as const,
      response: error(403, 'forbidden_origin', 'Changes are accepted only from this site’s own pages.'),
    };
  }
  if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) {
    return { ok: false as const, response: error(415, 'unsupported_media_type', 'Send the change as JSON.') };
  }
  const accountId = await state.sessions.accountOf(sessionId);
  const account = accountId ? await state.directory.getAccount(accountId) : undefined;
  if (!account)
    return {
      ok: false as const,
      response: error(401, 'sign_in_required', 'Sign in from your dashboard to make this change.'),
    };
  const body = schema.safeParse(await request.json().catch(() => undefined));
  if (!body.success)
    return { ok: false as const, response: error(400, 'invalid_request', 'The request is not valid.') };
  return { ok: true as const, account, body: body.data, actor: `reader:${account.id}` };
}

/** `POST /api/account/click-tracking` with `{ "enabled": true }`: step 1, done by the reader. */
export async function handleClickTracking(
  request: Request,
  state: AppState,
  sessionId: string | undefined,
  guideUrl: string,
) {
  const admitted = await admitChange(request, state, sessionId, z.object({ enabled: z.boolean() }).strict());
  if (!admitted.ok) return admitted.response;
  const { account, body, actor } = admitted;
  const changed = await state.directory.setClickTracking({
    accountId: account.id,
    actor,
    enabled: body.enabled,
    evidence: { userAgent: request.headers.get('user-agent')?.slice(0, 300) ?? null },
  });
  const updated = (await state.directory.getAccount(account.id))!;
  return Response.json(
    { changed, account: publicAccount(updated), result: clickTrackingResult(updated, guideUrl) },
    { headers: NO_STORE },
  );
}

/**
 * `POST /api/account/https` with `{ "domain": "…", "enabled": true }`: step 4.
 * Turning HTTPS on re-runs every check fresh and goes ahead only if every
 * required step passes (409 with the failing steps otherwise); the report it
 * rested on is kept in the audit log. Turning it off is always allowed.
 */
export async function handleHttps(
  request: Request,
  state: AppState,
  sessionId: string | undefined,
  checker: Checker,
  guideUrl: string,
) {
  const admitted = await admitChange(
    request,
    state,
    sessionId,
    z.object({ domain: z.string().max(2048), enabled: z.boolean() }).strict(),
  );
  if (!admitted.ok) return admitted.response;
  const { account, body, actor } = admitted;
  const parsed = parseDomainInput(body.domain);
  const domain = parsed.ok ? parsed.domain : body.domain;
  if (!account.domains.some((entry) => entry.domain === domain)) {
    return error(404, 'domain_not_in_account', `${domain} is not a branded link domain of this account.`, { domain });
  }

  let evidence: unknown = { userAgent: request.headers.get('user-agent')?.slice(0, 300) ?? null };
  if (body.enabled) {
    const report = await checker.check(domain);
    const verdict = httpsResult(account, report.checks, domain, guideUrl);
    const summary = report.checks.map(({ id, status, code }) => ({ id, status, code }));
    if (verdict.code !== 'https_ready' && verdict.code !== 'https_on') {
      return error(409, 'https_blocked', 'HTTPS stays off until every step passes.', {
        failing: verdict.evidence.failing ?? [],
        checkedAt: report.checkedAt,
      });
    }
    evidence = { ...(evidence as object), checkedAt: report.checkedAt, route: report.route, checks: summary };
  }
  try {
    const changed = await state.directory.setHttps({
      accountId: account.id,
      actor,
      domain,
      enabled: body.enabled,
      evidence,
    });
    const updated = (await state.directory.getAccount(account.id))!;
    return Response.json({ changed, account: publicAccount(updated) }, { headers: NO_STORE });
  } catch (cause) {
    if (cause instanceof DomainNotInAccountError) return error(404, 'domain_not_in_account', cause.message, { domain });
    throw cause;
  }
}
