/**
 * The PostgreSQL store's options and their defaults, apart from the store so the config schema can use them
 * without loading the database client.
 */

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; the password never appears in errors or logs. */
  readonly url: string;
  /** Tables live in this schema, created if missing (default `public`). */
  readonly schema?: string;
  /** Connections in the pool (default 5: one writer, the rest for API reads). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before failing with a retryable error (default 5000). */
  readonly connectTimeoutMs?: number;
  /** The server cancels a statement that runs longer (default 30000). */
  readonly statementTimeoutMs?: number;
}

export const postgresStoreDefaults = {
  schema: 'public',
  maxConnections: 5,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 30_000,
} as const;

/** A schema name that needs no quoting anywhere (SQL, the `search_path` startup option). */
export const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;
