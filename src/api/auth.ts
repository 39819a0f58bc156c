/**
 * Who may do what. Named tokens (stored hashed, see token-hash.ts), each with a role: `read` (every GET:
 * status, timelines, incidents, evidence, the event stream, metrics) or `admin` (reads and every change).
 * Probes and the dashboard's own files are public. Reads without a token are allowed only as configured
 * (`anonymousReads`): by default from this machine only, so the single-machine demo needs no token to look.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';
import type { RateLimiter } from './rate-limit.js';
import { sha256Digest, tokenMatches, type TokenHash } from './token-hash.js';

export const apiRoles = ['read', 'admin'] as const;
export type ApiRole = (typeof apiRoles)[number];

/** What a route needs: nothing, a read token, or an admin token. */
export type RouteAccess = 'public' | 'read' | 'admin';

/** `loopback`: reads need no token when the client is on this machine; `none`: always; `any`: never. */
export const anonymousReadModes = ['loopback', 'none', 'any'] as const;
export type AnonymousReads = (typeof anonymousReadModes)[number];

export interface ApiToken {
  /** Shown in logs and used as the rate-limit key; never the token itself. */
  readonly name: string;
  readonly role: ApiRole;
  readonly hash: TokenHash;
}

/** Who a request is: the token's name, or null for an anonymous (public or loopback) request. */
export interface Principal {
  readonly tokenName: string | null;
}

export interface Authorizer {
  /** Resolves who asks, or throws 401 (no or wrong token) or 403 (the token's role is not enough). */
  authorize(request: IncomingMessage, access: RouteAccess): Promise<Principal>;
  /** False when no admin token is configured: every change is refused with 403. */
  readonly changesEnabled: boolean;
}

/**
 * The dashboard's pictures, clips and event stream are loaded by the browser itself (img, video,
 * EventSource), which cannot add an Authorization header, so the page also puts the token in this cookie.
 * The cookie is honoured for reads only: a change always needs the header, so another site cannot make a
 * browser change anything (no cross-site request forgery).
 */
export const tokenCookieName = 'streamqc_token';

const challenge = { 'www-authenticate': 'Bearer realm="streamqc"' };

function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new ApiError(401, 'UNAUTHORIZED', 'the Authorization header must be "Bearer <token>"', challenge);
  }
  return match[1];
}

function cookieToken(request: IncomingMessage): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== tokenCookieName) continue;
    try {
      const token = decodeURIComponent(value.join('='));
      return token === '' ? null : token;
    } catch {
      return null;
    }
  }
  return null;
}

const loopbackAddress = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const loopbackHost = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?$/i;

/**
 * From this machine, and addressed to it by a loopback name: a web page elsewhere whose host name an attacker
 * points at 127.0.0.1 (DNS rebinding) sends its own host name, so it does not pass.
 */
export function isLoopbackRequest(request: IncomingMessage): boolean {
  return (
    loopbackAddress.test(request.socket.remoteAddress ?? '') && loopbackHost.test(request.headers.host ?? '')
  );
}

export function createAuthorizer(options: {
  readonly tokens: readonly ApiToken[];
  readonly anonymousReads: AnonymousReads;
  /** Wrong tokens per remote address: once spent, tokens from there are not even checked (429). */
  readonly failedChecks: RateLimiter;
}): Authorizer {
  const { tokens, anonymousReads, failedChecks } = options;
  const changesEnabled = tokens.some((token) => token.role === 'admin');
  // scrypt costs tens of milliseconds; a token that matched once is remembered by its SHA-256.
  const scryptMatches = new Map<string, ApiToken>();

  const findToken = async (presented: string): Promise<ApiToken | null> => {
    const digest = sha256Digest(presented);
    let found: ApiToken | null = null;
    // Every SHA-256 entry is compared, without stopping at a match, so the time says nothing about which.
    for (const token of tokens) {
      if (token.hash.kind === 'sha256' && (await tokenMatches(presented, token.hash))) found ??= token;
    }
    if (found) return found;
    const remembered = scryptMatches.get(digest.toString('hex'));
    if (remembered) return remembered;
    for (const token of tokens) {
      if (token.hash.kind === 'scrypt' && (await tokenMatches(presented, token.hash))) {
        scryptMatches.set(digest.toString('hex'), token);
        return token;
      }
    }
    return null;
  };

  const anonymousMayRead = (request: IncomingMessage): boolean =>
    anonymousReads === 'any' || (anonymousReads === 'loopback' && isLoopbackRequest(request));

  return {
    changesEnabled,
    async authorize(request, access) {
      if (access === 'public') return { tokenName: null };
      if (access === 'admin' && !changesEnabled) {
        throw new ApiError(
          403,
          'FORBIDDEN',
          'changes are disabled: no API token is configured with the admin role (see http.tokens in the config)',
        );
      }
      // Checked before the anonymous rule: a wrong token is reported even where none is needed.
      const presented = bearerToken(request) ?? (access === 'read' ? cookieToken(request) : null);
      if (presented === null) {
        if (access === 'read' && anonymousMayRead(request)) return { tokenName: null };
        const needed = access === 'admin' ? 'this change needs' : 'reading needs';
        throw new ApiError(
          401,
          'UNAUTHORIZED',
          `${needed} an Authorization: Bearer <token> header`,
          challenge,
        );
      }
      const address = request.socket.remoteAddress ?? 'unknown';
      failedChecks.check(address);
      const token = await findToken(presented);
      if (token === null) {
        failedChecks.take(address);
        throw new ApiError(401, 'UNAUTHORIZED', 'the bearer token is not valid', challenge);
      }
      if (access === 'admin' && token.role !== 'admin') {
        throw new ApiError(
          403,
          'FORBIDDEN',
          `token '${token.name}' may only read; changes need an admin token`,
        );
      }
      return { tokenName: token.name };
    },
  };
}
