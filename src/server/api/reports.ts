import { Hono } from 'hono';
import { z } from 'zod';

import { DomainSchema } from '../../checks/domain.ts';
import { READER_CHECK_IDS } from '../../checks/checks/index.ts';
import { clientInfo } from '../../reports/client-info.ts';
import { locales } from '../../site/site.ts';
import { apiError, retryLater } from '../api-errors.ts';
import { readerAccount, sessionIdOf, type AppEnv } from '../middleware.ts';
import { clientKey } from '../rate-limit.ts';
import type { Services } from '../services.ts';
import { NO_STORE, readBody, refused } from './checks.ts';

const LOCALE_CODES = Object.values(locales).map((locale) => locale.lang) as [string, ...string[]];

/** What the panel sends to share the report it shows. */
export const ShareRequestSchema = z
  .object({
    /** The domain whose report to save (the server's own run is saved, never a client's copy). */
    domain: DomainSchema,
    /** The language the reader reads the guide in. */
    locale: z.enum(LOCALE_CODES).default('en'),
  })
  .strict();

/** `POST /api/reports` (share) and `GET /api/reports/{id}` (read, for support tooling). */
export function reportRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  /**
   * Saves the report for a domain as the server itself ran it (from the short
   * cache when the reader just saw it), with the guide version, locale, browser
   * and, when signed in, the account's steps for this domain only. Returns the permalink.
   */
  app.post('/', async (c) => {
    const client = clientKey(c.var.client.address);
    const allowed = await services.shareLimiter.take(client);
    if (!allowed.allowed) {
      services.metrics.refused('shares_per_client');
      return retryLater('rate_limited', 'Too many shared reports. Try again shortly.', allowed.retryAfterSeconds);
    }
    const body = await readBody(c, ShareRequestSchema);
    if (body.response) return body.response;
    const answer = await services.checks.request(body.data.domain, { client });
    if (answer.kind !== 'run') return refused(answer, services, 'checks_per_client');
    const account = await readerAccount(services, sessionIdOf(c));
    const report = await services.checks.reportFor(answer.run, account);
    const saved = await services.reports.save({
      guideVersion: 'current',
      locale: body.data.locale,
      client: clientInfo(c.req.raw.headers),
      report,
      ...(account
        ? {
            account: {
              id: account.id,
              steps: report.checks
                .filter((check) => READER_CHECK_IDS.has(check.id))
                .map(({ id, status, code }) => ({ id, status, code })),
            },
          }
        : {}),
    });
    const url = new URL(`/reports/${saved.id}`, services.config.siteOrigin).href;
    return c.json({ id: saved.id, url, report: saved }, 201, NO_STORE);
  });

  /** A saved report as JSON; 404 alike for malformed, unknown and expired ids. */
  app.get('/:id', async (c) => {
    const saved = await services.reports.get(c.req.param('id'));
    return saved ? c.json(saved, 200, NO_STORE) : apiError('not_found', 'No such report.');
  });

  return app;
}
