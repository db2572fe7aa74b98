/**
 * The lab's TCP peers: TLS/HTTP servers that play one scenario each, the
 * multi-domain tracking service, and the trap that counts forbidden connections.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';

import type { Credentials } from './certs.ts';
import type { Responder, Transport } from './scenarios.ts';

/** What the tracking service says about itself (`TRACKING_PROBE_PATH`, `TRACKING_SERVICE_ID`). */
export interface ServiceIdentity {
  probePath: string;
  serviceId: string;
}

/** A listening socket the lab can close. */
export interface RunningServer {
  close(): Promise<void>;
}

/** How to start one server. */
export interface ServerOptions {
  address: string;
  port: number;
  transport: Transport;
  respond: Responder;
  /** The certificate for TLS transports: one, or one per SNI name plus a fallback. */
  credentials?: Credentials | { byName: ReadonlyMap<string, Credentials>; fallback: Credentials };
  service: ServiceIdentity;
  /** Milliseconds each accepted connection waits before it is served (an emulated network round trip). */
  latencyMs?: number;
}

// A fatal TLS alert record: content type 21, TLS 1.2, length 2, level fatal, handshake_failure (40).
const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const ignore = () => {};

/** Answers one HTTP request as the responder says. */
function handler(respond: Responder, service: ServiceIdentity): http.RequestListener {
  return (request, response) => {
    response.on('error', ignore);
    const path = (request.url ?? '/').split('?')[0];
    switch (respond.kind) {
      case 'tracking-service':
        if (path !== service.probePath) {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
          return;
        }
        response.writeHead(200, { 'content-type': 'text/plain', 'x-link-tracking-service': service.serviceId });
        response.end('ok\n');
        return;
      case 'status':
        response.writeHead(respond.status, respond.headers).end(respond.body ?? '');
        return;
      case 'redirect':
        response.writeHead(respond.status, { location: respond.location }).end();
        return;
      case 'endless-redirects':
      case 'paced-redirects': {
        const hop = path === service.probePath ? 0 : Number(/^\/hop\/(\d+)$/.exec(path)?.[1] ?? NaN);
        const answer = () => {
          if (Number.isNaN(hop)) response.writeHead(404).end();
          else response.writeHead(302, { location: `/hop/${hop + 1}` }).end();
        };
        if (respond.kind === 'paced-redirects') setTimeout(answer, respond.delayMs).unref();
        else answer();
        return;
      }
      case 'hang':
        // Keep reading so the connection stays open; the lab destroys it on stop.
        request.resume();
        return;
      case 'large-body':
        void streamBody(response, respond.bytes);
        return;
    }
  };
}

/** Writes `bytes` bytes in chunks, minding back-pressure, and stops when the client goes away. */
async function streamBody(response: http.ServerResponse, bytes: number): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/octet-stream' });
  for (let sent = 0; sent < bytes && !response.destroyed; sent += CHUNK.length) {
    const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
    if (!response.write(chunk)) {
      await new Promise((resolve) => {
        response.once('drain', resolve);
        response.once('close', resolve);
      });
    }
  }
  if (!response.destroyed) response.end();
}

function tlsOptions(options: ServerOptions): https.ServerOptions {
  const { credentials } = options;
  if (!credentials) throw new Error(`lab: the TLS server on ${options.address} has no certificate`);
  if (!('byName' in credentials)) return { ...credentials };
  const contexts = new Map<string, SecureContext>();
  for (const [name, pair] of credentials.byName) contexts.set(name, createSecureContext(pair));
  return {
    ...credentials.fallback,
    SNICallback: (servername, callback) => callback(null, contexts.get(servername.toLowerCase())),
  };
}

function createServer(options: ServerOptions): net.Server {
  const onRequest = handler(options.respond, options.service);
  switch (options.transport) {
    case 'tls':
      return https.createServer(tlsOptions(options), onRequest);
    case 'tls-weak':
      // A server that still serves a weak key or a SHA-1 chain: OpenSSL 3 loads them only at level 0.
      return https.createServer({ ...tlsOptions(options), ciphers: 'DEFAULT@SECLEVEL=0' }, onRequest);
    case 'tls-1.1':
      // OpenSSL 3 refuses TLS below 1.2 unless the security level is 0.
      return https.createServer(
        { ...tlsOptions(options), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
        onRequest,
      );
    case 'plain-http':
      return http.createServer(onRequest);
    case 'alert-handshake':
      return net.createServer((socket) => socket.once('data', () => socket.end(HANDSHAKE_FAILURE_ALERT)));
    case 'reset-handshake':
      return net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    case 'silent':
      return net.createServer((socket) => socket.resume());
  }
}

/**
 * Listens on address:port and returns a close() that also destroys every open
 * connection. With `latencyMs`, a front listener accepts each connection and
 * hands it to `server` that much later, as a distant server would answer.
 */
async function listen(server: net.Server, address: string, port: number, latencyMs = 0): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    // A client that hangs up mid-handshake must not crash the test run.
    socket.on('error', ignore);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const front =
    latencyMs > 0
      ? net.createServer({ pauseOnConnect: true }, (socket) => {
          track(socket);
          setTimeout(() => {
            if (socket.destroyed) return;
            server.emit('connection', socket);
            socket.resume();
          }, latencyMs);
        })
      : server;
  if (front === server) server.on('connection', track);
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen({ host: address, port, exclusive: true }, () => {
      front.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Starts one scenario server (or the tracking service). */
export function startServer(options: ServerOptions): Promise<RunningServer> {
  return listen(createServer(options), options.address, options.port, options.latencyMs);
}

/** Listens on every port of `address` and counts connections, closing each at once. */
export async function startTrap(address: string, ports: number[], onConnection: () => void): Promise<RunningServer> {
  const started: RunningServer[] = [];
  try {
    for (const port of new Set(ports)) {
      const server = net.createServer((socket) => {
        onConnection();
        socket.destroy();
      });
      started.push(await listen(server, address, port));
    }
  } catch (error) {
    await Promise.all(started.map((server) => server.close()));
    throw error;
  }
  return { close: async () => void (await Promise.all(started.map((server) => server.close()))) };
}
