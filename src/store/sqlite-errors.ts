/**
 * Turns SQLite's failures into one-line StreamqcErrors that name the database file and say whether retrying
 * may help. Anything else (a misused statement, a constraint we never expect) is a bug and passes through.
 */
import Database from 'better-sqlite3';
import { StreamqcError } from '../errors/streamqc-error.js';

export type StoreAction = 'open' | 'read' | 'write to';

interface Classified {
  readonly retryable: boolean;
  readonly reason: string;
}

/** SQLite's primary result code is the prefix of its extended code: SQLITE_IOERR_WRITE is an SQLITE_IOERR. */
function classify(sqliteCode: string): Classified | null {
  const primary = /^SQLITE_[A-Z]+/.exec(sqliteCode)?.[0] ?? sqliteCode;
  switch (primary) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return { retryable: true, reason: 'the database is locked by another connection' };
    case 'SQLITE_FULL':
      return { retryable: true, reason: 'the disk is full' };
    case 'SQLITE_IOERR':
      return { retryable: true, reason: 'disk I/O error' };
    case 'SQLITE_READONLY':
      return { retryable: true, reason: 'the database file is read-only' };
    case 'SQLITE_CANTOPEN':
      return { retryable: true, reason: 'the file cannot be opened' };
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return { retryable: true, reason: 'permission denied' };
    case 'SQLITE_CORRUPT':
      return { retryable: false, reason: 'the database file is corrupt' };
    case 'SQLITE_NOTADB':
      return { retryable: false, reason: 'the file is not a database' };
    default:
      return null;
  }
}

/**
 * Maps an error thrown by better-sqlite3. At open nothing but a lock is worth retrying: a missing directory,
 * a read-only or corrupt file will still be there, so the service should stop and say so.
 */
export function storeError(error: unknown, path: string, action: StoreAction): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const classified = classify(error.code);
  if (classified === null) return error;
  const retryable =
    action === 'open'
      ? error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')
      : classified.retryable;
  return new StreamqcError(
    retryable ? 'STORE_UNAVAILABLE' : 'STORE_FAILED',
    `cannot ${action} store '${path}': ${classified.reason} (${error.code})`,
    { cause: error },
  );
}

/** Runs one store operation and rethrows its failure as storeError would map it. */
export function guarded<T>(path: string, action: StoreAction, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw storeError(error, path, action);
  }
}
