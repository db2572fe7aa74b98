import { z } from 'zod';

import type { Account } from '../accounts/directory.ts';
import { ACCOUNT_CHECK_IDS, withAccount } from '../checks/account-checks.ts';
import { parseDomainInput } from '../checks/domain.ts';
import { clientKey, type RateLimiter } from '../server/rate-limit.ts';
import type { ChecksService } from '../server/checks-service.ts';
import { GUIDE_PATH, locales, localePrefix, type LocaleKey } from '../site/site.ts';
import { clientInfo } from './client-info.ts';
import type { ReportStore } from './report-store.ts';

const NO_STORE = { 'cache-control': 'no-store' };
const LOCALE_CODES = Object.values(locales).map((locale) => locale.lang) as [string, ...string[]];

/** What the panel sends to share the report it shows. */
export const ShareRequestSchema = z
  .object({
    /** The domain whose report to save (the server's own run is saved, never a client's copy). */
    domain: z.string().max(2048),
    /** The language the reader reads the guide in. */
    locale: z.enum(LOCALE_CODES).default('en'),
  })
  .strict();

const rateLimited = (retryAfterSeconds: number, message: string) =>
  Response.json(
    { error: { code: 'rate_limited', retryAfterSeconds, message } },
    { status: 429, headers: { ...NO_STORE, 'retry-after': String(retryAfterSeconds) } },
  );

const notFound = () =>
  Response.json({ error: { code: 'not_found', message: 'No such report.' } }, { status: 404, headers: NO_STORE });

/** What sharing needs from the server. */
export interface ShareDeps {
  store: ReportStore;
  checks: ChecksService;
  limiter: RateLimiter;
  siteUrl: string;
  guideUrl: string;
}

/**
 * `POST /api/reports`: saves the report for a domain, as the server itself ran
 * it (from the short cache when the reader just saw it), with the guide version,
 * locale, browser and, when signed in, the account's steps. Returns the permalink.
 */
export async function handleShare(
  request: Request,
  clientAddress: string,
  deps: ShareDeps,
  account?: Account,
): Promise<Response> {
  const origin = request.headers.get('origin');
  if (origin && origin !== new URL(request.url).origin) {
    return Response.json(
      { error: { code: 'forbidden_origin', message: 'Reports are shared from this site’s own pages.' } },
      { status: 403 },
    );
  }
  const allowed = deps.limiter.take(clientKey(clientAddress));
  if (!allowed.allowed) return rateLimited(allowed.retryAfterSeconds, 'Too many shared reports. Try again shortly.');
  const body = ShareRequestSchema.safeParse(await request.json().catch(() => undefined));
  const domain = body.success ? parseDomainInput(body.data.domain) : undefined;
  if (!body.success || !domain?.ok) {
    return Response.json(
      { error: { code: 'invalid_request', message: 'Send { "domain": "…" } with a valid domain.' } },
      { status: 400, headers: NO_STORE },
    );
  }
  const answer = deps.checks.request(clientAddress, domain.domain);
  if (answer.kind === 'rate_limited')
    return rateLimited(answer.retryAfterSeconds, 'Too many checks. Try again shortly.');
  const shared = await answer.run.report;
  const report = account ? withAccount(shared, account, deps.guideUrl) : shared;
  const saved = await deps.store.save({
    guideVersion: 'current',
    locale: body.data.locale,
    client: clientInfo(request.headers),
    report,
    ...(account
      ? {
          account: {
            id: account.id,
            steps: report.checks
              .filter((check) => ACCOUNT_CHECK_IDS.has(check.id))
              .map(({ id, status, code }) => ({ id, status, code })),
          },
        }
      : {}),
  });
  return Response.json(
    { id: saved.id, url: new URL(`/reports/${saved.id}`, deps.siteUrl).href, report: saved },
    { status: 201, headers: NO_STORE },
  );
}

/** `GET /api/reports/{id}`: a saved report as JSON for support tooling; 404 alike for malformed, unknown and expired ids. */
export async function handleGetReport(store: ReportStore, id: string): Promise<Response> {
  const saved = await store.get(id);
  return saved ? Response.json(saved, { headers: NO_STORE }) : notFound();
}

/**
 * `GET /reports/{id}`: the permalink. It opens the one canonical guide in the
 * viewer's language (from `?lang=` or Accept-Language) with the report loaded.
 */
export function handlePermalink(url: URL, id: string, acceptLanguage: string | null): Response {
  const wanted = url.searchParams.get('lang') ?? preferredLanguage(acceptLanguage);
  const locale = (Object.keys(locales) as LocaleKey[]).find((key) => locales[key].lang === wanted) ?? 'root';
  const target = `${localePrefix(locale)}${GUIDE_PATH}?report=${encodeURIComponent(id.slice(0, 64))}`;
  return new Response(null, { status: 303, headers: { location: target, ...NO_STORE } });
}

function preferredLanguage(header: string | null): string {
  const ranked = (header ?? '')
    .split(',')
    .map((part) => {
      const [tag, q] = part.trim().split(';q=');
      return { lang: (tag ?? '').split('-')[0]!.toLowerCase(), q: q ? Number(q) : 1 };
    })
    .filter((entry) => LOCALE_CODES.includes(entry.lang))
    .sort((a, b) => b.q - a.q);
  return ranked[0]?.lang ?? 'en';
}
