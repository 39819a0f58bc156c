/**
 * The HTTP API of `streamqc run` on node:http: one route table (channels, incidents, probes, metrics, live
 * events, the OpenAPI document), JSON errors throughout. Every request passes, in order: security headers,
 * the rate limit of its remote address, the CORS policy, the route, the token check for the route's access
 * (public, read, admin), the rate limit of its token, then the handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { MonitorApi } from '../service/monitor-api.js';
import { badRequest, toApiError } from './api-error.js';
import { silentLogger, type ApiLogger } from './api-logger.js';
import { createAuthorizer, type AnonymousReads, type ApiToken } from './auth.js';
import { channelRoutes } from './channel-routes.js';
import { createEventStreams } from './event-stream.js';
import { readJsonBody, sendEmpty, sendError, sendJson, sendText } from './http-io.js';
import { incidentRoutes } from './incident-routes.js';
import type { RouteDeps } from './route-deps.js';
import {
  createRateLimiter,
  defaultRateLimits,
  failedTokenChecksPerMinute,
  type RateLimits,
} from './rate-limit.js';
import { applySecurityHeaders, createCorsPolicy } from './response-policy.js';
import { matchRoute, type Reply, type Route } from './router.js';
import { systemRoutes } from './system-routes.js';
import { webRoutes } from './web-routes.js';

export interface ApiServerOptions {
  readonly api: MonitorApi;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Default 127.0.0.1: the API changes what is monitored, so exposing it is a choice made in the config. */
  readonly host?: string;
  /** Named tokens with their roles; with no admin token every change is refused (403). */
  readonly tokens: readonly ApiToken[];
  /** Default 'loopback': reads need no token from this machine, a read token from anywhere else. */
  readonly anonymousReads?: AnonymousReads;
  /** Default `defaultRateLimits`. */
  readonly rateLimits?: RateLimits;
  /** Origins (`https://ops.example.net`) whose pages may call the API; default none. */
  readonly corsOrigins?: readonly string[];
  /** How long a request body may take to arrive; default 10000. */
  readonly bodyTimeoutMs?: number;
  /** Evidence files are served only from inside this folder. */
  readonly evidenceDirectory: string;
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

const defaultBodyTimeoutMs = 10_000;
/** Node's own limits on receiving a request (headers, then the whole request), behind the body timeout. */
const headersTimeoutMs = 20_000;
const requestTimeoutMs = 60_000;

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

/** `.` and `..` segments, also written `%2e`: URL parsing would resolve them, so a path could step sideways. */
const dotSegment = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

function parseRequestUrl(request: IncomingMessage): URL {
  const target = request.url ?? '/';
  const rawPath = target.split(/[?#]/, 1)[0] ?? '';
  // Browsers resolve dot segments before sending; a request that still has them is crafted.
  if (dotSegment.test(rawPath)) throw badRequest('the request path must not contain . or .. segments');
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
  const nowMs = (): number => Date.now();
  const routes = buildRoutes({
    api: options.api,
    logger,
    events,
    nowMs,
    evidenceDirectory: options.evidenceDirectory,
  });
  const authorizer = createAuthorizer({
    tokens: options.tokens,
    anonymousReads: options.anonymousReads ?? 'loopback',
    failedChecks: createRateLimiter({
      perMinute: failedTokenChecksPerMinute,
      what: 'wrong tokens from this address',
      nowMs,
    }),
  });
  const rateLimits = options.rateLimits ?? defaultRateLimits;
  const addressLimiter = createRateLimiter({
    perMinute: rateLimits.perAddressPerMinute,
    what: 'requests from this address',
    nowMs,
  });
  const tokenLimiter = createRateLimiter({
    perMinute: rateLimits.perTokenPerMinute,
    what: 'requests with this token',
    nowMs,
  });
  const cors = createCorsPolicy(options.corsOrigins ?? []);
  const bodyTimeoutMs = options.bodyTimeoutMs ?? defaultBodyTimeoutMs;

  const dispatch = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const remoteAddress = request.socket.remoteAddress ?? 'unknown';
    let path = '';
    applySecurityHeaders(response);
    try {
      addressLimiter.take(remoteAddress);
      if (cors.handle(request, response)) return;
      const url = parseRequestUrl(request);
      path = url.pathname;
      const { route, params } = matchRoute(routes, method, path);
      const { tokenName } = await authorizer.authorize(request, route.access);
      if (tokenName !== null) tokenLimiter.take(tokenName);
      const reply = await route.handle({
        request,
        response,
        params,
        query: url.searchParams,
        readJson: () => readJsonBody(request, bodyTimeoutMs),
      });
      writeReply(response, reply);
    } catch (error) {
      const { apiError, logLevel } = toApiError(error);
      if (logLevel === 'error') logger.error({ err: error, method, path }, 'API request failed');
      else if (logLevel === 'warn') logger.warn({ err: error, method, path }, 'API request failed for now');
      // 429s are not logged one by one: a flood would become a flood of log lines.
      else if (apiError.status === 401 || apiError.status === 403) {
        logger.warn({ method, path, remoteAddress, status: apiError.status }, 'API request refused');
      }
      // A streamed answer that fails after its headers can only be cut short.
      if (response.headersSent) response.destroy();
      else {
        // A body left unread (refused before reading) would otherwise be drained from the socket.
        if (!request.complete) response.setHeader('connection', 'close');
        sendError(response, apiError);
      }
    }
  };

  const server = createServer(
    { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs },
    (request, response) => {
      dispatch(request, response).catch((error: unknown) => {
        logger.error({ err: error }, 'API dispatch failed');
        response.destroy();
      });
    },
  );

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
