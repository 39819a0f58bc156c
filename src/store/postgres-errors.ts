/**
 * Turns PostgreSQL's failures (and the network's) into one-line StreamqcErrors that name the database by its
 * URL without the password and say whether retrying may help. Anything else (an SQL mistake, a constraint we
 * never expect) is a bug and passes through.
 */
import { DatabaseError } from 'pg';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { StoreAction } from './sqlite-errors.js';

interface Classified {
  readonly retryable: boolean;
  readonly reason: string;
}

/** The network and the pool: the server is down, restarting, unreachable or too slow to answer. */
const networkCodes: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  EAI_AGAIN: 'name lookup failed for now',
  ENOTFOUND: 'host not found',
};

/** pg reports these without a code. */
const clientMessages: readonly [RegExp, string][] = [
  [/timeout exceeded when trying to connect/i, 'no connection within the connect timeout'],
  [/connection terminated/i, 'connection terminated'],
  [/query read timeout/i, 'query timed out'],
];

/** By SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html): exact code, then class. */
function classifySqlState(code: string, message: string): Classified | null {
  switch (code) {
    case '40001':
    case '40P01':
    case '55P03':
      return { retryable: true, reason: 'a conflicting transaction or lock' };
    case '57014':
      return { retryable: true, reason: 'the statement timed out' };
    case '57P01':
    case '57P02':
    case '57P03':
      return { retryable: true, reason: 'the server is shutting down or starting' };
    case '25006':
      return { retryable: true, reason: 'the server is read-only (a standby?)' };
    case '3D000':
    case '3F000':
    case '42501':
      return { retryable: false, reason: message };
    default:
      break;
  }
  switch (code.slice(0, 2)) {
    case '08':
      return { retryable: true, reason: `connection failure: ${message}` };
    case '53':
      return { retryable: true, reason: `the server is out of resources: ${message}` };
    case '58':
      return { retryable: true, reason: `server I/O error: ${message}` };
    case '28':
      return { retryable: false, reason: message };
    default:
      return null;
  }
}

function classify(error: unknown): (Classified & { code: string }) | null {
  if (error instanceof DatabaseError && error.code !== undefined) {
    const classified = classifySqlState(error.code, error.message);
    return classified === null ? null : { ...classified, code: error.code };
  }
  if (!(error instanceof Error)) return null;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && networkCodes[code] !== undefined) {
    return { retryable: true, reason: networkCodes[code], code };
  }
  for (const [pattern, reason] of clientMessages) {
    if (pattern.test(error.message)) return { retryable: true, reason, code: 'CONNECTION' };
  }
  return null;
}

/**
 * Maps an error thrown by pg. At open, only what the server or the network may soon fix is retryable (it is
 * down, starting, unreachable); wrong credentials, a missing database or missing rights will still be there.
 */
export function postgresStoreError(error: unknown, name: string, action: StoreAction): unknown {
  if (error instanceof StreamqcError) return error;
  const classified = classify(error);
  if (classified === null) return error;
  return new StreamqcError(
    classified.retryable ? 'STORE_UNAVAILABLE' : 'STORE_FAILED',
    `cannot ${action} store '${name}': ${classified.reason.replace(/\s+/g, ' ')} (${classified.code})`,
    { cause: error },
  );
}

/** Runs one store operation and rethrows its failure as postgresStoreError would map it. */
export async function guardedQuery<T>(
  name: string,
  action: StoreAction,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw postgresStoreError(error, name, action);
  }
}
