/**
 * The service's logger: structured (pino), with every `url` field passed through `redactUrl` wherever it
 * sits, so a channel URL with credentials cannot reach a log line in full even where a caller forgot.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactUrl } from './model.js';

/** Field paths whose values are URLs: top level, one level down (`{ channel: { url } }`), and in arrays. */
const urlPaths = ['url', '*.url', '*[*].url'];

export function createServiceLogger(level: string, destination: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: urlPaths,
        censor: (value: unknown) => (typeof value === 'string' ? redactUrl(value) : value),
      },
    },
    destination,
  );
}
