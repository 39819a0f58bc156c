/** Bearer-token check for every change. Reads stay open; see ARCHITECTURE.md's API section. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Returns a checker that throws 401 for a missing or wrong token, 403 when no token is configured (changes
 * are then refused outright rather than left open). Both sides are hashed first so the comparison takes the
 * same time whatever the length or content of the guess.
 */
export function bearerAuthorizer(authToken: string | null): (request: IncomingMessage) => void {
  // An empty token (an unset environment variable expanded to '') counts as none, not as a token.
  const expected = authToken === null || authToken === '' ? null : digest(authToken);
  return (request) => {
    if (expected === null) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        'changes are disabled: no API token is configured (set one in the config or the environment)',
      );
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const challenge = { 'www-authenticate': 'Bearer realm="streamqc"' };
    if (!match?.[1]) {
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        'this change needs an Authorization: Bearer <token> header',
        challenge,
      );
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new ApiError(401, 'UNAUTHORIZED', 'the bearer token is not valid', challenge);
    }
  };
}
