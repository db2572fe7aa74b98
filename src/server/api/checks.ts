import { Hono, type Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { z } from 'zod';

import { DomainSchema } from '../../checks/domain.ts';
import type { CheckResult } from '../../checks/types.ts';
import { apiError, retryLater } from '../api-errors.ts';
import type { Account } from '../../accounts/directory.ts';
import { composeReport } from '../../checks/engine.ts';
import type { ChecksAnswer, SharedRun } from '../checks-service.ts';
import { readerAccount, sessionIdOf, type AppEnv } from '../middleware.ts';
import { clientKey } from '../rate-limit.ts';
import type { Services } from '../services.ts';

/** The query string of both checks endpoints. */
export const ChecksQuerySchema = z.object({
  /** A hostname, or a pasted URL whose hostname is checked. */
  domain: DomainSchema,
  /** `1` skips the short-lived cache (the report is still rate-limited). */
  fresh: z
    .string()
    .optional()
    .transform((value) => value === '1'),
});

/** The 400 for a query whose domain is not checkable, with the schema's own reason. */
export function invalidDomain(error: z.ZodError): Response {
  const issue = error.issues.find((entry) => entry.path[0] === 'domain') ?? error.issues[0];
  const reason = issue?.code === 'custom' ? (issue.params?.reason ?? 'not_a_hostname') : 'empty';
  return apiError('invalid_domain', issue?.message ?? 'Enter a branded link domain.', { reason });
}

/** Headers of an answer no cache may keep: it is about one reader, or one moment. */
export const NO_STORE = { 'cache-control': 'no-store' };

/** The request's JSON body read against `schema`, or the 400 that says it is not valid. */
export async function readBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T) {
  const body = schema.safeParse(await c.req.json().catch(() => undefined));
  if (body.success) return { data: body.data as z.output<T> };
  if (body.error.issues.some((issue) => issue.path[0] === 'domain' && issue.code === 'custom')) {
    return { response: invalidDomain(body.error) };
  }
  return { response: apiError('invalid_request', `The request is not valid: ${z.prettifyError(body.error)}`) };
}

/** The answer to a request that was not admitted: a 429 or a 503, each saying when to come back. */
export function refused(answer: Exclude<ChecksAnswer, { kind: 'run' }>, services: Services, limit: string): Response {
  services.metrics.refused(answer.kind === 'busy' ? 'checks_running' : limit);
  return answer.kind === 'busy'
    ? retryLater(
        'unavailable',
        'Many checks are running right now. Try again in a few seconds.',
        answer.retryAfterSeconds,
      )
    : retryLater(
        'rate_limited',
        `Too many checks. Try again in ${answer.retryAfterSeconds} seconds.`,
        answer.retryAfterSeconds,
      );
}

const FAILED = 'The checks could not run. This is our fault, not your setup: try again in a moment.';

/** `GET /api/checks` and `GET /api/checks/stream`: which setup steps are done for a branded link domain. */
export function checksRoutes(services: Services) {
  const app = new Hono<AppEnv>();

  // Readers of a cached report send the same query again and again: each one is validated once
  // (by the schema, with its real reason), then remembered, within a bound.
  const validated = new Map<string, ReturnType<typeof ChecksQuerySchema.safeParse>>();
  const validate = (c: Context<AppEnv>) => {
    const url = c.req.url;
    const search = url.slice(url.indexOf('?') + 1 || url.length);
    let query = validated.get(search);
    if (!query) {
      query = ChecksQuerySchema.safeParse({ domain: c.req.query('domain') ?? '', fresh: c.req.query('fresh') });
      if (validated.size >= 1_000) validated.clear();
      validated.set(search, query);
    }
    return query;
  };

  const admit = async (c: Context<AppEnv>) => {
    const query = validate(c);
    if (!query.success) return { response: invalidDomain(query.error) };
    const answer = await services.checks.request(
      query.data.domain,
      { client: clientKey(c.var.client.address) },
      { fresh: query.data.fresh },
    );
    if (answer.kind !== 'run') return { response: refused(answer, services, 'checks_per_client') };
    return { run: answer.run, account: await readerAccount(services, sessionIdOf(c)) };
  };

  app.get('/', async (c) => {
    const admitted = await admit(c);
    if (admitted.response) return admitted.response;
    const { run, account } = admitted;
    try {
      // Signed-out readers share one serialised report; a signed-in reader's steps are their own.
      const body = account ? JSON.stringify(await services.checks.reportFor(run, account)) : await run.signedOutBody;
      return c.body(body, 200, { 'content-type': 'application/json', ...NO_STORE });
    } catch (error) {
      services.log.error('report failed', { requestId: c.var.requestId, domain: run.domain, error });
      return apiError('internal_error', FAILED);
    }
  });

  /**
   * One `check` event per result as it lands (results already in are replayed
   * first, and the reader's own steps join as soon as they are known), then one
   * `report` event with the whole report. On shutdown, a `closing` event.
   */
  app.get('/stream', async (c) => {
    const admitted = await admit(c);
    if (admitted.response) return admitted.response;
    const { run, account } = admitted;
    c.header('x-accel-buffering', 'no');
    const response = streamSSE(c, (stream) => relay(stream, run, account, services, c.var.requestId));
    // streamSSE sets `no-cache`; a signed-in reader's stream carries account steps, so nothing may keep it.
    response.headers.set('cache-control', 'no-store');
    return response;
  });

  return app;
}

/** Sends a run's results down one stream until the report is in, the reader leaves, or the server stops. */
async function relay(
  stream: SSEStreamingApi,
  run: SharedRun,
  account: Account | undefined,
  services: Services,
  requestId: string,
) {
  const send = (event: string, data: unknown) => stream.writeSSE({ event, data: JSON.stringify(data) });
  const stopped = Promise.withResolvers<void>();
  const onShutdown = async () => {
    await send('closing', { message: 'The server is restarting. Check again in a moment.' }).catch(() => {});
    stopped.resolve();
  };
  services.openStreams.add(onShutdown);
  stream.onAbort(() => stopped.resolve());

  const relayResult = (result: CheckResult) => void send('check', result).catch(() => stopped.resolve());
  const unsubscribe = run.subscribe(relayResult);
  for (const result of [...run.results]) relayResult(result);
  const work = (async () => {
    const [network, reader] = await Promise.all([run.report, services.checks.readerResults(run, account, relayResult)]);
    await send('report', composeReport(network, reader));
  })();
  try {
    await Promise.race([work, stopped.promise]);
  } catch (error) {
    services.log.error('stream failed', { requestId, domain: run.domain, error });
    await send('error', { code: 'internal_error', message: FAILED }).catch(() => {});
  } finally {
    work.catch(() => {});
    unsubscribe();
    services.openStreams.delete(onShutdown);
  }
}
