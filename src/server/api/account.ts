import { Hono, type Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { z } from 'zod';

import { DomainNotInAccountError, type Account } from '../../accounts/directory.ts';
import { DomainSchema } from '../../checks/domain.ts';
import { apiError, retryLater } from '../api-errors.ts';
import { readerAccount, sessionIdOf, type AppEnv } from '../middleware.ts';
import type { Services } from '../services.ts';
import { SESSION_COOKIE } from '../sessions.ts';
import { NO_STORE, readBody, refused } from './checks.ts';

/** The body of `POST /api/account/click-tracking`. */
export const ClickTrackingChangeSchema = z.object({ enabled: z.boolean() }).strict();

/** The body of `POST /api/account/https`. */
export const HttpsChangeSchema = z.object({ domain: DomainSchema, enabled: z.boolean() }).strict();

/** The body of `POST /api/account/certificate`: retry issuance of that domain's managed certificate. */
export const CertificateRetrySchema = z.object({ domain: DomainSchema }).strict();

/** The account as the page may see it: no more than the guide needs. */
function publicAccount(account: Account) {
  return { id: account.id, name: account.name, clickTracking: account.clickTracking, domains: account.domains };
}

/** The audit evidence every change keeps about who asked. */
const requestEvidence = (c: Context<AppEnv>) => ({
  userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null,
  requestId: c.var.requestId,
});

/**
 * The signed-in reader's account routes: what the guide shows, and the two
 * changes the reader makes themselves. The change guard (Origin, JSON) has
 * already run; each change is rate-limited per account and audited.
 */
export function accountRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  /** The signed-in account, or the 401 that asks the reader to sign in. */
  const signedIn = async (c: Context<AppEnv>) => {
    const account = await readerAccount(services, sessionIdOf(c));
    if (account) return { account };
    return { response: apiError('sign_in_required', 'Sign in from your dashboard to make this change.') };
  };

  /** The per-account limit on changes, or the 429 that says when to come back. */
  const withinChangeLimit = async (account: Account) => {
    const decision = await services.changeLimiter.take(account.id);
    if (decision.allowed) return undefined;
    services.metrics.refused('account_changes');
    return retryLater('rate_limited', 'Too many changes. Try again shortly.', decision.retryAfterSeconds);
  };

  /** The 404 for a domain that is not one of the account's branded links, or undefined. */
  const notOwned = (account: Account, domain: string) =>
    account.domains.some((entry) => entry.domain === domain)
      ? undefined
      : apiError('domain_not_in_account', `${domain} is not a branded link domain of this account.`, { domain });

  /** The answer to a change: whether it changed anything, and the account as it now is. */
  const answerChange = async (c: Context<AppEnv>, account: Account, changed: boolean) => {
    const updated = (await services.directory.getAccount(account.id))!;
    return c.json({ changed, account: publicAccount(updated) }, 200, NO_STORE);
  };

  /** Makes one change to one of the account's domains and answers with the account as it now is. */
  const changeDomain = async (c: Context<AppEnv>, account: Account, domain: string, change: () => Promise<boolean>) => {
    try {
      return await answerChange(c, account, await change());
    } catch (cause) {
      if (cause instanceof DomainNotInAccountError) return apiError('domain_not_in_account', cause.message, { domain });
      throw cause;
    }
  };

  app.get('/account', async (c) => {
    const account = await readerAccount(services, sessionIdOf(c));
    return c.json(account ? { signedIn: true, account: publicAccount(account) } : { signedIn: false }, 200, NO_STORE);
  });

  /** Step 1, done by the reader: click tracking on or off. */
  app.post('/account/click-tracking', async (c) => {
    const reader = await signedIn(c);
    if (reader.response) return reader.response;
    const body = await readBody(c, ClickTrackingChangeSchema);
    if (body.response) return body.response;
    const limited = await withinChangeLimit(reader.account);
    if (limited) return limited;
    const changed = await services.directory.setClickTracking({
      accountId: reader.account.id,
      actor: `reader:${reader.account.id}`,
      enabled: body.data.enabled,
      evidence: requestEvidence(c),
    });
    return answerChange(c, reader.account, changed);
  });

  /**
   * Step 4: HTTPS on or off for one of the account's domains. Turning it on
   * re-runs every check fresh, through the same limits as the public API (per
   * domain, per account, checks running), and goes ahead only if every step
   * passes (409 naming the failing steps otherwise); the report it rested on
   * goes into the audit log. Turning it off is always allowed.
   */
  app.post('/account/https', async (c) => {
    const reader = await signedIn(c);
    if (reader.response) return reader.response;
    const body = await readBody(c, HttpsChangeSchema);
    if (body.response) return body.response;
    const { account } = reader;
    const { domain, enabled } = body.data;
    const foreign = notOwned(account, domain);
    if (foreign) return foreign;

    let evidence: Record<string, unknown> = requestEvidence(c);
    if (enabled) {
      const answer = await services.checks.request(domain, { account: account.id }, { fresh: true });
      if (answer.kind !== 'run') return refused(answer, services, 'https_per_account');
      const report = await services.checks.reportFor(answer.run, account);
      const verdict = report.checks.find((check) => check.id === 'https-enabled');
      if (verdict?.code !== 'https_ready' && verdict?.code !== 'https_on') {
        return apiError('https_blocked', 'HTTPS stays off until every step passes.', {
          failing: verdict?.evidence.failing ?? [],
          checkedAt: report.checkedAt,
        });
      }
      const summary = report.checks.map(({ id, status, code }) => ({ id, status, code }));
      evidence = { ...evidence, checkedAt: report.checkedAt, route: report.route, checks: summary };
    } else {
      const limited = await withinChangeLimit(account);
      if (limited) return limited;
    }
    return changeDomain(c, account, domain, () =>
      services.directory.setHttps({ accountId: account.id, actor: `reader:${account.id}`, domain, enabled, evidence }),
    );
  });

  /**
   * Step 3 on the platform's side: issue the domain's managed certificate again
   * after the platform's issuer failed (renewal failed or expired). Limited per
   * account and audited like the other changes; a certificate that is not in a
   * retriable state, or failed for a reason of the reader's own setup, changes
   * nothing (`changed: false`), since only fixing that setup helps.
   */
  app.post('/account/certificate', async (c) => {
    const reader = await signedIn(c);
    if (reader.response) return reader.response;
    const body = await readBody(c, CertificateRetrySchema);
    if (body.response) return body.response;
    const { account } = reader;
    const { domain } = body.data;
    const foreign = notOwned(account, domain);
    if (foreign) return foreign;
    const limited = await withinChangeLimit(account);
    if (limited) return limited;
    return changeDomain(c, account, domain, () =>
      services.directory.retryCertificate({
        accountId: account.id,
        actor: `reader:${account.id}`,
        domain,
        evidence: requestEvidence(c),
      }),
    );
  });

  /** Ends the reader's session (the change guard has checked where the request came from). */
  app.post('/sign-out', async (c) => {
    const sessionId = sessionIdOf(c);
    if (sessionId) await services.sessions.destroy(sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204, NO_STORE);
  });

  return app;
}
