/**
 * The HTTP API of `streamqc run` on node:http: one route table (channels, incidents, probes, metrics, live
 * events, the OpenAPI document), bearer-token checks for every change, JSON errors throughout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { MonitorApi } from '../service/monitor-api.js';
import { badRequest, toApiError } from './api-error.js';
import { silentLogger, type ApiLogger } from './api-logger.js';
import { bearerAuthorizer } from './auth.js';
import { channelRoutes } from './channel-routes.js';
import { createEventStreams } from './event-stream.js';
import { readJsonBody, sendEmpty, sendError, sendJson, sendText } from './http-io.js';
import { incidentRoutes } from './incident-routes.js';
import type { RouteDeps } from './route-deps.js';
import { matchRoute, type Reply, type Route } from './router.js';
import { systemRoutes } from './system-routes.js';
import { webRoutes } from './web-routes.js';

export interface ApiServerOptions {
  readonly api: MonitorApi;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Default 127.0.0.1: the API changes what is monitored, so exposing it is a choice made in the config. */
  readonly host?: string;
  /** Needed for every change; null refuses all changes (403). */
  readonly authToken: string | null;
  readonly logger?: ApiLogger;
  /** Default 15000. */
  readonly heartbeatIntervalMs?: number;
  /** Default 100. */
  readonly maxEventStreams?: number;
}

export interface ApiServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Ends event streams, stops accepting connections and resolves once the server is closed. */
  close(): Promise<void>;
}

/** How long `close()` lets requests in flight (an evidence download) finish before cutting them. */
const closeGraceMs = 2000;

/** Every route the server answers; also what the OpenAPI document lists. */
export function buildRoutes(deps: RouteDeps): Route[] {
  const routes: Route[] = [
    ...channelRoutes(deps),
    ...incidentRoutes(deps),
    ...systemRoutes(deps, () => routes),
    ...webRoutes(deps),
  ];
  return routes;
}

function writeReply(response: ServerResponse, reply: Reply): void {
  switch (reply.kind) {
    case 'json':
      sendJson(response, reply.status, reply.body, reply.headers);
      return;
    case 'text':
      sendText(response, reply.status, reply.contentType, reply.body);
      return;
    case 'empty':
      sendEmpty(response, reply.status);
      return;
    case 'handled':
      return;
  }
}

function parseRequestUrl(request: IncomingMessage): URL {
  try {
    // Prefixing keeps a path such as `//host/x` a path instead of letting URL read a host from it.
    return new URL(`http://localhost${request.url ?? '/'}`);
  } catch {
    throw badRequest('the request target is not a valid URL path');
  }
}

function formatUrl(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? silentLogger;
  const events = createEventStreams({
    api: options.api,
    logger,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000,
    maxStreams: options.maxEventStreams ?? 100,
  });
  const routes = buildRoutes({ api: options.api, logger, events, nowMs: () => Date.now() });
  const authorize = bearerAuthorizer(options.authToken);

  const dispatch = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    let path = '';
    try {
      const url = parseRequestUrl(request);
      path = url.pathname;
      const { route, params } = matchRoute(routes, method, path);
      if (route.mutation) authorize(request);
      const reply = await route.handle({
        request,
        response,
        params,
        query: url.searchParams,
        readJson: () => readJsonBody(request),
      });
      writeReply(response, reply);
    } catch (error) {
      const { apiError, logLevel } = toApiError(error);
      if (logLevel === 'error') logger.error({ err: error, method, path }, 'API request failed');
      else if (logLevel === 'warn') logger.warn({ err: error, method, path }, 'API request failed for now');
      else if (apiError.status === 401 || apiError.status === 403) {
        logger.warn({ method, path, remoteAddress: request.socket.remoteAddress }, 'API change refused');
      }
      // A streamed answer that fails after its headers can only be cut short.
      if (response.headersSent) response.destroy();
      else sendError(response, apiError);
    }
  };

  const server = createServer((request, response) => {
    dispatch(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'API dispatch failed');
      response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${options.host ?? '127.0.0.1'}:${options.port}`;
      reject(
        new StreamqcError('BAD_CONFIG', `API cannot listen on ${where}: ${error.code ?? error.message}`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Errors after start-up (a socket failing) are per connection; the server itself stays up.
  server.on('error', (error) => logger.error({ err: error }, 'API server error'));
  // Malformed HTTP is left to Node's default answer (400 and close), which carries no details.

  // The caller logs the address with its own context (channels, whether changes are allowed).
  const url = formatUrl(server.address() as AddressInfo);

  let closing: Promise<void> | null = null;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        events.closeAll();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), closeGraceMs).unref();
      });
      return closing;
    },
  };
}
