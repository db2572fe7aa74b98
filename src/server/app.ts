import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';

import { StorageUnavailableError } from '../storage/errors.ts';
import { apiError, retryLater } from './api-errors.ts';
import { accountRoutes } from './api/account.ts';
import { checksRoutes, NO_STORE } from './api/checks.ts';
import { reportRoutes } from './api/reports.ts';
import {
  changeGuard,
  clientAddress,
  requestContext,
  requestHeader,
  securityHeaders,
  type AppEnv,
} from './middleware.ts';
import type { Services } from './services.ts';

/** Request bodies the API reads at most; larger ones are refused before they are read. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The server as one app. Every request passes the same pieces, in this order:
 * request id and logging → security headers → client address (trusted proxies),
 * then for the API: body limit and Origin/JSON guard (changes only) → compression →
 * the handler (rate limits are part of each service it calls) → one error
 * mapper that always answers the documented JSON. Everything that is not the
 * API goes to `site` (static files and Astro's pages) when one is given.
 */
export function createApp(services: Services, site?: MiddlewareHandler<AppEnv>) {
  const { config } = services;
  const app = new Hono<AppEnv>();

  app.use(requestContext(services));
  app.use(securityHeaders(config));
  app.use(clientAddress(config));

  const api = new Hono<AppEnv>();
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => apiError('payload_too_large', `Request bodies are at most ${MAX_BODY_BYTES / 1024} KB.`),
  });
  const compressJson = compress();
  const compressReports: MiddlewareHandler<AppEnv> = (c, next) =>
    requestHeader(c, 'accept-encoding') ? compressJson(c, next) : next();
  // Only requests that can change something pass the body limit and the change guard: the
  // cached-report path stays a lookup and a write.
  const CHANGES = ['POST', 'PUT', 'PATCH', 'DELETE'];
  api.on(CHANGES, '*', limitBody, changeGuard(config));
  // Reports are the answers worth compressing (kilobytes of JSON); the rest are a few bytes, where gzip adds.
  api.use('/checks', compressReports);
  api.use('/reports', compressReports);
  api.use('/reports/*', compressReports);

  /** Liveness: the process answers. */
  api.get('/health', (c) => c.json({ status: 'ok' }, 200, NO_STORE));
  /**
   * Readiness: configuration loaded and storage answering; 503 otherwise, so the proxy sends readers elsewhere.
   * A lost Redis is `degraded` with 200: every instance loses it at once, and each still serves on its own.
   */
  api.get('/ready', async (c) => {
    const ready = await services.ready();
    if (!ready.ok) return c.json({ status: 'unavailable', problem: ready.problem }, 503, NO_STORE);
    return ready.degraded
      ? c.json({ status: 'degraded', problem: ready.degraded }, 200, NO_STORE)
      : c.json({ status: 'ready' }, 200, NO_STORE);
  });
  api.route('/checks', checksRoutes(services));
  api.route('/reports', reportRoutes(services));
  api.route('/', accountRoutes(services));
  api.all('*', () => apiError('not_found', 'No such API route.'));
  api.onError((error, c) => {
    if (error instanceof StorageUnavailableError) {
      services.log.warn('storage unavailable', { requestId: c.var.requestId, path: c.req.path });
      return retryLater('unavailable', 'Accounts are unavailable for a moment. Try again shortly.', 5);
    }
    services.log.error('unhandled error', { requestId: c.var.requestId, path: c.req.path, error });
    return apiError('internal_error', 'Something broke on our side. Try again in a moment.');
  });

  app.route('/api', api);
  if (site) app.use(site);
  app.onError((error, c) => {
    services.log.error('unhandled error', { requestId: c.var.requestId, path: c.req.path, error });
    return c.text('Something broke on our side. Try again in a moment.', 500, NO_STORE);
  });
  return app;
}
