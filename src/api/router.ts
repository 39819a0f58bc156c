/**
 * A small typed router. The route table is the one source for dispatch, authorisation and the OpenAPI
 * document, so a route cannot exist without being documented (and the reverse).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './api-error.js';
import type { RouteAccess } from './auth.js';
import type { OperationDoc } from './openapi.js';

export const httpMethods = ['GET', 'POST', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof httpMethods)[number];

type ParamNames<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : Path extends `${string}:${infer Name}`
    ? Name
    : never;

/** `/api/channels/:id/chunks` gives `{ id: string }`. */
export type PathParams<Path extends string> = { readonly [Name in ParamNames<Path>]: string };

export interface RequestContext<Params> {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly params: Params;
  readonly query: URLSearchParams;
  /** The size-limited JSON body, or undefined when the body is empty. */
  readonly readJson: () => Promise<unknown>;
}

export type Reply =
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'text'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'empty'; readonly status: number }
  /** The handler wrote (or is streaming) the response itself. */
  | { readonly kind: 'handled' };

export interface RouteSpec<Path extends string> {
  readonly method: HttpMethod;
  readonly path: Path;
  /** Changes state: an admin token is checked before the handler runs. */
  readonly mutation: boolean;
  /** Open to anyone (probes, the dashboard's own files); other reads need a read token (see auth.ts). */
  readonly public?: boolean;
  readonly doc: OperationDoc;
  readonly handle: (context: RequestContext<PathParams<Path>>) => Reply | Promise<Reply>;
}

type Segment = { readonly literal: string } | { readonly param: string };

export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly mutation: boolean;
  readonly access: RouteAccess;
  readonly doc: OperationDoc;
  readonly segments: readonly Segment[];
  readonly handle: (context: RequestContext<Readonly<Record<string, string>>>) => Reply | Promise<Reply>;
}

function parsePattern(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part) => (part.startsWith(':') ? { param: part.slice(1) } : { literal: part }));
}

export function defineRoute<Path extends string>(spec: RouteSpec<Path>): Route {
  return {
    method: spec.method,
    path: spec.path,
    mutation: spec.mutation,
    access: spec.mutation ? 'admin' : spec.public === true ? 'public' : 'read',
    doc: spec.doc,
    segments: parsePattern(spec.path),
    // Safe: match() fills one entry for every `:name` segment of this very path.
    handle: (context) => spec.handle(context as RequestContext<PathParams<Path>>),
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

function matchSegments(route: Route, parts: readonly string[]): Record<string, string> | null {
  if (route.segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const part = parts[index] ?? '';
    if ('literal' in segment) {
      if (segment.literal !== part) return null;
    } else {
      if (part === '') return null;
      params[segment.param] = decodeSegment(part);
    }
  }
  return params;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

/** Finds the route for a method and path; 404 when no route has the path, 405 (with Allow) for the method. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  // One trailing slash is forgiven: `/api/channels/` is the same collection.
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const parts = trimmed.split('/').slice(1);
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchSegments(route, parts);
    if (params === null) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length === 0) throw new ApiError(404, 'NOT_FOUND', `no route for ${pathname}`);
  throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}`, {
    allow: allowed.join(', '),
  });
}

/** `/api/channels/:id` as OpenAPI writes it: `/api/channels/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function pathParamNames(route: Route): string[] {
  return route.segments.flatMap((segment) => ('param' in segment ? [segment.param] : []));
}
