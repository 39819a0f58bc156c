/**
 * The logging the API needs: pino's `(fields, message)` call shape, so a pino logger fits as it is, and a
 * test can pass a recorder. Messages are fixed; values go in the fields.
 */
export interface ApiLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: ApiLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
