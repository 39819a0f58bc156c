/**
 * Operational failures (the input cannot be opened, the decoder failed) are typed errors with a code and
 * whether retrying may help. Quality problems are never errors: they are events.
 */
export type ErrorCode =
  | 'INPUT_NOT_FOUND'
  | 'INPUT_IS_DIRECTORY'
  | 'INPUT_EMPTY'
  | 'INPUT_UNREADABLE'
  | 'INPUT_UNSUPPORTED'
  | 'NO_MEDIA_STREAMS'
  | 'CONNECT_TIMEOUT'
  | 'CONNECT_FAILED'
  | 'DECODER_UNAVAILABLE'
  /** The deployment's input policy does not allow this protocol or local path. */
  | 'INPUT_NOT_ALLOWED'
  /** The input declares a picture size, frame rate or bit rate over the channel limits. */
  | 'STREAM_OVER_LIMITS'
  | 'BAD_CONFIG'
  | 'BAD_USAGE'
  /** The result store cannot be written or read right now (locked, disk full, I/O error): retry later. */
  | 'STORE_UNAVAILABLE'
  /** The result store cannot be used at all (cannot be opened, read-only, corrupt, newer schema). */
  | 'STORE_FAILED'
  /** The cluster's PostgreSQL (channel leases) cannot be reached right now: retry later. */
  | 'COORDINATION_UNAVAILABLE';

const retryableCodes: ReadonlySet<ErrorCode> = new Set([
  'CONNECT_TIMEOUT',
  'CONNECT_FAILED',
  'STORE_UNAVAILABLE',
  'COORDINATION_UNAVAILABLE',
]);

export class StreamqcError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamqcError';
    this.code = code;
    this.retryable = retryableCodes.has(code);
  }
}

export function isStreamqcError(error: unknown): error is StreamqcError {
  return error instanceof StreamqcError;
}
