/**
 * What every answer carries whatever route sends it: security headers, and cross-origin (CORS) headers for
 * the configured origins only. With no origins configured no answer has Access-Control-Allow-Origin and
 * every preflight is refused, so a page on another site can neither read answers nor send changes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { httpMethods } from './router.js';

/**
 * The dashboard loads only its own files (scripts and style from /static, no inline code), pictures and
 * clips from the API, and talks to the API with fetch and EventSource: `'self'` covers all of it. Style set
 * through element.style (CSSOM) is allowed; style attributes in markup would not be.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  // frame-ancestors for current browsers, X-Frame-Options for old ones: never shown inside a frame.
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // Other sites may not embed the pictures or clips with <img>/<video> (CORS requests are not affected).
  'cross-origin-resource-policy': 'same-origin',
  // The default for API answers; routes that may be cached (evidence, dashboard files) set their own.
  'cache-control': 'no-store',
};

/** Set before the route runs; a route's own writeHead values take precedence. */
export function applySecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
}

export interface CorsPolicy {
  /**
   * Adds Access-Control-Allow-Origin for an allowed origin. For a preflight (OPTIONS with
   * Access-Control-Request-Method) answers 204 itself and returns true, or throws 403 for any other origin.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

const preflightMaxAgeSeconds = 600;

export function createCorsPolicy(allowedOrigins: readonly string[]): CorsPolicy {
  // Browsers send the origin as scheme://host[:port] without a trailing slash; compare the same way.
  const allowed = new Set(allowedOrigins.map((origin) => origin.replace(/\/+$/, '').toLowerCase()));
  return {
    handle(request, response) {
      const origin = request.headers.origin;
      const isPreflight =
        request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
      if (origin === undefined) return false;
      response.setHeader('vary', 'Origin');
      if (!allowed.has(origin.toLowerCase())) {
        if (isPreflight) throw forbiddenOrigin();
        // A simple cross-origin request still runs (its answer cannot be read by the page without the
        // header below); changes need an Authorization header, which only a preflight would allow.
        return false;
      }
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-expose-headers', 'Location, Retry-After, WWW-Authenticate');
      if (!isPreflight) return false;
      response.writeHead(204, {
        'access-control-allow-methods': httpMethods.join(', '),
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-max-age': String(preflightMaxAgeSeconds),
      });
      response.end();
      return true;
    },
  };
}

function forbiddenOrigin(): ApiError {
  return new ApiError(
    403,
    'FORBIDDEN',
    'cross-origin requests are not allowed from this origin (see http.corsOrigins in the config)',
  );
}
