/**
 * Every failure the API answers with: an HTTP status, a stable code clients can switch on, and a message
 * for people. Bodies are always `{ "error": { "code", "message" } }`, never a stack trace.
 */
import { isStreamqcError } from '../errors/streamqc-error.js';

export const apiErrorCodes = [
  'BAD_REQUEST',
  'BAD_CONFIG',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'REQUEST_TIMEOUT',
  'NOT_READY',
  'UNAVAILABLE',
  'TOO_MANY_STREAMS',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof apiErrorCodes)[number];

export interface ErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found`);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BAD_REQUEST', message);
}

/**
 * Maps anything a handler threw to an ApiError. `logLevel` says how the failure should be logged: 'error' for
 * failures the client cannot fix (answered with a generic message, since the message may name internals such
 * as file paths), 'warn' for a passing outage, null for the client's own mistakes.
 */
export function toApiError(error: unknown): { apiError: ApiError; logLevel: 'error' | 'warn' | null } {
  if (error instanceof ApiError) return { apiError: error, logLevel: null };
  // The monitor rejects bad channel settings with BAD_CONFIG and a message naming each problem.
  if (isStreamqcError(error) && (error.code === 'BAD_CONFIG' || error.code === 'BAD_USAGE')) {
    return { apiError: new ApiError(400, 'BAD_CONFIG', error.message), logLevel: null };
  }
  // A store that is locked or full for a moment: the client may try again shortly.
  if (isStreamqcError(error) && error.retryable) {
    const apiError = new ApiError(503, 'UNAVAILABLE', 'temporarily unavailable, try again shortly', {
      'retry-after': '5',
    });
    return { apiError, logLevel: 'warn' };
  }
  return { apiError: new ApiError(500, 'INTERNAL', 'internal error'), logLevel: 'error' };
}

export function errorBody(error: ApiError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}
