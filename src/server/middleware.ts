import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { parse as parseCookies } from 'hono/utils/cookie';
import { createMiddleware } from 'hono/factory';

import type { Account } from '../accounts/directory.ts';
import { apiError } from './api-errors.ts';
import { clientOrigin, type ClientOrigin } from './client-address.ts';
import type { Config } from './config.ts';
import type { Services } from './services.ts';
import { SESSION_COOKIE } from './sessions.ts';

/** What every handler of the app can read from its context. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    client: ClientOrigin;
  };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * First in line: gives the request an id (the proxy's `X-Request-Id` when it is
 * sane), answers with it, and logs and counts the request once it is answered.
 */
export function requestContext({ log, metrics }: Services) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    const given = requestHeader(c, 'x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    presetHeaders(c, [['x-request-id', id]]);
    await next();
    const route = c.req.routePath === '/*' || c.req.routePath === '*' ? 'site' : c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    metrics.request(route, c.req.method, c.res.status, seconds);
    log.info('request', {
      requestId: id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(seconds * 10_000) / 10,
      client: c.var.client?.address,
    });
  });
}

/** The headers every response carries; pages add their own script and style policy. */
function baseSecurityHeaders(config: Config): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
    ...(config.siteOrigin.startsWith('https:')
      ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' }
      : {}),
  };
}

/** The policy of API and other non-page answers: they load nothing and are framed by nobody. */
const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Gives an answer headers before its handler runs. On Node they go straight onto
 * the outgoing response, where Node merges them with the handler's own (which
 * win); Hono's own preset headers would cost a Headers object per request, a
 * third of the cached-report path. Without Node (tests calling the app) they go
 * through the context.
 */
function presetHeaders(c: Context<AppEnv>, headers: readonly (readonly [string, string])[]) {
  const outgoing = c.env?.outgoing;
  if (outgoing) for (const [name, value] of headers) outgoing.setHeader(name, value);
  else for (const [name, value] of headers) c.header(name, value);
}

/** Sets the security headers on every answer; a page answer replaces the policy with its own. */
export function securityHeaders(config: Config) {
  const headers = Object.entries({
    ...baseSecurityHeaders(config),
    'content-security-policy': API_CONTENT_SECURITY_POLICY,
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    presetHeaders(c, headers);
    await next();
    // Without Node, error answers (plain Responses built without the context) need them added.
    if (!c.env?.outgoing && c.res.status >= 400 && !c.res.headers.has('x-content-type-options')) {
      for (const [name, value] of headers) c.res.headers.set(name, value);
      c.res.headers.set('x-request-id', c.var.requestId);
    }
  });
}

/** Works out the client's address and scheme, believing proxy headers only as `TRUST_PROXY` says. */
export function clientAddress(config: Config) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const peer = c.env?.incoming?.socket.remoteAddress ?? '';
    const scheme = c.env?.incoming && 'encrypted' in c.env.incoming.socket ? 'https' : 'http';
    c.set(
      'client',
      clientOrigin(peer, (name) => requestHeader(c, name), config.server.TRUST_PROXY, scheme),
    );
    await next();
  });
}

/**
 * The one gate of every state-changing request: it comes from this site's own
 * pages (`Origin` equal to `SITE_URL`'s origin, whatever scheme the proxy
 * spoke to us in) and sends JSON (`application/json`, nothing that a form could send).
 */
export function changeGuard(config: Config) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.header('origin') !== config.siteOrigin) {
      return apiError('forbidden_origin', 'Changes are accepted only from this site’s own pages.');
    }
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      return apiError('unsupported_media_type', 'Send the request body as application/json.');
    }
    return next();
  });
}

/** Where `requestHeader` reads from: any Hono context, on Node or not. */
type HeaderSource = { env?: Partial<HttpBindings>; req: { header(name: string): string | undefined } };

/**
 * One request header. On Node, from the headers Node has already parsed:
 * reading the Fetch-style `Headers` would build them again for every request,
 * which costs more than the rest of a cached report's path.
 */
export function requestHeader(c: HeaderSource, name: string): string | undefined {
  const headers = c.env?.incoming?.headers;
  if (!headers) return c.req.header(name);
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The session id a request carries, if any. */
export function sessionIdOf(c: Context<AppEnv>): string | undefined {
  const cookies = requestHeader(c, 'cookie');
  return cookies ? parseCookies(cookies, SESSION_COOKIE)[SESSION_COOKIE] : undefined;
}

/** The signed-in reader's account, when the request carries a live session. */
export async function readerAccount(services: Services, sessionId: string | undefined): Promise<Account | undefined> {
  if (!sessionId) return undefined;
  const accountId = await services.sessions.accountOf(sessionId);
  return accountId ? services.directory.getAccount(accountId) : undefined;
}
