import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';

import { safeText } from './text.ts';

/** One HTTP(S) request to one vetted address, with a deadline on every phase. */
export interface FetchOnceOptions {
  url: URL;
  /** The vetted address to connect to: the URL's host is never looked up again. */
  address: string;
  trust: SecureContext;
  userAgent: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxBodyBytes: number;
  signal: AbortSignal;
  /** An open, verified connection to `address` to send the request on instead of a new one. */
  socket?: TLSSocket;
}

/** What came back, or why nothing usable did. */
export type FetchOnceResult =
  | { ok: true; status: number; headers: Record<string, string>; bodyBytes: number }
  | { ok: false; failure: 'timeout' | 'too_large' | 'connection' | 'tls'; detail: string };

/** Headers worth keeping as evidence; nothing else a server sends is stored. */
const KEPT_HEADERS = ['location', 'server', 'x-link-tracking-service', 'content-type', 'cf-ray', 'via', 'x-served-by'];

/** Sends one GET and reads at most `maxBodyBytes` of the answer. Redirects are the caller's business. */
export function fetchOnce(options: FetchOnceOptions): Promise<FetchOnceResult> {
  return new Promise((resolve) => {
    // A report out of time sends no new request.
    if (options.signal.aborted) {
      resolve({ ok: false, failure: 'timeout', detail: 'the report ran out of time' });
      return;
    }
    const family = isIP(options.address);
    // Hands the already vetted address to the socket: no second DNS lookup can change it.
    const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
      if (lookupOptions.all) callback(null, [{ address: options.address, family }]);
      else callback(null, options.address, family);
    };
    const isHttps = options.url.protocol === 'https:';
    const send = isHttps ? httpsRequest : httpRequest;
    let settled = false;
    const reuse = options.socket && !options.socket.destroyed ? options.socket : undefined;
    let timer = reuse
      ? setTimeout(() => fail('timeout', 'no response headers within the time limit'), options.headersTimeoutMs)
      : setTimeout(() => fail('timeout', 'no connection within the time limit'), options.connectTimeoutMs);

    const req = send(options.url, {
      method: 'GET',
      lookup,
      // No agent: each request gets its own connection, or the one handed in (which needs `agent` unset).
      ...(reuse ? { createConnection: () => reuse } : { agent: false }),
      ...(isHttps ? { servername: options.url.hostname, secureContext: options.trust } : {}),
      headers: { 'user-agent': options.userAgent, accept: '*/*', connection: 'close' },
    });

    function done(result: FetchOnceResult) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    }
    function fail(failure: 'timeout' | 'too_large' | 'connection' | 'tls', detail: string) {
      done({ ok: false, failure, detail: safeText(detail) });
    }
    const onAbort = () => fail('timeout', 'the report ran out of time');
    options.signal.addEventListener('abort', onAbort, { once: true });

    req.once('socket', (socket) => {
      if (reuse) return;
      socket.once(isHttps ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => fail('timeout', 'no response headers within the time limit'),
          options.headersTimeoutMs,
        );
      });
    });
    req.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      fail(/^ERR_SSL|CERT|^ERR_TLS/.test(code) ? 'tls' : 'connection', code);
    });
    req.once('response', (response: IncomingMessage) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail('timeout', 'the response body did not finish in time'), options.bodyTimeoutMs);
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = response.headers[name];
        if (value !== undefined) headers[name] = safeText(Array.isArray(value) ? value.join(', ') : value, 500);
      }
      const declared = Number(response.headers['content-length'] ?? 0);
      if (declared > options.maxBodyBytes) return fail('too_large', `content-length ${declared}`);
      let bodyBytes = 0;
      response.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
        if (bodyBytes > options.maxBodyBytes) fail('too_large', `more than ${options.maxBodyBytes} bytes`);
      });
      response.once('end', () => done({ ok: true, status: response.statusCode ?? 0, headers, bodyBytes }));
      response.once('error', (error) => fail('connection', error.message));
    });
    req.end();
  });
}
