/**
 * `npm run serve`: the production server, from the build. Validates the whole
 * configuration (and opens the database) before it listens; a bad value exits
 * with one message naming each bad variable, and no stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { serve as listen } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { MiddlewareHandler } from 'hono';

import { BUILD_VALUES_FILE, differingValues, parseRecordedValues, resolveBuildValues } from '../site/build-values.ts';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { AppEnv } from './middleware.ts';
import { openServices, type Services } from './services.ts';
import { loadStaticSite, sendStatic, type StaticSite } from './static-files.ts';

/** Astro's Node handler in middleware mode: renders on-demand routes, calls `next` for anything else. */
type AstroHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
  locals: Pick<App.Locals, 'services'>,
) => Promise<void>;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the build puts the server entry, the static files and Astro's per-page headers. */
export const BUILD = {
  entry: join(ROOT, 'dist/server/entry.mjs'),
  client: join(ROOT, 'dist/client'),
  headers: join(ROOT, 'dist/_headers.json'),
  values: join(ROOT, 'dist', BUILD_VALUES_FILE),
};

/**
 * Refuses a build whose pages print other values than the server runs with
 * (the guide would name one tracking host and the checks demand another),
 * naming each variable that differs and how to rebuild.
 */
export function checkBuildValues(env: Record<string, string | undefined>, file: string = BUILD.values): void {
  const recorded = existsSync(file) ? parseRecordedValues(readFileSync(file, 'utf8')) : undefined;
  if (!recorded) {
    throw new ConfigError(
      `The build has no record of the values it was built with (${file}): run \`npm run build\` (or \`npm start\`, which builds).`,
    );
  }
  const differences = differingValues(recorded, resolveBuildValues(env));
  if (differences.length === 0) return;
  throw new ConfigError(
    [
      'The running configuration differs from the one the site was built with:',
      ...differences.map((line) => `  ${line}`),
      "Rebuild with the same environment (`npm run build`, or `npm start`, which builds when they differ), or run with the build's values.",
    ].join('\n'),
  );
}

/**
 * Everything that is not the API: the built files from memory (precompressed,
 * each page with its own policy), then Astro's on-demand pages and redirects,
 * then the 404 page in the reader's language.
 */
export function siteHandler(site: StaticSite, astro: AstroHandler, services: Services): MiddlewareHandler<AppEnv> {
  return async (c) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      const file = site.find(c.req.path);
      if (file) return sendStatic(c, file);
    }
    const { incoming, outgoing } = c.env;
    if (!incoming || !outgoing) return c.text('Not found', 404);
    // The security headers are already on `outgoing` (see securityHeaders): Astro's answers keep them.
    const rendered = await new Promise<boolean>((resolve, reject) => {
      astro(incoming, outgoing, () => resolve(false), { services }).then(() => resolve(true), reject);
    });
    if (rendered) return RESPONSE_ALREADY_SENT;
    const page = site.notFoundPage(c.req.path);
    return page ? sendStatic(c, page, 404) : c.text('Not found', 404);
  };
}

/** A running server, as tests and `npm start` hold it. */
export interface RunningServer {
  server: Server;
  services: Services;
  origin: string;
  /** Stops accepting, ends open streams with a last event, finishes in-flight requests, closes the database. */
  shutdown(): Promise<void>;
}

/** Validates the configuration, opens the services and the build, and listens. Throws `ConfigError` on bad configuration. */
export async function startServer(env: Record<string, string | undefined> = process.env): Promise<RunningServer> {
  const config = loadConfig(env);
  if (!existsSync(BUILD.entry))
    throw new ConfigError('The site is not built: run `npm run build` (or `npm start`, which builds).');
  checkBuildValues(env);
  const services = await openServices(config);
  const site = await loadStaticSite(BUILD.client, BUILD.headers);
  const { handler: astro } = (await import(pathToFileURL(BUILD.entry).href)) as { handler: AstroHandler };
  const app = createApp(services, siteHandler(site, astro, services));

  const { HOST, PORT, METRICS_PORT, METRICS_HOST } = config.server;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = listen({ fetch: app.fetch, hostname: HOST, port: PORT }, () => resolve(listening as Server));
    listening.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`Cannot listen on HOST=${HOST} PORT=${PORT}: ${error.code ?? error.message}`)),
    );
  });
  // Event streams stay open for as long as a run takes; headers must arrive quickly.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  let metricsServer: Server | undefined;
  if (METRICS_PORT) {
    metricsServer = createServer(async (request, response) => {
      if (request.url !== '/metrics') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': services.metrics.registry.contentType });
      response.end(await services.metrics.registry.metrics());
    });
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ConfigError(`Cannot listen on METRICS_HOST=${METRICS_HOST} METRICS_PORT=${METRICS_PORT}: ${error.code}`),
        ),
      );
      metricsServer!.listen(METRICS_PORT, METRICS_HOST, resolve);
    });
  }

  const shutdown = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    metricsServer?.close();
    await Promise.all([...services.openStreams].map((end) => end()));
    server.closeIdleConnections();
    // Whatever is still open after most of the budget is cut, so the process ends within 10 s.
    const cut = setTimeout(() => server.closeAllConnections(), 8_000);
    await closed;
    clearTimeout(cut);
    await services.close();
  };

  const origin = `http://${HOST.includes(':') ? `[${HOST}]` : HOST}:${PORT}`;
  services.log.info('listening', { origin, site: config.siteOrigin, files: site.size });
  return { server, services, origin, shutdown };
}

/** Runs the server until SIGTERM or SIGINT, then shuts down gracefully and exits 0. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<RunningServer> {
  let running: RunningServer;
  try {
    running = await startServer(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.services.log.info('shutting down', { signal });
    running.shutdown().then(
      () => process.exit(0),
      (error) => {
        running.services.log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return running;
}

if (import.meta.main) await main();
