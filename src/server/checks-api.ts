import { z } from 'zod';

import { DOMAIN_REJECTION_MESSAGES, parseDomainInput } from '../checks/domain.ts';
import { clickTrackingResult, withAccount } from '../checks/account-checks.ts';
import { createChecker, type Checker } from '../checks/engine.ts';
import type { Account } from '../accounts/directory.ts';
import { parseChecksEnv } from '../checks/config.ts';
import type { CheckResult } from '../checks/types.ts';
import { guideUrl } from '../site/site.ts';
import { createChecksService, DEFAULT_SERVICE_OPTIONS, type ChecksService } from './checks-service.ts';

/** The query string of both checks endpoints. */
export const ChecksQuerySchema = z.object({
  /** A hostname, or a pasted URL whose hostname is checked. */
  domain: z.string().max(2048).default(''),
  /** `1` skips the short-lived cache (the report is still rate-limited). */
  fresh: z
    .string()
    .optional()
    .transform((value) => value === '1'),
});

/** The closed set of error codes the checks API answers with. */
export type ChecksErrorCode = 'invalid_domain' | 'rate_limited' | 'internal_error';

const NO_STORE = { 'cache-control': 'no-store' };

/** A JSON error in the API's one shape: `{ "error": { "code", "message", … } }`. */
export function errorResponse(
  status: number,
  code: ChecksErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: { code, ...extra, message } }, { status, headers: { ...NO_STORE, ...headers } });
}

/** A request for a report, checked and admitted, or the response that refuses it. */
export type AdmittedRequest =
  { ok: true; run: ReturnType<ChecksService['request']> & { kind: 'run' } } | { ok: false; response: Response };

/** Validates the query, applies the limits, and starts or joins a run. */
export function admit(service: ChecksService, url: URL, clientAddress: string): AdmittedRequest {
  const query = ChecksQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) {
    return {
      ok: false,
      response: errorResponse(400, 'invalid_domain', DOMAIN_REJECTION_MESSAGES.too_long, { reason: 'too_long' }),
    };
  }
  const parsed = parseDomainInput(query.data.domain);
  if (!parsed.ok)
    return { ok: false, response: errorResponse(400, 'invalid_domain', parsed.message, { reason: parsed.reason }) };
  const answer = service.request(clientAddress, parsed.domain, { fresh: query.data.fresh });
  if (answer.kind === 'rate_limited') {
    return {
      ok: false,
      response: errorResponse(
        429,
        'rate_limited',
        `Too many checks. Try again in ${answer.retryAfterSeconds} seconds.`,
        { retryAfterSeconds: answer.retryAfterSeconds },
        { 'retry-after': String(answer.retryAfterSeconds) },
      ),
    };
  }
  return { ok: true, run: answer };
}

/** `GET /api/checks`: the whole report as JSON, once every check has finished. */
export async function handleReport(
  service: ChecksService,
  url: URL,
  clientAddress: string,
  account?: Account,
): Promise<Response> {
  const admitted = admit(service, url, clientAddress);
  if (!admitted.ok) return admitted.response;
  try {
    // Reports are shared between readers; a signed-in reader's account steps are added per request.
    const body = account
      ? JSON.stringify(withAccount(await admitted.run.run.report, account, guideUrl()))
      : await admitted.run.run.json;
    return new Response(body, { headers: { 'content-type': 'application/json', ...NO_STORE } });
  } catch (error) {
    console.error('[checks] report failed:', error);
    return errorResponse(
      500,
      'internal_error',
      'The checks could not run. This is our fault, not your setup: try again in a moment.',
    );
  }
}

/**
 * `GET /api/checks/stream`: the same report as Server-Sent Events, one `check`
 * event per result as it lands (results already in are replayed first), then
 * one `report` event with the whole report.
 */
export function handleStream(
  service: ChecksService,
  url: URL,
  clientAddress: string,
  signal: AbortSignal,
  account?: Account,
): Response {
  const admitted = admit(service, url, clientAddress);
  if (!admitted.ok) return admitted.response;
  const { run } = admitted.run;
  const encoder = new TextEncoder();
  const event = (name: string, data: unknown) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        controller.close();
      };
      const send = (result: CheckResult) => {
        if (!open) return;
        // A signed-in reader's click tracking is known at once; HTTPS readiness once the report is in.
        if (account && result.id === 'https-enabled') return;
        controller.enqueue(
          event('check', account && result.id === 'click-tracking' ? clickTrackingResult(account, guideUrl()) : result),
        );
      };
      const unsubscribe = run.subscribe(send);
      for (const result of [...run.results]) send(result);
      signal.addEventListener('abort', close, { once: true });
      run.report.then(
        (shared) => {
          const report = account ? withAccount(shared, account, guideUrl()) : shared;
          const https = report.checks.find((check) => check.id === 'https-enabled');
          if (open && account && https) controller.enqueue(event('check', https));
          if (open) controller.enqueue(event('report', report));
          close();
        },
        () => {
          if (open)
            controller.enqueue(
              event('error', { code: 'internal_error', message: 'The checks could not run. Try again in a moment.' }),
            );
          close();
        },
      );
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
  });
}

let shared: ChecksService | undefined;
let checker: Checker | undefined;

/** The server's one checker, for fresh runs that must not come from the cache (turning HTTPS on). */
export function sharedChecker(): Checker {
  checker ??= createChecker({ env: parseChecksEnv(), guideUrl: guideUrl() });
  return checker;
}

/** The server's one checks service, built on first use from the validated environment. */
export function checksService(): ChecksService {
  if (!shared) {
    const env = parseChecksEnv();
    shared = createChecksService(sharedChecker(), {
      ...DEFAULT_SERVICE_OPTIONS,
      perClientPerMinute: env.CHECKS_RATE_LIMIT_PER_CLIENT,
      perDomainPerMinute: env.CHECKS_RATE_LIMIT_PER_DOMAIN,
    });
  }
  return shared;
}
